"""Theory vs Monte Carlo: sweep T (or the load), run MC at each point, evaluate the RS/1RSB
theory curves, and plot both in one figure (used by ``statmech-nn compare`` and the
figure recipes).  Theory models come from :func:`statmech_nn.theory.get_model`; if a model
or level is not available the curve is skipped with a note, never an error."""
import math
import warnings

import numpy as np

from ..core.errors import ParameterError, check_choice
from .models import make_model
from .sampler import OBSERVABLES, Sampler

PERCEPTRONS = ("perceptron-teacher", "perceptron-storage")
LEARNING = ("dense-hebbian-supervised", "dense-hebbian-unsupervised")
THEORY_NAME = {"hopfield": "hopfield", "dense-hebbian": "dense-hebbian", "sk": "sk",
               "curie-weiss": "curie-weiss", **{k: k for k in PERCEPTRONS + LEARNING}}
DEFAULT_OBS = {"hopfield": "m", "dense-hebbian": "m", "sk": "energy", "curie-weiss": "abs_m",
               "perceptron-teacher": "R", "perceptron-storage": "energy",
               "dense-hebbian-supervised": "m", "dense-hebbian-unsupervised": "m"}
# the MC starts: Hebbian models on the pattern (archetype), perceptrons from random weights,
# which stay on the poor branch (metastable above the transition)
DEFAULT_BRANCH = {"hopfield": "retrieval", "dense-hebbian": "retrieval", "sk": None,
                  "curie-weiss": None, "perceptron-teacher": "poor", "perceptron-storage": None,
                  "dense-hebbian-supervised": "retrieval", "dense-hebbian-unsupervised": "retrieval"}


def theory_value(res, observable):
    """Pick an observable out of a SaddleResult."""
    op = res["order_parameters"]
    if observable == "energy":
        return res["energy"]
    if observable == "free_energy":
        return res["free_energy"]
    if observable in ("m", "abs_m", "mag", "abs_mag"):
        return abs(op.get("m", 0.0))
    if observable in op:
        return op[observable]
    if observable in ("generalization_error", "training_error") and observable in res:
        return res[observable]
    if observable in ("q", "abs_q"):
        return op.get("q", op.get("q1", math.nan))
    if observable == "q2":
        q = op.get("q", op.get("q1", math.nan))
        return q * q
    return math.nan


def theory_curve(model_name, observable, xs, xname="T", level="rs", branch="default", **fixed):
    """(values, note) of a theory curve along xs; NaN where unsolved. ``note`` explains skips."""
    from ..theory import get_model
    name = THEORY_NAME.get(model_name, model_name)
    try:
        tm = get_model(name)
    except ParameterError:
        return None, f"no theory model {name!r}"
    if level not in tm.levels:
        return None, f"{name} has no level {level!r}"
    temps_given = np.asarray(xs if xname == "T" else [fixed.get("T") or 0.0], float)
    if not getattr(tm, "has_temperature", True) and np.any(temps_given > 0):
        return None, f"{name} theory is T = 0 only (no curve at T > 0)"
    if branch == "default":
        branch = DEFAULT_BRANCH.get(model_name)
    known = {p.name for p in tm.params}
    xs = np.asarray(xs, dtype=np.float64)
    kw = {key: v for key, v in fixed.items() if key in known}
    out = np.full(len(xs), np.nan)
    arrays = {key: np.full(len(xs), float(v)) for key, v in kw.items() if key not in ("T", "beta")}
    temps = xs if xname == "T" else np.full(len(xs), float(fixed.get("T")))
    with np.errstate(divide="ignore"):
        arrays["beta"] = np.where(temps > 0, 1.0 / np.where(temps > 0, temps, 1.0), np.inf)
    if xname != "T":
        arrays[xname] = xs
    try:                                   # vectorised interface first
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = tm.solve_batch(level=level, branch=branch, **arrays)
        key = {"energy": "energy", "free_energy": "free_energy"}.get(observable)
        if key is None and observable in b and observable not in ("m", "q"):
            key = observable
        if key is None and observable in ("m", "abs_m", "mag", "abs_mag"):
            key = "m"
        if key is None and observable in ("q", "abs_q", "q2"):
            key = "q" if "q" in b else "q1"
        vals = np.abs(np.asarray(b[key], float)) if key == "m" else np.asarray(b[key], float)
        if observable == "q2":
            vals = vals ** 2
        # unconverged points are dropped; a start on ``branch`` that ends elsewhere (e.g.
        # retrieval -> m = 0 above the retrieval temperature) is what the MC run started
        # on that branch reaches, so it is kept
        ok = np.asarray(b.get("converged", np.ones(len(xs), bool)), bool)
        out = np.where(ok, vals, np.nan)
        return out, ""
    except (NotImplementedError, KeyError, TypeError, ParameterError, ValueError):
        pass
    for k, x in enumerate(xs):
        kw1 = dict(kw)
        kw1[xname] = float(x)
        if xname != "T":
            kw1["T"] = fixed.get("T")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = tm.solve(level=level, branch=branch, **kw1)
            if r.get("converged", True):
                out[k] = theory_value(r, observable)
        except (ParameterError, NotImplementedError, ValueError, FloatingPointError):
            continue
    return out, ""


