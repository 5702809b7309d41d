"""``cache``: inspect or clear the content-addressed sweep cache
($STATMECH_NN_CACHE or ~/.cache/statmech_nn). ``clear`` removes only entries the cache wrote
and recognises, and lists what it kept."""
import json

from .commands import add_command


def _run(args):
    from ..sweep import cache
    if args.action == "clear":
        n, kept = cache.clear()
        out = {"directory": str(cache.cache_dir()), "removed": n, "kept": kept}
        if args.json:
            print(json.dumps(out))
        else:
            print(f"removed {n} cached sweep(s)/figure(s) from {out['directory']}")
            if kept:
                print(f"kept {len(kept)} item(s) the cache did not write: {', '.join(kept)}")
    else:
        info = cache.info()
        print(json.dumps(info) if args.json else
              f"{info['directory']}: {info['entries']} sweep(s), {info['bytes'] / 1e6:.2f} MB; "
              f"{info['figure_entries']} figure build(s), {info['figure_bytes'] / 1e6:.2f} MB"
              + (f"; {len(info['other'])} other item(s) (not the cache's, never cleared)"
                 if info["other"] else ""))
    return 0


def register(sub):
    p = add_command(sub, "cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_run)
