"""Phase diagrams, learning thresholds and scaling laws computed from the RS theory.

* :func:`phase_diagram` -- (alpha, T) grid: phase code, archetype overlap m, free energies;
* :func:`threshold_curve` -- M_c(alpha) at given r for either protocol;
* :func:`ultra_storage_scaling` -- M_c(r) at K = alpha N^{P-1}: supervised ~ r^-2,
  unsupervised ~ r^-2P (fitted log-log slopes vs these exponents);
* :func:`ultra_detection_scaling` -- unsupervised r_min(N) at K = alpha N^b with fixed
  rho: predicted r_min ~ N^{-(P-1-b)/(2(P-1))}.
"""
import math
import warnings

import numpy as np

from ..core.errors import NotConvergedWarning
from ..core.solver import bisect
from ..theory import get_model
from . import laws as L
from .theory import tau_c

PHASES = {0: "paramagnet", 1: "spin-glass", 2: "retrieval (metastable)", 3: "retrieval (global)"}
# (in the metastable-retrieval region the n = 0 state can be either; see f_spin_glass / f_paramagnet)
# the phase is the state selected by theory/states.py; f_* are the candidates' free energies


def _model(protocol):
    return get_model(f"dense-hebbian-{protocol}")


def phase_diagram(protocol, P, alphas, Ts, r=None, M=None, rho=None, law="gaussian"):
    """RS phase diagram on the grid alphas x Ts (T = 0 allowed). Returns an xarray Dataset."""
    import xarray as xr
    model = _model(protocol)
    alphas, Ts = np.asarray(alphas, float), np.asarray(Ts, float)
    shape = (len(alphas), len(Ts))
    code = np.zeros(shape, int)
    m = np.full(shape, np.nan)
    fR, fSG, fP = (np.full(shape, np.nan) for _ in range(3))
    base = {k: v for k, v in dict(P=P, r=r, M=M, rho=rho, law=law).items() if v is not None}
    for i, a in enumerate(alphas):
        for j, T in enumerate(Ts):
            with warnings.catch_warnings():   # unconverged candidates are expected on a grid
                warnings.simplefilter("ignore", NotConvergedWarning)
                res = model.solve(**base, alpha=a, T=T)
            rows = [row for row in res.branches.values() if row["converged"]]
            ret = [row for row in rows if row["branch"] == "retrieval"]
            if ret:   # the retrieval saddle of solve(branch='retrieval'): the largest n
                best = max(ret, key=lambda row: row["n"])
                fR[i, j], m[i, j] = best["free_energy"], best["m"]
            for name, arr in (("spin-glass", fSG), ("paramagnet", fP)):
                vals = [row["free_energy"] for row in rows if row["branch"] == name]
                if vals:
                    arr[i, j] = vals[-1]
            # the phase is the state theory/states.py selects (n = 0 sector: the larger f of
            # spin glass and paramagnet; then the lower f of that and retrieval)
            if res.branch == "retrieval":
                code[i, j] = 3
            elif ret:
                code[i, j] = 2
            else:
                code[i, j] = 1 if res.branch == "spin-glass" else 0
    ds = xr.Dataset(
        {"phase": (("alpha", "T"), code), "m": (("alpha", "T"), m), "f_retrieval": (("alpha", "T"), fR),
         "f_spin_glass": (("alpha", "T"), fSG), "f_paramagnet": (("alpha", "T"), fP)},
        coords={"alpha": alphas, "T": Ts},
        attrs={"model": model.name, "P": P, "law": law, "convention": model.convention,
               "phases": ", ".join(f"{k}={v}" for k, v in PHASES.items()),
               **{k: v for k, v in dict(r=r, M=M, rho=rho).items() if v is not None}},
    )
    return ds


def threshold_curve(protocol, P, alphas, r, T=0.0, law="gaussian"):
    """M_c(alpha) at quality r (inf where alpha exceeds the storage capacity)."""
    model = _model(protocol)
    return np.array([model.threshold(alpha=a, r=r, T=T, P=P, law=law)["M_c"] for a in alphas])


def _slope(x, y):
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


