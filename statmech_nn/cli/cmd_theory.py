"""``solve`` and ``capacity``: one saddle point / the maximal load of a model."""
from ..theory.registry import get_model, model_names
from .commands import add_command
from .common import add_model_options, add_output_options, emit, model_kwargs


def _add_model_parsers(cmd_parser, with_temperature, func):
    msub = cmd_parser.add_subparsers(dest="model", metavar="MODEL", parser_class=type(cmd_parser))
    msub.required = True
    for name in model_names():
        model = get_model(name)
        mp = msub.add_parser(name, help=(model.__doc__ or "").strip().splitlines()[0])
        temp = with_temperature or getattr(model, "capacity_has_temperature", False)
        add_model_options(mp, model, temperature=temp)
        mp.add_argument("--level", default="rs", help=f"theory level: {', '.join(model.levels)}")
        if with_temperature:
            mp.add_argument("--branch", default=None,
                            help="start from this branch (e.g. retrieval, spin-glass, paramagnet; "
                                 "perceptron-field: low, high, auto); default: the thermodynamic state")
            if getattr(model, "methods", None):
                mp.add_argument("--method", default=None, choices=model.methods,
                                help=f"how to find the state (default {model.methods[0]})")
        add_output_options(mp)
        mp.set_defaults(func=func, _model=model, _temp=temp)


def _run_solve(args):
    model = args._model
    kw = {"method": args.method} if getattr(args, "method", None) else {}
    res = model.solve(level=args.level, branch=args.branch, **kw, **model_kwargs(args, model))
    return emit(res, args.json)


def _run_capacity(args):
    model = args._model
    res = model.capacity(level=args.level, **model_kwargs(args, model, temperature=args._temp))
    return emit(res, args.json)


def register(sub):
    p = add_command(sub, "solve")
    _add_model_parsers(p, True, _run_solve)
    p = add_command(sub, "capacity")
    _add_model_parsers(p, False, _run_capacity)
