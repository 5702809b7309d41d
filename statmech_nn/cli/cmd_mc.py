"""``mc`` (one Monte Carlo run) and ``compare`` (theory vs MC along T or the load)."""
import math
import sys

from ..core.errors import ParameterError
from .commands import add_command
from .common import output_path, print_json

MODELS = ("hopfield", "dense-hebbian", "sk", "curie-weiss", "perceptron-teacher", "perceptron-storage",
          "dense-hebbian-supervised", "dense-hebbian-unsupervised")


def _floats(text, name):
    try:
        vals = [float(x) for x in str(text).replace(",", " ").split()]
    except ValueError:
        raise ParameterError(f"{name} must be a comma-separated list of numbers, got {text!r}") from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise ParameterError(f"{name} must be a non-empty comma-separated list of finite numbers, "
                             f"got {text!r}")
    return vals


def _common(p):
    p.add_argument("model", choices=MODELS, metavar="MODEL", help=", ".join(MODELS))
    p.add_argument("--alpha", type=float, default=None,
                   help="load: K = alpha N (hopfield) or alpha N^(P-1) (dense-hebbian)")
    p.add_argument("--K", type=int, default=None, help="number of patterns (instead of --alpha)")
    p.add_argument("--P", type=int, default=None, help="interaction order (dense-hebbian: even, default 4; curie-weiss: default 2)")
    p.add_argument("--variant", default="distinct", choices=("distinct", "all-tuples"),
                   help="dense Hamiltonian: distinct indices (default, matches the theory) or all index tuples")
    p.add_argument("--sweeps", type=int, default=1000, help="sweeps per chain (default 1000)")
    p.add_argument("--burn", type=int, default=None, help="sweeps discarded (default 20%%)")
    p.add_argument("--seed", type=int, default=0, help="seed of disorder and chains (default 0)")
    p.add_argument("--chains", type=int, default=None, help="independent chains (default: one per core)")
    p.add_argument("--replicas", type=int, default=None, choices=(1, 2),
                   help="2 = two replicas per chain to measure q (default: 2 for sk, else 1)")
    p.add_argument("--rule", default="metropolis", choices=("metropolis", "heat-bath"))
    p.add_argument("--init", default=None, choices=("random", "pattern", "teacher", "zero"),
                   help="initial state (default: pattern for Hebbian models (the archetype for the "
                        "learning models), random for sk and MC on perceptrons, zero for AMP; "
                        "perceptrons: pattern = teacher)")
    g = p.add_argument_group("perceptrons and dense Hebbian learning")
    g.add_argument("--kappa", type=float, default=None, help="perceptron margin (stability energy)")
    g.add_argument("--inputs", default="gaussian", choices=("gaussian", "rademacher"),
                   help="perceptron inputs (default gaussian, the theory's)")
    g.add_argument("--energy", default=None, choices=("errors", "stability"),
                   help="perceptron-teacher energy: training errors (default) or margin violations")
    g.add_argument("--M", type=int, default=None, help="learning models: examples per class")
    g.add_argument("--r", type=float, default=None, help="learning models: dataset quality r")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _temperatures(args):
    from ..mc import geometric_ladder
    temps = [args.T is not None, args.beta is not None, args.betas is not None, args.T_range is not None]
    if sum(temps) != 1:
        raise ParameterError("give exactly one of --T, --beta, --betas (ladder) or --T-range")
    if args.betas is not None:
        return dict(betas=tuple(_floats(args.betas, "--betas")))
    if args.T_range is not None:
        lo, hi, n = args.T_range
        return dict(betas=geometric_ladder(lo, hi, int(n)))
    if args.beta is not None:
        if not args.beta > 0:
            raise ParameterError(f"beta={args.beta} must be > 0")
        return dict(T=1.0 / args.beta)
    return dict(T=args.T)