def ultra_storage_scaling(P, alpha, rs, law="gaussian"):
    """M_c(r) for both protocols at T = 0 and fitted slopes vs the predictions -2, -2P."""
    rs = np.asarray(rs, float)
    Ms = np.array([_model("supervised").threshold(alpha=alpha, r=r, P=P, law=law)["M_c"] for r in rs])
    Mu = np.array([_model("unsupervised").threshold(alpha=alpha, r=r, P=P, law=law)["M_c"] for r in rs])
    return dict(r=rs, M_c_supervised=Ms, M_c_unsupervised=Mu, slope_supervised=_slope(rs, Ms),
                slope_unsupervised=_slope(rs, Mu), predicted_supervised=-2.0,
                predicted_unsupervised=-2.0 * P)


def r_min_unsupervised(P, b, alpha, rho, N):
    """Smallest quality r with an archetype-retrieval solution (T = 0) for the unsupervised
    network at K = alpha N^b and dataset entropy rho (M = (1-r^2)/(rho r^2))."""
    tc = float(tau_c(P, L.GaussianLaw(rho))[0][0])
    a_eff = alpha * float(N) ** (b - (P - 1))
    fact = math.factorial(P - 1)

    def excess(lr):
        r = math.exp(lr)
        M = float(L.M_of(r, rho))
        return a_eff * fact * float(L.nu_unsupervised(P, r, M)) - tc

    lo, hi = math.log(1e-9), math.log(1 / math.sqrt(1 + rho))   # M >= 1 needs r <= (1+rho)^-1/2
    if excess(hi) > 0:
        return math.inf
    if excess(lo) <= 0:
        return 0.0
    _, hi = bisect(lambda lr: excess(lr) > 0, lo, hi, tol=1e-12, maxiter=200, bracket=True, plo=True)
    return math.exp(hi)


def ultra_detection_scaling(P, b, alpha, rho, Ns):
    """r_min(N) (unsupervised) and the fitted slope vs -(P-1-b)/(2(P-1))."""
    Ns = np.asarray(Ns, float)
    rm = np.array([r_min_unsupervised(P, b, alpha, rho, N) for N in Ns])
    return dict(N=Ns, r_min=rm, M_at_r_min=L.M_of(rm, rho), slope=_slope(Ns, rm),
                predicted=-(P - 1 - b) / (2 * (P - 1)))


def r_min_supervised(P, b, alpha, M, N, c=3.0):
    """Smallest quality r at which the supervised network (T = 0, RS, CLT law) both has an
    archetype-retrieval solution at K = alpha N^b and an archetype overlap above the
    random-overlap floor, m >= c / sqrt(N) (n > 0 alone is not detection)."""
    model = _model("supervised")
    floor = c / math.sqrt(N)
    kw = dict(P=P, alpha=alpha, T=0, M=M, law="gaussian")
    if b < P - 1:
        kw.update(b=b, N=N)

    def ok(lr):
        row = model._exists(model.check_params(dict(kw, r=math.exp(lr))))   # closed-form existence first
        return row is not None and row["converged"] and row["m"] >= floor

    lo, hi = math.log(1e-7), 0.0
    if not ok(hi):
        return math.inf
    if ok(lo):
        return 0.0
    _, hi = bisect(ok, lo, hi, tol=1e-6, maxiter=60, bracket=True, plo=False)
    return math.exp(hi)


def supervised_detection_scaling(alpha, M, Ns, c=3.0):
    """Supervised ultra-detection at linear load K = alpha N: r_min(N) for P = 4 (b = 1 <
    P - 1: cross-talk vanishes, r_min ~ (M N)^(-1/2)) vs P = 2 (saturated AGS-type load: r_min
    stays O(1)). Returns arrays and fitted slopes (predicted -1/2 and 0)."""
    Ns = np.asarray(Ns, float)
    r4 = np.array([r_min_supervised(4, 1.0, alpha, M, N, c) for N in Ns])
    r2 = np.array([r_min_supervised(2, 1.0, alpha, M, N, c) for N in Ns])
    return dict(N=Ns, r_min_P4=r4, r_min_P2=r2, slope_P4=_slope(Ns, r4), slope_P2=_slope(Ns, r2),
                predicted_P4=-0.5, predicted_P2=0.0)
