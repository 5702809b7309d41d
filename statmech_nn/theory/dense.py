r"""Dense Hebbian (P-spin Hopfield) storage at RS and 1RSB, on the p-spin engine.

Convention (issue 2): Ising neurons s_i, K = alpha N^{P-1} Rademacher patterns, even P >= 4,

    H = -N^{1-P} sum_mu sum_{i1<...<iP} xi^mu_{i1}...xi^mu_{iP} s_{i1}...s_{iP},   T = 1/beta.

Retrieving pattern 1 (gauged to +1) the effective model is a ferromagnetic P-spin signal
-N m^P / P! plus, from the K-1 other patterns, a centred Gaussian energy with covariance
N (alpha/P!) q^P (Gardner's picture; distinct indices, so no lower-order terms).  In
:mod:`statmech_nn.theory.pspin` language: a0 = 1/P!, xi(q) = (alpha/P!) q^P.
RS T = 0: m = erf(m^{P-1}/sqrt(2 tau)), tau = alpha (P-1)!; the RS capacity is the largest
tau with a retrieval solution: tau_c = 0.19786 (P = 4, alpha_c = 0.032977, m = 0.918),
0.15768 (P = 6).  P = 2 is *not* this model (the cross-talk is not a Gaussian P-spin
process there; the formula would give 2/pi): use ``hopfield``.

The papers of Albanese, Alemanno, Alessandrelli, Barra (arXiv 2111.12997) use the load
gamma = alpha P!/2 (their energy -(N/2) sum_mu m_mu^P, noise variance gamma (P/2) q^{P-1});
pass ``gamma=`` instead of ``alpha=`` or use :func:`gamma_from_alpha`.

Scaling used for phase lines (exact): with c = alpha/P!, b = beta sqrt(c) and
r = a0 P m^{P-1} / sqrt(c) the saddle-point equations of the glass parameters depend on
(b, r) only; m is then an output and alpha = P m^{2P-2} / ((P-1)! r^2).  At fixed b the
points lie on the ray T = sqrt(alpha/P!)/b, so every line is traced ray by ray by
continuation in r (no grid scan); the m = 0 sector depends on b only (lines T ∝ sqrt(alpha)).
"""
import math
from functools import lru_cache

import numpy as np
from scipy import special
from scipy.optimize import brentq, minimize_scalar

from ..core.errors import (ParameterError, check_int, check_range, check_temperature_array,
                           shown)
from ..core.result import make_result
from ..core.typed import make_capacity
from ..core.typed import as_lines
from .base import Param, TheoryModel
from .rsb.models import K_LEVELS, batch, dense_point, krsb_result, level_k
from . import states
from .contract import Contract, Point
from .pspin import LN2, PSpinEngine, _scaled, pspin_glass_constants, solve_rs, solve_rsb0, solve_states

CONVENTION = ("dense-hebbian: H = -N^{1-P} sum_mu sum_{i1<...<iP} xi..xi s..s, K = alpha N^{P-1}, "
              "even P >= 4; effective signal -N m^P/P!, noise covariance N (alpha/P!) q^P; "
              "paper load gamma = alpha P!/2; T = 1/beta; f, e, s per spin")


def gamma_from_alpha(alpha, P):
    """Load of Albanese-Alemanno-Alessandrelli-Barra: gamma = alpha P!/2."""
    return np.asarray(alpha, float) * math.factorial(P) / 2.0


def alpha_from_gamma(gamma, P):
    return np.asarray(gamma, float) * 2.0 / math.factorial(P)


ALPHA_MAX = 1e6    # beyond, the glass free energy ~ sqrt(alpha) swamps the entropy in doubles
P_MAX = 170        # P! is a finite double up to P = 170 (alpha = gamma 2/P! and K = alpha N^(P-1))
P_MAX_1RSB = 24    # the 1RSB glass constants need 1 - q1 >> 1e-9; q1 -> 1 fast with P (P = 28 fails)


def check_P(P, level="rs"):
    """Even integer 4 <= P <= P_MAX (P_MAX_1RSB at 1RSB), with a pointer to ``hopfield`` for P = 2."""
    iv = check_int("P", P, allowed="even integer >= 4")
    if iv == 2:
        raise ParameterError("P=2 is not allowed for dense-hebbian (allowed: even integer P >= 4); "
                             "for pairwise storage use the 'hopfield' model (AGS, alpha_c = 0.138)")
    if iv < 4 or iv % 2 or iv > P_MAX:
        raise ParameterError(f"P={shown(P)} is not allowed for dense-hebbian; P must be an even "
                             f"integer >= 4 and <= {P_MAX}")
    if level != "rs" and iv > P_MAX_1RSB:
        raise ParameterError(f"P={iv} is not available at 1RSB: the 1RSB solver is valid for even "
                             f"P in [4, {P_MAX_1RSB}] (RS: up to {P_MAX})")
    return iv


