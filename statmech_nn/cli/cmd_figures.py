"""``figures``: build the figure catalogue (or named recipes) into figures/."""
import sys
import time

from .commands import add_command


def _run(args):
    from ..figures import build, recipes
    allr = recipes()
    if args.list:
        for r in allr.values():
            print(f"{r.name:28s} {r.description}")
        return 0
    names = args.names or list(allr)
    scale = "full" if args.full else ("tiny" if args.tiny else "quick")
    for name in names:
        if name not in allr:
            raise ValueError(f"unknown figure {name!r}; see 'statmech-nn figures --list'")
    from ..core.progress import progress_bar
    bar = progress_bar(names, desc="figures", unit="fig", show=False if args.quiet else None)
    for name in bar:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        paths = build(name, outdir=args.outdir, scale=scale, pdf=args.pdf, cache=not args.no_cache)
        if not args.quiet:
            bar.write(f"{name}: {', '.join(str(p) for p in paths)} ({time.perf_counter() - t0:.1f} s)",
                      file=sys.stderr)
    return 0


def register(sub):
    p = add_command(sub, "figures")
    p.add_argument("names", nargs="*", metavar="NAME", help="recipes to build (default: all)")
    p.add_argument("--list", action="store_true", help="list the recipes, one line each")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="small defaults (the default)")
    g.add_argument("--full", action="store_true", help="paper settings (slow)")
    g.add_argument("--tiny", action="store_true", help="smoke-test settings (seconds)")
    p.add_argument("--pdf", action="store_true", help="also write PDF")
    p.add_argument("--outdir", default="figures", help="output directory (default figures/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or lines")
    p.add_argument("--no-cache", action="store_true",
                   help="rebuild even if an identical build is in the cache")
    p.set_defaults(func=_run)