def mc_point(model_name, N, T, sweeps, seed, K=None, alpha=None, P=None, variant="distinct",
             replicas=1, chains=None, init="pattern", rule="metropolis", burn=None, **extra):
    """One MC run; returns the MCResult. ``extra``: kappa, inputs (perceptrons); M, r
    (learning models)."""
    if model_name in PERCEPTRONS:
        from .perceptron_model import make_perceptron
        from .perceptron_sampler import PerceptronSampler
        model = make_perceptron(model_name, N, alpha, seed=seed, inputs=extra.get("inputs", "gaussian"),
                                kappa=extra.get("kappa") or 0.0)
        init = "teacher" if init in ("pattern", "teacher") and model.teacher is not None else "random"
        s = PerceptronSampler(model, T=T, chains=chains, replicas=max(replicas, 2), init=init, rule=rule)
        return s.sample(sweeps, seed=seed, burn=burn)[0]
    if model_name in LEARNING:
        from ..learning.simulate import named_model     # the data model lives with the family
        model, arch = named_model(model_name, N, P=P, K=K, alpha=alpha, M=extra.get("M"),
                                  r=extra.get("r"), seed=seed)
        s = Sampler(model, T=T, chains=chains, replicas=replicas,
                    init=arch if init == "pattern" else init, rule=rule)
        return s.sample(sweeps, seed=seed, burn=burn)[0]
    model = make_model(model_name, N, K=K, alpha=alpha, P=P, seed=seed, variant=variant)
    if model.patterns is None and init == "pattern":
        init = "random"
    s = Sampler(model, T=T, chains=chains, replicas=replicas, init=init, rule=rule)
    res, _ = s.sample(sweeps, seed=seed, burn=burn)
    return res


def sweep(model_name, xs, xname="T", sizes=(100,), sweeps=500, seed=0, observable=None,
          levels=("rs",), T=None, alpha=None, K=None, P=None, variant="distinct", replicas=None,
          chains=None, init="pattern", progress=None, n_theory=30, **extra):
    """MC points (per size) and theory curves along ``xs`` (T or alpha). ``extra``: model
    options passed to :func:`mc_point` and to the theory (kappa, inputs, M, r)."""
    check_choice("x", xname, ("T", "alpha"))
    obs = observable or DEFAULT_OBS.get(model_name, "m")
    if model_name in PERCEPTRONS:
        from .perceptron_sampler import OBSERVABLES as measured
    else:
        measured = OBSERVABLES
    check_choice("observable", obs, measured)
    if not len(levels) or not len(xs) or not len(sizes):
        raise ParameterError("levels, the swept values and sizes must not be empty")
    for lev in levels:   # a level no model has is a typo; one this model lacks is a note
        check_choice("level", lev, ("rs", "1rsb"))
    if replicas is None:
        replicas = 2 if obs in ("q", "abs_q", "q2") else 1
    if obs in ("q", "abs_q", "q2") and replicas < 2 and model_name not in PERCEPTRONS:
        raise ParameterError(f"observable {obs!r} is the two-replica overlap: it needs replicas=2")
    seeds = np.random.SeedSequence(seed).spawn(len(sizes) * len(xs))
    mc = {}
    for a, N in enumerate(sizes):
        mean, err = [], []
        for b, x in enumerate(xs):
            kw = dict(T=x if xname == "T" else T, alpha=x if xname == "alpha" else alpha,
                      K=K if xname == "T" else None)
            ss = seeds[a * len(xs) + b]
            r = mc_point(model_name, N, kw["T"], sweeps, int(ss.generate_state(1)[0]),
                         K=kw["K"], alpha=kw["alpha"], P=P, variant=variant,
                         replicas=replicas, chains=chains, init=init, **extra)
            o = r["observables"][obs]
            mean.append(o["mean"])
            err.append(o["err"])
            if progress:
                progress(N, x, o)
        mc[int(N)] = (np.array(mean), np.array(err))
    fine = np.linspace(min(xs), max(xs), n_theory)
    theory, notes = {}, []
    if alpha is None and K is not None and xname == "T" and model_name in ("hopfield", "dense-hebbian") + LEARNING:
        PP = 2 if model_name == "hopfield" else (P or 4)
        alpha_th = K / float(sizes[0]) ** (PP - 1)
    else:
        alpha_th = alpha
    fixed = dict(T=T, alpha=alpha_th, P=P if P is not None else (4 if model_name in ("dense-hebbian",) + LEARNING
                                                               else None), h=0.0,
                 **{k: v for k, v in extra.items() if k in ("kappa", "M", "r") and v is not None})
    if model_name == "curie-weiss" and fixed["P"] is None:
        fixed["P"] = 2
    fixed = {k: v for k, v in fixed.items() if v is not None}
    for lev in levels:
        vals, note = theory_curve(model_name, obs, fine, xname, level=lev, **fixed)
        if vals is None:
            notes.append(note)
        else:
            theory[lev] = vals
    return dict(model=model_name, observable=obs, x=xname, xs=np.asarray(xs, float), mc=mc,
                theory_x=fine, theory=theory, notes=notes)


def plot(data, path=None, ax=None, title=None):
    """One figure: theory lines (RS solid, 1RSB dashed) and MC points with error bars."""
    from ..figures import style
    own = ax is None
    if own:
        with style.context():
            return _plot_own(data, path, title, style)
    return _draw(data, ax, title, style)


def _plot_own(data, path, title, style):
    fig, ax = style.new()
    _draw(data, ax, title, style)
    if path is not None:
        from pathlib import Path
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        style.caption(fig, "; ".join(["MC: errors from tau_int; one disorder sample per point"]
                                     + data["notes"]))
        fig.savefig(p)
    import matplotlib.pyplot as plt
    plt.close(fig)
    return ax


def _draw(data, ax, title, style):
    for lev, vals in data["theory"].items():
        ax.plot(data["theory_x"], vals, label=f"{lev.upper()} theory", **style.THEORY.get(lev, {}))
    for N, (mean, err) in data["mc"].items():
        style.mc_points(ax, data["xs"], mean, err, label=f"MC N={N}")
    ax.set_xlabel(data["x"])
    ax.set_ylabel(data["observable"])
    if title:
        ax.set_title(title)
    ax.legend()
    return ax