class DenseHebbian(TheoryModel):
    """Dense Hebbian (P-spin Hopfield) storage, RS and 1RSB (Gardner picture)."""

    contract = Contract(
        points=(Point(dict(P=4, alpha=0.02, T=0.03)), Point(dict(P=4, alpha=0.06, T=0.03)),
                Point(dict(P=6, alpha=0.002, T=0.004)),
                Point(dict(P=4, alpha=0.005, T=0.02), level="1rsb", branch="retrieval")),
        zero_T=(Point(dict(P=4, alpha=0.02, T=0), branch="retrieval"),
                Point(dict(P=4, alpha=0.06, T=0), branch="spin-glass")),
        tolerances={"zero_T_step": 0.001})   # the RS glass entropy bends on T ~ 0.002

    def __init__(self):
        super().__init__(
            name="dense-hebbian", levels=("rs", "1rsb") + K_LEVELS, convention=CONVENTION,
            params=(Param("P", "interaction order (even integer >= 4)", lo=4, hi=P_MAX, kind="even",
                          allowed=f"even integer in [4, {P_MAX}] (P = 2: use the 'hopfield' model)"),
                    Param("alpha", "load K / N^(P-1) (>= 0)", lo=0.0, hi=ALPHA_MAX,
                          allowed=f"[0, {ALPHA_MAX:g}]"),
                    Param("gamma", "alternative load of Albanese et al.: gamma = alpha P!/2", lo=0.0,
                          allowed="[0, 1e6 P!/2]")))
        self._engines = {}

    # ---- validation ---------------------------------------------------------------
    def _load(self, P, alpha, gamma):
        if alpha is not None and gamma is not None:
            raise ParameterError("give either alpha or gamma (= alpha P!/2), not both")
        if gamma is not None:
            g = np.asarray(gamma, float)
            g_max = float(gamma_from_alpha(ALPHA_MAX, P))
            if np.any(~((g >= 0) & (g <= g_max))):
                raise ParameterError(f"gamma={shown(gamma)} is outside the allowed range "
                                     f"[0, {g_max:g}] (alpha = 2 gamma/P! <= {ALPHA_MAX:g})")
            return alpha_from_gamma(g, P)
        if alpha is None:
            raise ParameterError("dense-hebbian needs parameter alpha (load K / N^(P-1), >= 0) or gamma")
        a = np.asarray(alpha, float)
        if np.any(~((a >= 0) & (a <= ALPHA_MAX))):
            raise ParameterError(f"alpha={shown(alpha)} is outside the allowed range [0, {ALPHA_MAX:g}]")
        return a

    def check_params(self, params, require=True):
        params = dict(params)
        known = {"P", "alpha", "gamma", "T", "beta"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for dense-hebbian; "
                                 f"known: {', '.join(sorted(known))}")
        if params.get("P") is None:
            raise ParameterError("dense-hebbian needs parameter P (even integer >= 4)")
        P = check_P(params["P"])
        out = {"P": P}
        if require or params.get("alpha") is not None or params.get("gamma") is not None:
            out["alpha"] = float(self._load(P, params.get("alpha"), params.get("gamma")))
            check_range("alpha", out["alpha"], lo=0.0)
            out["gamma"] = float(gamma_from_alpha(out["alpha"], P))
        if require or params.get("T") is not None or params.get("beta") is not None:
            from ..core.errors import temperature
            out.update(temperature(params.get("T"), params.get("beta")))
        return out

    def check_arrays(self, arrays):
        """Validate grid arrays (P scalar, alpha or gamma, T or beta); returns a clean dict."""
        arrays = dict(arrays)
        if arrays.get("P") is None:
            raise ParameterError("dense-hebbian needs parameter P (even integer >= 4)")
        for v in np.unique(np.asarray(arrays["P"]).ravel()):
            check_P(v)
        self._load(4, arrays.get("alpha"), arrays.get("gamma"))   # validates the load
        if "T" in arrays:
            check_temperature_array(T=arrays["T"])
        if "beta" in arrays:
            check_temperature_array(beta=arrays["beta"])
        return arrays

    def engine(self, P):
        if P not in self._engines:
            self._engines[P] = PSpinEngine((P,), P)
        return self._engines[P]

    @staticmethod
    def prm(P, beta, alpha):
        """Engine parameters (flat arrays) for the dense model at (beta, alpha)."""
        beta, alpha = np.broadcast_arrays(np.asarray(beta, float), np.asarray(alpha, float))
        beta, alpha = beta.ravel().copy(), alpha.ravel().copy()
        fP = math.factorial(P)
        return {"beta": beta, "a0": np.full_like(beta, 1.0 / fP), "h": np.zeros_like(beta),
                f"c{P}": np.maximum(alpha, 1e-30) / fP}

    @staticmethod
    def _no_glass(P, prm, level):
        """Points where the m = 0 sector has no 1RSB glass: b = beta sqrt(alpha/P!) below 0.97 b_d
        (the pure P-spin dynamical point, exact scaling); skips a futile Newton search there."""
        if level != "1rsb":
            return None
        b = prm["beta"] * np.sqrt(prm[f"c{P}"])
        return b < 0.97 * pspin_glass_constants(P)["b_d"]

    # ---- solving --------------------------------------------------------------------
    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        """Vectorised solve over broadcast arrays (P scalar; alpha or gamma; T or beta)."""
        level = self.check_level(level)
        arrays = dict(arrays)
        P = check_P(arrays.pop("P", None) if arrays.get("P") is not None else None, level)
        alpha = self._load(P, arrays.pop("alpha", None), arrays.pop("gamma", None))
        if "T" in arrays and "beta" not in arrays:
            beta = check_temperature_array(T=arrays.pop("T"))
        elif "beta" in arrays:
            beta = check_temperature_array(beta=arrays.pop("beta"))
        else:
            raise ParameterError("a temperature is required: give T >= 0 or beta > 0")
        if arrays:
            raise ParameterError(f"unknown parameter(s) {', '.join(sorted(arrays))} for dense-hebbian")
        shape = np.broadcast_shapes(np.shape(alpha), np.shape(beta))
        if level not in ("rs", "1rsb"):    # k-step RSB (theory/rsb), point by point
            if branch is not None:
                raise ParameterError(f"level={level!r} gives the thermodynamic state only (branch=None)")
            a, b = (np.broadcast_to(v, shape).ravel() for v in (alpha, beta))
            return batch(lambda i: dense_point(self, P, float(a[i]), float(b[i]), level), shape, a.size, level)
        prm = self.prm(P, np.broadcast_to(beta, shape), np.broadcast_to(alpha, shape))
        out = solve_states(self.engine(P), prm, level=level, branch=branch, signal=True, init=init,
                           no_glass_rsb=self._no_glass(P, prm, level))
        keys = ["m", "q"] if level == "rs" else ["m", "q0", "q1", "x", "y"]
        res = {k: np.asarray(out[k]).reshape(shape) for k in keys}
        # C = lim beta (1 - q1) at T = 0 (NaN at T > 0); broken: a genuinely broken 1RSB saddle
        for k in ("free_energy", "energy", "entropy", "replicon", "residual", "converged",
                  "iterations", "branch", "C", "broken"):
            res[k] = np.asarray(out[k]).reshape(shape)
        return res

    def point_result(self, level, branch, p, o):
        """One saddle point at (P, alpha | gamma, T | beta); ``T=0`` is the analytic limit.

        ``branch=None`` returns the thermodynamic state (:mod:`statmech_nn.theory.states`): the
        retrieval state if its f is below that of the m = 0 sector (whose own f is the largest
        over paramagnet and spin-glass stationary points, the Parisi-consistent value)."""
        if level not in ("rs", "1rsb"):
            return krsb_result("dense-hebbian", level, p, o, CONVENTION)
        if level == "rs":
            ops = {"m": o["m"], "q": o["q"]}
        else:
            ops = {"m": o["m"], "q0": o["q0"], "q1": o["q1"], "x": o["x"], "y": o["y"]}
        if np.isinf(p["beta"]):
            ops["C"] = o["C"]
        msg = ""
        if branch is not None and o["branch"] != branch:
            msg = f"started on the {branch} branch, converged to {o['branch']}"
        if level == "1rsb" and not o["broken"]:
            msg = (msg + "; " if msg else "") + "1RSB minimum is the RS point"
        return make_result("dense-hebbian", level, p, ops, o["free_energy"], o["energy"], o["entropy"],
                           o["converged"], o["residual"], o["iterations"],
                           stability={"replicon": o["replicon"], "rs_stable": bool(o["replicon"] < 1)},
                           branch=str(o["branch"]), message=msg, convention=CONVENTION)

    # ---- T = 0 capacity -------------------------------------------------------------
    def capacity(self, level="rs", **params):
        """T = 0 storage capacity: the AGS-style retrieval spinodal alpha_c (largest load with a
        retrieval solution) and m, q0, y there; also the thermodynamic crossing
        ``alpha_c_thermodynamic`` (retrieval energy = spin-glass energy), ``tau_c = alpha_c (P-1)!``
        and ``gamma_c = alpha_c P!/2``."""
        level = self.check_level(level)
        p = self.check_params(params, require=False)
        P = check_P(p["P"], level)
        if level not in ("rs", "1rsb"):
            return _krsb_capacity(P, level)
        if level == "rs":
            d = rs_capacity(P)
        else:
            d = rsb_capacity(P)
        fP1 = math.factorial(P - 1)
        alpha_c = d["tau_c"] / fP1
        c = alpha_c / math.factorial(P)
        e = math.sqrt(c) * d["e_scaled"]
        ops = {"m": d["m"]}
        if level == "1rsb":
            ops.update(q0=d["q0"], y=d["y_scaled"] / math.sqrt(c))
        params_out = {"P": P, "T": 0.0, "beta": math.inf}
        return make_capacity(
            "dense-hebbian", level, params_out, ops, e, e, float("nan"), d["converged"], d["residual"],
            d.get("iterations", 0), branch="retrieval",
            message="alpha_c: T = 0 retrieval spinodal (AGS definition); alpha_c_thermodynamic: "
                    "retrieval energy = spin-glass energy",
            alpha_c=alpha_c, tau_c=d["tau_c"], gamma_c=float(gamma_from_alpha(alpha_c, P)),
            alpha_c_thermodynamic=d["tau_th"] / fP1,
            gamma_c_thermodynamic=float(gamma_from_alpha(d["tau_th"] / fP1, P)),
            m_thermodynamic=d["m_th"], convention=CONVENTION)

    # ---- phase lines -------------------------------------------------------------------
    def phase_lines(self, level="rs", P=4, n_rays=16, r_points=48, b_range=(0.25, 12.0), rsb_retrieval=True,
                    **params):
        """Phase lines in the (alpha, T) plane (:class:`~statmech_nn.core.typed.PhaseLines`: each
        line a Line of (alpha, T) points with per-point ``converged``).

        ``retrieval_spinodal``: the retrieval solution exists for alpha below it;
        ``retrieval_global``: below it retrieval is the global minimum of f;
        ``spin_glass``: RS: where the RS spin-glass solution appears (T = sqrt(alpha/P!)/b_rs_sg);
        1RSB: ``spin_glass_static`` (T_s, the thermodynamic glass transition, which is also the
        boundary of the paramagnet) and ``spin_glass_dynamic`` (T_d);
        ``paramagnet``: boundary of the paramagnetic state of the m = 0 sector (RS: A_SG = A_para);
        RS only: ``at_retrieval``, the de Almeida-Thouless line of the RS retrieval state (see
        :func:`phase_lines`).
        Found ray by ray (fixed b = beta sqrt(alpha/P!)): the fold of alpha(r) on each ray and the sign
        change of A_R - A_0 are bracketed on an r grid and refined by Brent / brentq (RS points; points
        with RSB: parabolic / linear interpolation on the grid); T = 0
        end points from :meth:`capacity`, alpha = 0 end points from the P-spin Curie-Weiss model.
        At 1RSB the retrieval points of rays with b >= 1 are re-solved with RSB
        (``rsb_retrieval=False`` skips this and returns the m = 0 lines only).
        """
        level = self.check_level(level)
        P = check_P(P, level)
        return as_lines(phase_lines(P, level, n_rays=n_rays, r_points=r_points, b_range=b_range,
                                    rsb_retrieval=rsb_retrieval))