def _run_mc(args):
    from ..mc import Sampler, make_model
    from ..mc.enumeration import enumerate_exact
    from ..mc.plefka import PlefkaSampler
    from ..mc.sampler import OBSERVABLES
    from . import mc_perceptron as mp
    kw = _temperatures(args)
    if args.model in mp.PERCEPTRONS:
        return mp.run(args, kw)
    if args.N is None:
        raise ParameterError("--N (number of spins) is required")
    if args.model in mp.LEARNING:
        model, archetype = mp.learning_model(args)
        if args.init in (None, "pattern"):
            args.init = archetype
    else:
        model = make_model(args.model, args.N, K=args.K, alpha=args.alpha, P=args.P, seed=args.seed,
                           variant=args.variant, field=args.field)
    if isinstance(args.init, str) and args.init in ("teacher", "zero"):
        raise ParameterError(f"--init {args.init} applies to the perceptrons only")
    obs = None
    if args.observables:
        obs = [o.strip() for o in args.observables.split(",") if o.strip()]
        for o in obs:
            if o not in OBSERVABLES:
                raise ParameterError(f"unknown observable {o!r}; choose from {', '.join(OBSERVABLES)}")
    if args.plefka:
        if "T" not in kw:
            raise ParameterError("--plefka needs a single temperature --T")
        pl = PlefkaSampler(model, T=kw["T"], order=args.plefka)
        r = pl.solve(init=args.init if args.init is not None else ("pattern" if model.patterns is not None else "random"),
                     seed=args.seed)
        out = {k: v for k, v in r.items() if k != "site_mag"}
        out["observables"] = {k: {"mean": r[k], "err": 0.0} for k in ("energy", "m", "mag", "q")}
        if args.json:
            print_json(out)
        else:
            print("\n".join(f"{k}: {v}" for k, v in out.items()))
        return 0 if r["converged"] else 1
    replicas = args.replicas or (2 if args.model == "sk" else 1)
    init = args.init if args.init is not None else ("random" if model.patterns is None else "pattern")
    s = Sampler(model, rule=args.rule, order=args.order, chains=args.chains, replicas=replicas,
                representation=args.representation, init=init, **kw)
    st = s.init_state(args.seed)
    progress = not args.quiet          # tqdm is silent anyway when stderr is not a TTY
    res = s.run(st, args.sweeps, burn=args.burn, progress=progress)
    if obs:
        res = s.summarise(st, burn=args.burn, observables=obs) | {
            "interrupted": res["interrupted"], "seconds": res["seconds"]}
        from ..mc.sampler import MCResult
        res = MCResult(res)
    d = res.to_dict()
    if args.exact:
        ex = enumerate_exact(model, T=kw.get("T"))
        d["exact"] = {k: ex[k] for k in ("energy", "abs_m", "m2", "abs_mag", "q2", "abs_q", "free_energy")}
    if args.json:
        print_json(d)
    else:
        print(f"{d['model']} {d['params']}  T={d['T']}  sweeps={d['sweeps']} (burn {d['burn']}), "
              f"chains={d['chains']}, replicas={d['replicas']}, representation={d['representation']}")
        for k, v in d["observables"].items():
            print(f"  {k:8s} {v['mean']}  +- {v['err']}   (tau_int {v['tau_int']})")
        print(f"  acceptance {d['acceptance']}; equilibration {d['equilibration']}")
        if "pt" in d:
            print(f"  PT swap rates {d['pt']['swap_rate']}; round trips {d['pt']['round_trips']}")
        if "exact" in d:
            print(f"  exact: {d['exact']}")
    if res["interrupted"]:
        print("statmech-nn: interrupted; statistics above use the sweeps gathered so far",
              file=sys.stderr)
        return 130
    return 0


