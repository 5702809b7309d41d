"""``validate``: run the package's validation table (exact, published, cross-checks)."""
import sys

from .commands import add_command
from .common import print_json


def _run(args):
    from ..validation import checks, markdown
    allc = checks()
    names = args.names or list(allc)
    unknown = [n for n in names if n not in allc]
    if unknown:
        raise ValueError(f"unknown check(s) {', '.join(unknown)}; see 'statmech-nn validate --list'")
    if args.list:
        for c in allc.values():
            print(f"{c.name:36s} {c.quantity} [{c.source}]")
        return 0
    rows = []
    for n in names:
        r = allc[n].run()
        rows.append(r)
        if not args.json and not args.markdown:
            print(f"{'PASS' if r['passed'] else 'FAIL'} {n:36s} ours={r['ours']:.10g} "
                  f"ref={r['target']:.10g} err={r['abs_error']:.1e} ({r['seconds']} s)")
    if args.json:
        print_json({"checks": rows, "passed": all(r["passed"] for r in rows)})
    elif args.markdown:
        print(markdown(rows))
    failed = [r["name"] for r in rows if not r["passed"]]
    if failed:
        print(f"statmech-nn: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def register(sub):
    p = add_command(sub, "validate")
    p.add_argument("names", nargs="*", metavar="CHECK")
    p.add_argument("--list", action="store_true", help="list the checks")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--markdown", action="store_true", help="print the README table")
    p.set_defaults(func=_run)