# ---- T = 0 capacities (scaled problem: xi = q^P, field r) ------------------------------------

def _krsb_capacity(P, level):
    """k-RSB T = 0 capacity (theory/rsb/capacity.py), as a Capacity."""
    from .rsb.capacity import capacity_krsb
    k = level_k(level)
    d = capacity_krsb(P, k)
    fP1, fP = math.factorial(P - 1), math.factorial(P)
    alpha_c = d["alpha_c"]
    c = alpha_c / fP
    e = math.sqrt(c) * d["e_scaled"]
    ops = {"m": d["m"]}
    ops.update({f"q{l}": float(v) for l, v in enumerate(d["q"])})
    ops.update({f"y{l}": float(v) / math.sqrt(c) for l, v in enumerate(d["y"], start=1)})
    return make_capacity(
        "dense-hebbian", level, {"P": P, "T": 0.0, "beta": math.inf}, ops, e, e, float("nan"),
        d["converged"], d["residual"], 0, branch="retrieval",
        message=f"alpha_c: T = 0 retrieval spinodal at {k}-step RSB (max over the field r of the family "
                "of k-RSB minimisers; theory/rsb/capacity.py)",
        alpha_c=alpha_c, tau_c=d["tau_c"], gamma_c=float(gamma_from_alpha(alpha_c, P)),
        parisi={"q": [float(v) for v in d["q"]] + [1.0],
                "y": [float(v) / math.sqrt(c) for v in d["y"]]}, convention=CONVENTION)

