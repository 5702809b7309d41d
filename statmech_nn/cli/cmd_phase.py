"""``phase-diagram``: a resumable, cached, parallel sweep of a model over a grid.

    statmech-nn phase-diagram hopfield --alpha 0.01:0.16:40 --T 0.05:1.2:40 --level rs \\
        --out diagram.nc [--scheduler tcp://host:port] [--workers N] \\
        [--executor serial|processes|dask] [--no-cache] [--quiet] [--json]

Each parameter takes ``start:stop:count``, a single value or a comma list. Rerunning the
same command with the same ``--out`` resumes (only missing points are computed).
"""
import argparse
import json
import re
import sys

from ..theory.base import TEMPERATURE_HELP
from ..theory.registry import get_model, model_names
from .commands import add_command

RANGE_HELP = " as start:stop:count, a single value, or a,b,c"


class _Axis(argparse.Action):
    """Store the value and remember the order in which axes were given."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        order = list(getattr(namespace, "_axis_order", None) or [])
        order = [d for d in order if d != self.dest] + [self.dest]
        setattr(namespace, "_axis_order", order)


def _add_model(msub, name):
    model = get_model(name)
    mp = msub.add_parser(name, help=(model.__doc__ or "").strip().splitlines()[0])
    # negative ranges (--h -0.1:0.1:5) are values, not options
    mp._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([:,].*)?$")
    for p in model.params:
        mp.add_argument(f"--{p.name}", dest=f"ax_{p.name}", default=None, metavar="RANGE", action=_Axis,
                        help=p.help + RANGE_HELP + (f" (default {p.default})" if p.default is not None else ""))
    if model.has_temperature:
        g = mp.add_mutually_exclusive_group()
        g.add_argument("--T", dest="ax_T", default=None, metavar="RANGE", action=_Axis, help=TEMPERATURE_HELP + RANGE_HELP)
        g.add_argument("--beta", dest="ax_beta", default=None, metavar="RANGE", action=_Axis, help="inverse temperature" + RANGE_HELP)
    mp.add_argument("--level", default="rs", help=f"theory level: {', '.join(model.levels)}")
    mp.add_argument("--branch", default=None, help="follow this branch (default: the thermodynamic state)")
    mp.add_argument("--out", required=True, help="output netCDF file (rerun with the same --out to resume)")
    mp.add_argument("--fast", default=None, metavar="AXIS",
                    help="the fast axis (lines of the grid run along it; default: the last range given)")
    c = mp.add_mutually_exclusive_group()
    c.add_argument("--continuation", dest="continuation", action="store_true", default=None,
                   help="warm-start along the fast axis (default: on when --branch is given)")
    c.add_argument("--no-continuation", dest="continuation", action="store_false")
    mp.add_argument("--executor", default=None, choices=["serial", "processes", "dask"],
                    help="default: processes (dask when --scheduler is given)")
    mp.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    mp.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="a dask.distributed scheduler")
    mp.add_argument("--block-points", type=int, default=None, metavar="N",
                    help="points per block (unit of work and resume; default from the grid shape)")
    mp.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    mp.add_argument("--quiet", action="store_true", help="no progress bar")
    mp.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    mp.set_defaults(func=_run, _model=model, _axis_order=[])


def _run(args):
    from ..core.errors import ParameterError
    from ..sweep import Sweep, parse_range
    model = args._model
    names = [p.name for p in model.params] + (["T", "beta"] if model.has_temperature else [])
    given = {n: getattr(args, f"ax_{n}") for n in names if getattr(args, f"ax_{n}", None) is not None}
    # axes in the order they appear on the command line (the last one is the fast axis)
    order = [d[3:] for d in (getattr(args, "_axis_order", None) or [])]
    axes = {n: parse_range(n, given[n]) for n in sorted(given, key=lambda n: order.index(n))}
    if not any(getattr(v, "ndim", 0) for v in axes.values()):
        raise ParameterError("give at least one parameter as a range start:stop:count")
    for n, v in list(axes.items()):  # integer parameters given as ranges
        p = next((q for q in model.params if q.name == n), None)
        if p is not None and p.kind == "choice":
            raise ParameterError(f"{n} is a choice parameter; give one value")
    cont = args.continuation if args.continuation is not None else args.branch is not None
    s = Sweep(model.name, level=args.level, branch=args.branch, out=args.out, executor=args.executor,
              workers=args.workers, scheduler=args.scheduler, continuation=cont, fast=args.fast,
              cache=not args.no_cache, quiet=args.quiet, block_points=args.block_points, **axes)
    s.run()
    st = dict(s.stats)
    summary = {"out": args.out, "model": model.name, "level": args.level,
               "dims": {k: len(v) for k, v in s.dims.items()}, "points": st["points"],
               "computed": st["computed"], "resumed": st["resumed"], "cached": st["cached"],
               "converged_fraction": st.get("converged_fraction"), "seconds": st["seconds"]}
    if args.json:
        print(json.dumps(summary))
    elif not args.quiet:
        print(f"{args.out}: {summary['points']} points ({summary['computed']} computed, "
              f"{summary['resumed']} from disk/cache), converged {summary['converged_fraction']:.3f}, "
              f"{summary['seconds']:.1f} s", file=sys.stderr)
    return 0


def register(sub):
    p = add_command(sub, "phase-diagram")
    msub = p.add_subparsers(dest="model", metavar="MODEL", parser_class=type(p))
    msub.required = True
    for name in model_names():
        _add_model(msub, name)
