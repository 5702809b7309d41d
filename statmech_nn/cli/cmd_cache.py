"""``cache``: inspect or clear the content-addressed sweep cache
($STATMECH_NN_CACHE or ~/.cache/statmech_nn)."""
import json

from .commands import add_command


def _run(args):
    from ..sweep import cache
    if args.action == "clear":
        n = cache.clear()
        out = {"directory": str(cache.cache_dir()), "removed": n}
        print(json.dumps(out) if args.json else
              f"removed {n} cached sweep(s)/figure(s) from {out['directory']}")
    else:
        info = cache.info()
        print(json.dumps(info) if args.json else
              f"{info['directory']}: {info['entries']} sweep(s), {info['bytes'] / 1e6:.2f} MB; "
              f"{info['figure_entries']} figure build(s), {info['figure_bytes'] / 1e6:.2f} MB")
    return 0


def register(sub):
    p = add_command(sub, "cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_run)