def _rs0_scaled(P, r):
    """RS T = 0 at field r, xi = q^P: m, and the energy per sqrt(c) of the dense model."""
    s = math.sqrt(P)
    m = special.erf(r / (math.sqrt(2) * s))
    absu = r * m + s * math.sqrt(2 / math.pi) * np.exp(-r * r / (2 * s * s))
    return m, -absu + r * m * (P - 1) / P


@lru_cache(maxsize=32)
def rs_capacity(P):
    """RS: tau(m) = m^{2P-2} / (2 erfinv(m)^2) maximised over m; thermodynamic crossing where
    e_R = e_SG^RS = -sqrt(2P/pi) sqrt(c)."""
    f = lambda m: -(m ** (2 * P - 2) / (2 * special.erfinv(m) ** 2))
    res = minimize_scalar(f, bounds=(0.3, 1 - 1e-12), method="bounded", options={"xatol": 1e-12})
    m_c = float(res.x)
    tau_c = float(-res.fun)
    r_c = math.sqrt(2 * P) * special.erfinv(m_c)
    _, e_c = _rs0_scaled(P, r_c)
    e_sg = -math.sqrt(2 * P / math.pi)
    g = lambda r: _rs0_scaled(P, r)[1] - e_sg
    hi = 50.0
    while g(hi) > 0:        # g falls like -r/P: the crossing moves out with P
        hi *= 2.0
    r_th = brentq(g, r_c, hi, xtol=1e-14)
    m_th = float(special.erf(r_th / math.sqrt(2 * P)))
    tau_th = P * m_th ** (2 * P - 2) / r_th ** 2
    return {"tau_c": tau_c, "m": m_c, "e_scaled": float(e_c), "tau_th": float(tau_th), "m_th": m_th,
            "converged": True, "residual": 0.0, "iterations": int(res.nfev)}


class _Rsb0Family:
    """T = 0 1RSB glass parameters along the field r, warm-started from a table of solved points."""

    def __init__(self, P):
        self.P = P
        self.table = []   # (r, q0, y)

    def __call__(self, r, x=None):
        starts = [(0.97, 1.5), (0.9, 1.0), (0.99, 3.0)]
        if x is not None:
            starts = [x]
        elif self.table:
            k = int(np.argmin([abs(t[0] - r) for t in self.table]))
            starts = [self.table[k][1:]]
        E, prm = _scaled(self.P, np.full(len(starts), np.inf), r)
        s = solve_rsb0(E, prm, np.zeros(len(starts)), np.array([v[0] for v in starts]),
                       np.array([v[1] for v in starts]), maxiter=40)
        good = states.is_broken(s["q0"], y=s["y"], zero_T=True, converged=s["converged"]) & (s["y"] < 1e3)
        i = int(np.argmax(np.where(good, s["energy"], -np.inf)))  # Parisi: max of e0 = f0 over (q0, y)
        ok = bool(good[i])
        if ok:
            self.table.append((float(r), float(s["q0"][i]), float(s["y"][i])))
        m = float(s["m"][i])
        e = float(s["energy"][i]) + r * m * (self.P - 1) / self.P
        return {"m": m, "q0": float(s["q0"][i]), "y": float(s["y"][i]), "e": e, "converged": ok,
                "C": float(s["C"][i]),
                "residual": float(s["residual"][i]), "tau": self.P * m ** (2 * self.P - 2) / r ** 2}


