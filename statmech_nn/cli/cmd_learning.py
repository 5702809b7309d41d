"""``threshold``: learning threshold M_c(alpha, r, T) of the dense Hebbian learning models."""
from ..core.errors import ParameterError, temperature
from ..core.typed import Threshold
from ..theory.registry import get_model
from .commands import add_command
from .common import add_output_options, emit

MODELS = ("dense-hebbian-supervised", "dense-hebbian-unsupervised")


def _run(args):
    model = get_model(args.model)
    given = args.T is not None or args.beta is not None
    T = temperature(T=args.T, beta=args.beta)["T"] if given else 0.0   # default: T = 0
    if args.P is None or args.alpha is None or args.r is None:
        raise ParameterError("threshold needs --P, --alpha and --r")
    res = model.threshold(alpha=args.alpha, r=args.r, T=T, P=args.P, law=args.law,
                          M_max=args.M_max, b=args.b, N=args.N)
    res = Threshold(model=args.model, params=dict(P=args.P, alpha=args.alpha, r=args.r, T=T, law=args.law,
                                                   b=args.b, N=args.N),
                    **res)
    return emit(res, args.json)


def register(sub):
    p = add_command(sub, "threshold")
    msub = p.add_subparsers(dest="model", metavar="MODEL", parser_class=type(p))
    msub.required = True
    for name in MODELS:
        mp = msub.add_parser(name, help=f"threshold of {name}")
        mp.add_argument("--P", type=int, default=None, help="interaction order, even")
        mp.add_argument("--alpha", type=float, default=None, help="load K = alpha N^(P-1)")
        mp.add_argument("--r", type=float, default=None, help="dataset quality in (0, 1]")
        g = mp.add_mutually_exclusive_group()
        g.add_argument("--T", type=float, default=None, help="temperature (default 0)")
        g.add_argument("--beta", type=float, default=None, help="inverse temperature")
        mp.add_argument("--law", default="binomial", choices=["binomial", "gaussian"],
                        help="class-average law: binomial (exact, integer M_c) or gaussian (CLT, real M_c)")
        mp.add_argument("--b", type=float, default=None, help="sub-saturated load exponent (with --N)")
        mp.add_argument("--N", type=float, default=None, help="network size (with --b)")
        mp.add_argument("--M-max", dest="M_max", type=float, default=1e7,
                        help="largest M searched (default 1e7)")
        add_output_options(mp)
        mp.set_defaults(func=_run)
