"""``statmech-nn mc`` for the binary perceptrons (MC and Plefka/AMP) and the model builders
of the models that are not in ``mc.models`` (perceptrons, dense Hebbian learning)."""
import math
import sys
import time

from ..core.errors import ParameterError
from .common import print_json

PERCEPTRONS = ("perceptron-teacher", "perceptron-storage")
LEARNING = ("dense-hebbian-supervised", "dense-hebbian-unsupervised")


def _check_options(args):
    if args.N is None:
        raise ParameterError("--N (number of weights) is required")
    for opt in ("K", "P", "M", "r"):
        if getattr(args, opt, None) is not None:
            raise ParameterError(f"--{opt} does not apply to {args.model} (give --alpha = P/N)")


def perceptron_model(args, seed=None):
    from ..mc.perceptron_model import make_perceptron
    _check_options(args)
    return make_perceptron(args.model, args.N, args.alpha, seed=args.seed if seed is None else seed,
                           inputs=args.inputs, energy=args.energy,
                           kappa=0.0 if args.kappa is None else args.kappa)


def learning_model(args):
    """(model, archetype) of a dense-Hebbian learning protocol."""
    from ..learning.simulate import named_model
    if args.N is None:
        raise ParameterError("--N (number of spins) is required")
    return named_model(args.model, args.N, P=args.P, K=args.K, alpha=args.alpha, M=args.M, r=args.r,
                       seed=args.seed)


def run(args, temps):
    """The ``mc`` command for a perceptron model; ``temps`` = dict(T=...) or dict(betas=...)."""
    if args.plefka:
        return _plefka(args, temps)
    from ..mc.perceptron_sampler import PerceptronSampler
    model = perceptron_model(args)
    init = {"pattern": "teacher", None: "random"}.get(args.init, args.init)
    if init == "zero":
        raise ParameterError("--init zero is the AMP start; MC needs random, teacher or pattern")
    s = PerceptronSampler(model, rule=args.rule, order=args.order, chains=args.chains,
                          replicas=args.replicas or 2, init=init, **temps)
    st = s.init_state(args.seed)
    res = s.run(st, args.sweeps, burn=args.burn, progress=not args.quiet)
    d = res.to_dict()
    if args.observables:
        keep = [o.strip() for o in args.observables.split(",") if o.strip()]
        for o in keep:
            if o not in d["observables"]:
                raise ParameterError(f"unknown observable {o!r}; choose from {', '.join(d['observables'])}")
        d["observables"] = {k: v for k, v in d["observables"].items() if k in keep}
    if args.exact:
        from ..mc.perceptron_exact import perceptron_exact
        if "T" not in temps:
            raise ParameterError("--exact needs a single temperature --T")
        ex = perceptron_exact(model, T=temps["T"])
        d["exact"] = {k: ex[k] for k in ("energy", "R", "generalization_error", "abs_q", "q2", "log_Z")
                      if k in ex}
    _print(d, args.json)
    if res["interrupted"]:
        print("statmech-nn: interrupted; statistics above use the sweeps gathered so far", file=sys.stderr)
        return 130
    return 0


def _plefka(args, temps):
    from ..mc.perceptron_model import make_perceptron
    from ..mc.plefka_perceptron import instances
    if "T" not in temps:
        raise ParameterError("--plefka needs a single temperature --T")
    _check_options(args)          # the model options and the memory budget: at the first instance
    init = {"pattern": "teacher", None: "zero"}.get(args.init, args.init)
    t0 = time.perf_counter()
    out = instances(lambda sd: make_perceptron(args.model, args.N, args.alpha, seed=sd, inputs=args.inputs,
                                               energy=args.energy, kappa=args.kappa or 0.0),
                    args.instances, seed=args.seed, init=init, T=temps["T"], order=args.plefka,
                    damping=args.damping, max_iter=args.max_iter)
    runs = out.pop("runs")
    first = runs[0]
    d = dict(model=args.model, method=first["method"], order=args.plefka, T=temps["T"],
             damping=args.damping, variance=first["variance"], init=init, params=first["params"],
             instances=out["instances"], observables=out["observables"],
             converged=out["converged"] == out["instances"], n_converged=out["converged"],
             iterations=out["iterations"], residual=[r["residual"] for r in runs],
             err_note="err = standard error over instances (null for one instance)",
             seconds=round(time.perf_counter() - t0, 3))
    _print(d, args.json)
    if not d["converged"]:
        print(f"statmech-nn: warning: {out['instances'] - out['converged']} of {out['instances']} "
              "instances did not converge; see 'converged' and 'residual'", file=sys.stderr)
        return 1
    return 0


def _print(d, as_json):
    if as_json:
        print_json(d)
        return
    print(f"{d['model']} {d.get('params')}  T={d.get('T')}")
    for k, v in d["observables"].items():
        extra = f"   (tau_int {v['tau_int']})" if "tau_int" in v else ""
        err = v.get("err")
        print(f"  {k:26s} {v['mean']}  +- {err if err is not None and not (isinstance(err, float) and math.isnan(err)) else 'n/a'}{extra}")
    for k in ("acceptance", "iterations", "converged", "exact"):
        if k in d:
            print(f"  {k}: {d[k]}")