def rsb_capacity(P):
    """1RSB T = 0 capacity: max over r of tau(r) on the family of minimising (q0, y); the
    family is followed by continuation from the RS fold field (where RSB is already visible)
    towards strong signal and down past the 1RSB fold."""
    fam = _Rsb0Family(P)
    r_rs = math.sqrt(2 * P) * special.erfinv(rs_capacity(P)["m"])
    vals, grid = [], np.arange(r_rs, 0.5, -0.1)
    for r in grid:
        d = fam(r)
        vals.append(d)
        if len(vals) > 3 and d["tau"] < vals[-2]["tau"] < vals[-3]["tau"]:
            break
    taus = np.array([v["tau"] if v["converged"] else -1 for v in vals])
    i = int(np.argmax(taus))
    lo, hi = grid[min(i + 1, len(vals) - 1)], grid[max(i - 1, 0)]
    res = minimize_scalar(lambda r: -fam(r)["tau"], bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-8})
    d = fam(res.x)
    # thermodynamic crossing with the 1RSB spin glass, on the stable (large-r) side
    e_sg = pspin_glass_constants(P)["e_1rsb"]
    g = lambda r: fam(r)["e"] - e_sg
    tau_th, m_th = float("nan"), float("nan")
    lo = res.x + 1e-6
    g_lo = g(lo)
    for hi in np.arange(lo + 0.2, r_rs + 12.0, 0.2):   # walk up (warm starts) to bracket the crossing
        g_hi = g(hi)
        if np.sign(g_hi) != np.sign(g_lo):
            r_th = brentq(g, lo, hi, xtol=1e-10)
            dth = fam(r_th)
            tau_th, m_th = dth["tau"], dth["m"]
            break
        lo, g_lo = hi, g_hi
    return {"tau_c": d["tau"], "m": d["m"], "q0": d["q0"], "y_scaled": d["y"], "e_scaled": d["e"],
            "tau_th": tau_th, "m_th": m_th, "converged": d["converged"], "residual": d["residual"]}


# ---- phase lines by rays -------------------------------------------------------------------

def _cw_lines(P):
    """alpha = 0 end points (P-spin Curie-Weiss, signal -N m^P/P!): spinodal and first-order T."""
    fP1 = math.factorial(P - 1)
    fP = math.factorial(P)
    beta_m = lambda m: fP1 * np.arctanh(m) / m ** (P - 1)
    r = minimize_scalar(beta_m, bounds=(0.01, 1 - 1e-12), method="bounded", options={"xatol": 1e-12})
    T_sp = 1.0 / r.fun

    def dA(m):  # A_R - A_0 along the stable branch, beta from m
        b = beta_m(m)
        return math.log(math.cosh(b * m ** (P - 1) / fP1)) - b * (P - 1) * m ** P / fP

    m_th = brentq(dA, r.x, 1 - 1e-12)
    return T_sp, 1.0 / beta_m(m_th)


@lru_cache(maxsize=16)
def _rsb0_table(P, lo=0.45, hi=1.7, step=0.05):
    """T = 0 1RSB family (r, q0, y, C, m) on r in [lo, hi] x r_RS-fold, by continuation from the
    RS fold field in both directions (starting guesses for finite-T 1RSB retrieval)."""
    fam = _Rsb0Family(P)
    r_rs = math.sqrt(2 * P) * special.erfinv(rs_capacity(P)["m"])
    rows = []
    for grid in (np.arange(r_rs, hi * r_rs, step), np.arange(r_rs - step, lo * r_rs, -step)):
        fam.table = fam.table[:1]
        for rv in grid:
            d = fam(rv)
            if d["converged"]:
                rows.append((rv, d["q0"], d["y"], d["C"], d["m"]))
    rows.sort()
    return np.array(rows)


def _ray_rsb_update(P, s, E, prm, shape, b_min=1.0):
    """Replace RS retrieval points of low-temperature rays (b >= b_min) by their 1RSB values.

    Each point (b, r) is started from the T = 0 1RSB family at the same r (m, q0, y_s, C, by
    interpolation in :func:`_rsb0_table`) with q1 = 1 - C/b and x = y_s/b; accepted when
    converged, genuinely broken and of lower A (the Parisi minimum).  At b < b_min (higher T)
    the RS point is kept.  Returns the number of broken points."""
    from .pspin import is_broken, solve_rsb
    b, r = prm["beta"], prm["h"]
    ok = s["converged"] & (s["m"] > 0.3) & (b >= b_min)
    idx = np.nonzero(ok)[0]
    tab = _rsb0_table(P)
    sel = idx[(r[idx] >= tab[0, 0]) & (r[idx] <= tab[-1, 0])]
    if sel.size == 0:
        return 0
    q0s, ys, Cs, ms = (np.interp(r[sel], tab[:, 0], tab[:, k]) for k in (1, 2, 3, 4))
    sub = {k: v[sel] for k, v in prm.items()}
    x0 = np.clip(ys / sub["beta"], 1e-4, 0.95)
    sol = solve_rsb(E, sub, ms, q0s, np.clip(1 - Cs / sub["beta"], 0.5, 1.0), x0, maxiter=12)
    good = is_broken(sol) & states.glassy_better(-sol["pressure"], -s["pressure"][sel]) & (sol["m"] > 0.3)
    tgt = sel[good]
    s["m"][tgt] = sol["m"][good]
    s["pressure"][tgt] = sol["pressure"][good]
    return int(good.sum())