def _run_compare(args):
    import numpy as np
    from ..mc.compare import plot, sweep
    if args.Ts is not None and args.alphas is not None:
        raise ParameterError("give --Ts (sweep T) or --alphas (sweep the load), not both")
    if args.alphas is not None:
        xname, xs = "alpha", _floats(args.alphas, "--alphas")
        if args.T is None:
            raise ParameterError("--alphas needs a fixed --T")
    else:
        xname = "T"
        xs = _floats(args.Ts, "--Ts") if args.Ts is not None else list(np.linspace(0.2, 1.4, 7))
        if args.model not in ("sk", "curie-weiss") and args.alpha is None and args.K is None:
            raise ParameterError(f"{args.model} needs --alpha or --K")
    sizes = [int(x) for x in _floats(args.sizes, "--sizes")] if args.sizes else [args.N or 100]
    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    fig_path = output_path(args.out, default_suffix=".png")

    def prog(N, x, o):
        if not args.quiet:
            print(f"[compare] N={N} {xname}={x:.4g}: {o['mean']:.5g} +- {o['err']:.2g}", file=sys.stderr)

    data = sweep(args.model, xs, xname, sizes=sizes, sweeps=args.sweeps, seed=args.seed,
                 observable=args.observable, levels=levels, T=args.T, alpha=args.alpha, K=args.K,
                 P=args.P, variant=args.variant, replicas=args.replicas, chains=args.chains,
                 init=args.init or ("random" if args.model.startswith("perceptron") else "pattern"),
                 progress=prog,
                 **({"kappa": args.kappa, "inputs": args.inputs} if args.model.startswith("perceptron")
                    else {"M": args.M, "r": args.r} if "supervised" in args.model else {}))
    plot(data, fig_path, title=f"{args.model}: theory vs MC")
    for n in data["notes"]:
        print(f"statmech-nn: note: {n}", file=sys.stderr)
    out = dict(model=args.model, observable=data["observable"], x=xname, xs=list(data["xs"]),
               mc={str(N): {"mean": list(m), "err": list(e)} for N, (m, e) in data["mc"].items()},
               theory_x=list(data["theory_x"]),
               theory={k: list(vals) for k, vals in data["theory"].items()},
               notes=data["notes"], figure=str(fig_path))
    if args.json:
        print_json(out)
    else:
        print(f"figure: {fig_path}")
        for N, (m, e) in data["mc"].items():
            for x, a, b in zip(data["xs"], m, e):
                print(f"  N={N} {xname}={x:.4g}  {data['observable']} = {a:.5g} +- {b:.2g}")
    return 0


def register(sub):
    p = add_command(sub, "mc")
    _common(p)
    p.add_argument("--N", type=int, default=None, help="number of spins")
    p.add_argument("--T", type=float, default=None, help="temperature T = 1/beta (T = 0: zero-T dynamics)")
    p.add_argument("--beta", type=float, default=None, help="inverse temperature")
    p.add_argument("--betas", default=None, help="parallel tempering: strictly increasing beta ladder b1,b2,...")
    p.add_argument("--T-range", dest="T_range", nargs=3, type=float, default=None,
                   metavar=("TMIN", "TMAX", "N"), help="parallel tempering on a geometric ladder")
    p.add_argument("--order", default="sequential", choices=("sequential", "random"))
    p.add_argument("--representation", default="auto", choices=("auto", "mattis", "coupling", "real"))
    p.add_argument("--field", type=float, default=None, help="uniform external field h")
    p.add_argument("--observables", default=None,
                   help="comma list of observables to report (energy,m,abs_m,mag,abs_mag,q,abs_q,q2)")
    p.add_argument("--exact", action="store_true", help="add exact enumeration values (N <= 20)")
    p.add_argument("--plefka", type=int, default=None, choices=(1, 2),
                   help="run the Plefka mean-field sampler of this order instead of MC "
                        "(perceptrons: 1 naive mean field, 2 TAP/AMP)")
    p.add_argument("--instances", type=int, default=1,
                   help="perceptron --plefka: independent instances (mean and standard error)")
    p.add_argument("--damping", type=float, default=1.0,
                   help="perceptron --plefka: damping of the magnetisations (1 = plain AMP)")
    p.add_argument("--max-iter", dest="max_iter", type=int, default=1000,
                   help="perceptron --plefka: iteration cap (default 1000)")
    p.set_defaults(func=_run_mc)

    p = add_command(sub, "compare")
    _common(p)
    p.add_argument("--N", type=int, default=None, help="number of spins (default 100)")
    p.add_argument("--sizes", default=None, help="finite-size series: comma list of N")
    p.add_argument("--Ts", default=None, help="temperatures (comma list) to sweep")
    p.add_argument("--alphas", default=None, help="loads to sweep at fixed --T")
    p.add_argument("--T", type=float, default=None, help="fixed temperature for --alphas")
    p.add_argument("--observable", default=None, help="energy, m, abs_m, q, ... (default per model)")
    p.add_argument("--levels", default="rs,1rsb", help="theory levels to overlay (default rs,1rsb)")
    p.add_argument("--out", default="compare.png", help="figure path (default compare.png)")
    p.set_defaults(func=_run_compare)