def _a0_sector(P, b, level):
    """A of the m = 0 sector at b (minimum over paramagnet / glass stationary points).

    1RSB: paramagnet for b <= b_s (exact: A = ln 2 + b^2/2); above b_s the 1RSB glass with
    q0 = 0, started at x = b_s/b (x = 1 at b_s), checked to lie below the paramagnet."""
    b = np.atleast_1d(np.asarray(b, float))
    if level == "rs":
        E, prm = _scaled(P, b, 0.0)
        out = solve_states(E, prm, level=level, signal=False)
        return -out["free_energy"] * b, out
    from .pspin import is_broken, solve_rsb
    A = LN2 + 0.5 * b * b
    bs = pspin_glass_constants(P)["b_s"]
    g = np.nonzero(b > bs)[0]
    if g.size:
        E, prm = _scaled(P, b[g], 0.0)
        sol = solve_rsb(E, prm, np.zeros(g.size), np.zeros(g.size), np.full(g.size, 0.99),
                        np.clip(bs / b[g], 1e-3, 0.999), maxiter=40)
        ok = is_broken(sol) & states.glassy_better(-sol["pressure"], -A[g])
        if not ok.all():
            bad = g[~ok]
            E2, prm2 = _scaled(P, b[bad], 0.0)
            out = solve_states(E2, prm2, level="1rsb", signal=False)
            A[bad] = np.minimum(A[bad], -out["free_energy"] * b[bad])
        A[g[ok]] = sol["pressure"][ok]
    return A, None


def _ray_alpha(P, m, r):
    """Load of the ray point with field r and retrieval overlap m: r = a0 P m^{P-1}/sqrt(alpha/P!)
    with a0 = 1/P! gives alpha = P m^{2P-2} / ((P-1)! r^2) (T = sqrt(alpha/P!)/b)."""
    return P * m ** (2 * P - 2) / (math.factorial(P - 1) * r ** 2)


def _ray_rs_point(P, b, r):
    """(alpha, A of the dense model) of the RS retrieval solution at one ray point (b, r)."""
    s, _, _ = _ray_rs(P, b, r)
    m = float(s["m"][0])
    if not s["converged"][0] or m <= 1e-3:
        return -1.0, -np.inf
    return _ray_alpha(P, m, r), float(s["pressure"][0]) - b * r * m * (P - 1) / P


def _ray_rs(P, b, r):
    """RS retrieval at (b, r) (arrays): m, q, A of the dense model, alpha, T."""
    E, prm = _scaled(P, b, r)
    s = solve_rs(E, prm, np.ones(prm["beta"].size), np.ones(prm["beta"].size))
    return s, E, prm


def _rs_fold(P, b, bracket, xtol=1e-10):
    """RS fold of alpha(r) on the ray b (the retrieval spinodal): Brent maximum of alpha on a bracket."""
    return minimize_scalar(lambda rv: -_ray_rs_point(P, b, rv)[0], bracket=bracket, method="brent",
                           options={"xtol": xtol})


def _ray_replicon(P, b, r):
    """RS retrieval replicon lambda = b^2 xi''(q) E sech^4(b u) (xi = q^P, u = r + z sqrt(xi'(q)))
    at the ray point (b, r); NaN where the saddle is not converged (callers skip those)."""
    s, _, _ = _ray_rs(P, b, r)
    ok = s["converged"] & (s["m"] > 1e-3)
    return np.where(ok, s["replicon"], np.nan), s


def _at_asymptote(P, alpha, m0):
    """Leading low-T AT temperature of RS retrieval: E sech^4(beta u) -> (4/3) p_u(0)/beta gives
    lambda = (4/3) (P-1) beta sqrt(tau)/(P-1)! phi(m^{P-1}/sqrt(tau)), tau = alpha (P-1)!, so
    T_AT = (4/3) (P-1) sqrt(tau)/(P-1)! phi(m0^{P-1}/sqrt(tau))  (m0: T = 0 retrieval m);
    exponentially small, ~ exp(-1/(2 tau)), as alpha -> 0."""
    tau = np.asarray(alpha, float) * math.factorial(P - 1)
    z = np.asarray(m0, float) ** (P - 1) / np.sqrt(tau)
    return (4.0 / 3.0) * (P - 1) * np.sqrt(tau) / math.factorial(P - 1) * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _at_lines(P, t, rays):
    """AT line of RS retrieval from per-ray data ``rays`` = [(b, r grid, replicon grid, ok grid,
    fold index j, refined fold r, replicon at the fold)], b descending.

    On each ray lambda(r) - 1 changes sign (lambda >= 1 at small r, i.e. large alpha and T) between
    two converged grid points on the stable side of the fold; brentq refines it and the saddle is
    re-solved at the root.  The line ends on the retrieval spinodal where lambda at the fold is 1
    (brentq in b).  Returns (alpha, T, b) of the ray points, the end point or None, skipped rays."""
    fP = math.factorial(P)
    pts, skipped = [], []

    def to_aT(b, r, s):
        a = _ray_alpha(P, float(s["m"][0]), r)
        return a, math.sqrt(a / fP) / b

    for b, rr, lam, ok, j, r_f, lam_f in rays:
        if not np.isfinite(lam_f):
            skipped.append((float(b), "fold saddle not converged"))
            continue
        if lam_f < 1:   # RS-stable along the whole stable branch: the ray is above the line
            continue
        # stable branch only: the refined fold, then the grid points beyond it
        sel = rr > r_f
        rs_, d = np.r_[r_f, rr[sel]], np.r_[lam_f, lam[sel]] - 1.0
        k = np.nonzero((d[:-1] >= 0) & (d[1:] < 0))[0]
        if not k.size or np.isnan(d[:k[0] + 2]).any():   # never bracket across an unconverged saddle
            skipped.append((float(b), "no bracket of lambda = 1 among converged saddles"))
            continue
        f = lambda rv: float(_ray_replicon(P, b, rv)[0][0]) - 1.0
        try:
            r_at = brentq(f, rs_[k[0]], rs_[k[0] + 1], xtol=1e-13, rtol=1e-15)
        except ValueError as exc:   # NaN inside the bracket (unconverged saddle)
            skipped.append((float(b), f"brentq: {exc}"))
            continue
        lam_at, s = _ray_replicon(P, b, r_at)
        if not abs(lam_at[0] - 1.0) < 1e-9:   # NaN: unconverged; else brentq was fed a NaN inside
            skipped.append((float(b), f"saddle at the root: replicon {lam_at[0]:.6g}"))
            continue
        pts.append((*to_aT(b, r_at, s), float(b)))
    # end point on the spinodal: lambda at the fold = 1 between adjacent rays (lambda_fold grows with b)
    end = None
    for (b1, *_, rf1, lf1), (b2, *_, rf2, lf2) in zip(rays[:-1], rays[1:]):
        if np.isfinite(lf1) and np.isfinite(lf2) and lf1 >= 1 > lf2:
            memo = {}

            def h(bv):
                if bv in memo:
                    return memo[bv]
                # fold bracket from one batched solve near the fold interpolated between the two rays
                w = math.log(bv / b2) / math.log(b1 / b2)
                for rg in (rf2 ** (1 - w) * rf1 ** w * np.linspace(0.85, 1.15, 13), t * (1.0 + 1.0 / bv)):
                    lam_g, s = _ray_replicon(P, np.full(rg.size, bv), rg)
                    a = np.where(np.isfinite(lam_g), _ray_alpha(P, np.maximum(s["m"], 0), rg), -1.0)
                    jj = int(np.argmax(a))
                    if a[jj] > 0 and 0 < jj < rg.size - 1:
                        break
                else:
                    raise ValueError(f"no interior fold on the ray b = {bv:.6g}")
                r_f = _rs_fold(P, bv, (rg[jj - 1], rg[jj], rg[jj + 1]), xtol=1e-8).x
                lam_f, s = _ray_replicon(P, bv, r_f)
                if not np.isfinite(lam_f[0]):
                    raise ValueError(f"fold saddle not converged on the ray b = {bv:.6g}")
                memo[bv] = (float(lam_f[0]) - 1.0, r_f, s)
                return memo[bv]
            try:   # xtol ~ the noise of lambda at the Brent fold (xtol 1e-8 in r)
                b_e = brentq(lambda bv: h(bv)[0], b2, b1, xtol=1e-7)
                _, r_f, s = h(b_e)
                end = (*to_aT(b_e, r_f, s), b_e)
            except ValueError as exc:
                skipped.append((float("nan"), f"spinodal end point: {exc}"))
            break
    return pts, end, skipped


def phase_lines(P, level="rs", n_rays=16, r_points=48, b_range=(0.25, 12.0), rsb_retrieval=True):
    """See :meth:`DenseHebbian.phase_lines`.

    RS ``at_retrieval`` (de Almeida-Thouless line of the RS retrieval state): replicon
    lambda = beta^2 xi''(q) E sech^4(beta u) = 1.  lambda -> inf as T -> 0 at every alpha > 0
    (lambda ~ beta, see :func:`_at_asymptote`), so RS retrieval is unstable below T_AT(alpha) > 0;
    T_AT -> 0 exponentially (~ exp(-1/(2 alpha (P-1)!))) as alpha -> 0, and the line ends on the
    retrieval spinodal (lambda = 1 at the fold).  That end point lies on the Nishimori line T = alpha
    (beta a0 = beta^2 c: there m = q and lambda is the slope of the one-variable map q -> E tanh, so
    its fold has lambda = 1); it is found numerically, not imposed.  Points: (0, 0) (that limit), one converged root
    per ray with a crossing (rays too hot for one contribute nothing), the spinodal end point.
    Rays whose crossing could not be refined on converged saddles are left out and listed (b,
    reason) in ``at_retrieval_skipped``.  The m = 0 sector has no AT line at RS: the paramagnet
    (q = 0) has lambda = 0 since xi''(0) = 0 for P > 2."""
    fP, fP1 = math.factorial(P), math.factorial(P - 1)
    consts = pspin_glass_constants(P)
    bs = np.geomspace(b_range[1], b_range[0], n_rays)   # low T first: lines ordered from T = 0 to alpha = 0
    if level == "1rsb" and not rsb_retrieval:
        a_line = np.linspace(0.0, rs_capacity(P)["tau_c"] / fP1 * 1.9, 41)
        sq = np.sqrt(a_line / fP)
        st = {"alpha": a_line, "T": sq / consts["b_s"]}
        return {"P": P, "level": level, "convention": CONVENTION, "glass_constants": consts,
                "note": "retrieval lines not computed (rsb_retrieval=False)",
                "spin_glass_static": st, "spin_glass": st, "paramagnet": st,
                "spin_glass_dynamic": {"alpha": a_line, "T": sq / consts["b_d"]}}
    t = np.geomspace(0.25, 14.0, r_points)
    B, Rr = np.meshgrid(bs, t, indexing="ij")
    Rr = Rr * (1.0 + 1.0 / B)
    s, E, prm = _ray_rs(P, B.ravel(), Rr.ravel())
    m = s["m"]
    ok = s["converged"]
    A_scaled = s["pressure"].copy()
    m_rs = s["m"].copy()
    n_broken = 0
    if level == "1rsb" and rsb_retrieval:
        n_broken = _ray_rsb_update(P, s, E, prm, B.shape)
        m = s["m"]
        A_scaled = s["pressure"]
    m = m.reshape(B.shape)
    ok = ok.reshape(B.shape) & (m > 1e-3)
    alpha = _ray_alpha(P, np.maximum(m, 0), Rr)
    A_R = A_scaled.reshape(B.shape) - B * Rr * m * (P - 1) / P
    A0, _ = _a0_sector(P, bs, level)
    broken = np.zeros(B.shape, bool)
    if level == "1rsb" and rsb_retrieval:
        broken = (np.abs(s["m"] - m_rs) > 0).reshape(B.shape)
    sp_a, sp_T, gl_a, gl_T = [], [], [], []
    lam_grid = np.where(ok, s["replicon"].reshape(B.shape), np.nan)
    at_rays = []
    for i, b in enumerate(bs):
        a = np.where(ok[i], alpha[i], -1.0)
        j = int(np.argmax(a))
        if a[j] <= 0 or j in (0, len(t) - 1):
            continue
        if not broken[i, j - 1:j + 2].any():
            # RS fold: maximise alpha(r) on the bracket by Brent's method (each value one RS solve)
            res = _rs_fold(P, b, (Rr[i, j - 1], Rr[i, j], Rr[i, j + 1]))
            a_max = float(-res.fun)
            if level == "rs":
                lam_f = float(_ray_replicon(P, b, res.x)[0][0])
                at_rays.append((b, Rr[i], lam_grid[i], ok[i], j, float(res.x), lam_f))
        else:
            # parabola through the three grid points around the fold (in log r)
            x3 = np.log(Rr[i, j - 1:j + 2])
            y3 = a[j - 1:j + 2]
            cf = np.polyfit(x3, y3, 2)
            a_max = float(np.polyval(cf, -cf[1] / (2 * cf[0]))) if cf[0] < 0 else float(a[j])
        sp_a.append(a_max)
        sp_T.append(math.sqrt(a_max / fP) / b)
        d = A_R[i, j:] - A0[i]
        good = ok[i, j:]
        k = np.nonzero(good[:-1] & good[1:] & (d[:-1] < 0) & (d[1:] >= 0))[0]
        if k.size:
            kk = k[0]
            if not broken[i, j + kk:j + kk + 2].any():
                # RS: A_R(r) = A_0(b) by brentq on the bracket (each value one RS solve)
                g = lambda rv: _ray_rs_point(P, b, rv)[1] - A0[i]
                r_g = brentq(g, Rr[i, j + kk], Rr[i, j + kk + 1], xtol=1e-12)
                a_g = _ray_rs_point(P, b, r_g)[0]
            else:
                w = -d[kk] / (d[kk + 1] - d[kk])
                a_g = alpha[i, j + kk] + w * (alpha[i, j + kk + 1] - alpha[i, j + kk])
            gl_a.append(float(a_g))
            gl_T.append(math.sqrt(a_g / fP) / b)
    # T = 0 ends and alpha = 0 ends
    cap = rs_capacity(P) if level == "rs" else rsb_capacity(P)
    T_sp0, T_th0 = _cw_lines(P)
    sp_a = np.array([cap["tau_c"] / fP1] + sp_a + [0.0])
    sp_T = np.array([0.0] + sp_T + [T_sp0])
    gl_a = np.array(([cap["tau_th"] / fP1] if np.isfinite(cap["tau_th"]) else []) + gl_a + [0.0])
    gl_T = np.array(([0.0] if np.isfinite(cap["tau_th"]) else []) + gl_T + [T_th0])
    a_line = np.linspace(0.0, max(sp_a.max(), 1e-9) * 1.6, 41)
    sq = np.sqrt(a_line / fP)
    out = {"P": P, "level": level, "convention": CONVENTION, "rays_b": bs,
           "rsb_retrieval_points_broken": int(n_broken),
           "retrieval_spinodal": {"alpha": sp_a, "T": sp_T},
           "retrieval_global": {"alpha": gl_a, "T": gl_T},
           "glass_constants": consts}
    if level == "rs":
        out["spin_glass"] = {"alpha": a_line, "T": sq / consts["b_rs_sg"]}
        out["paramagnet"] = {"alpha": a_line, "T": sq / consts["b_rs_th"]}
        pts, end, skipped = _at_lines(P, t, at_rays)
        pts = [(0.0, 0.0, math.inf)] + pts + ([end] if end is not None else [])
        at = np.array(pts, float)
        out["at_retrieval"] = {"alpha": at[:, 0], "T": at[:, 1], "b": at[:, 2]}
        out["at_retrieval_skipped"] = skipped
    else:
        out["spin_glass_static"] = {"alpha": a_line, "T": sq / consts["b_s"]}
        out["spin_glass_dynamic"] = {"alpha": a_line, "T": sq / consts["b_d"]}
        out["spin_glass"] = out["spin_glass_static"]
        out["paramagnet"] = out["spin_glass_static"]
    return out
