r"""Hopfield model (pairwise Hebbian couplings), replica theory of Amit-Gutfreund-Sompolinsky.

Convention (energy, load, temperature)
--------------------------------------
N Ising spins, K = alpha N random +-1 patterns, zero diagonal::

    H(s) = -(1/2N) sum_{i != j} sum_mu xi_i^mu xi_j^mu s_i s_j
         = -(N/2) sum_mu m_mu(s)^2 + K/2,

T = 1/beta multiplies H; f = -T/N E ln Z, e = <H>/N, s = beta (e - f), all per spin. The
zero diagonal gives the constant +alpha/2 in f and e. Pattern 1 is the condensed one
(overlap m), the other K - 1 produce the AGS cross-talk.

Replica-symmetric theory (AGS 1987), variables (m, q, r)
--------------------------------------------------------
With ``c = beta (1 - q)`` (finite as T -> 0), ``h = m + sqrt(alpha r) z``::

    f_RS = alpha/2 + m^2/2 + alpha/(2 beta) ln(1 - c) - (alpha/2) q/(1 - c)
           + (alpha/2) r c - (1/beta) E_z ln 2cosh(beta h)

    m = E_z tanh(beta h),  c = beta E_z sech^2(beta h),  r = q/(1 - c)^2

(r is eliminated analytically; the solver works on (m, c)). Energy and entropy at the
saddle::

    e_RS = alpha/2 - m^2/2 - (alpha/2)(1 - c^2/beta)/(1 - c)^2,    s = beta (e - f)

T = 0 (q = 1, c = C finite, r = 1/(1 - C)^2, s_h = sqrt(alpha r))::

    m = erf(m/(sqrt2 s_h)),  C = sqrt(2/pi)/s_h exp(-m^2/(2 s_h^2)),
    e_0 = f_0 = -m^2/2 - alpha (r - 1)/2,   s_0 = -(alpha/2)[ln(1 - C) + C/(1 - C)]

With y = m/(sqrt2 s_h) the T = 0 retrieval branch is alpha(y) = [erf(y)(1 - C)/(sqrt2 y)]^2,
C = 2y exp(-y^2)/(sqrt(pi) erf y); its maximum is the RS capacity alpha_c.

Replicon (AT) eigenvalue, stable when < 1 (AGS)::

    lambda_AT = alpha beta^2 E_z sech^4(beta h) / (1 - c)^2          (= inf at T = 0 if alpha > 0)

Paramagnet (m = q = r = 0, T > 1): -beta f = ln 2 - (alpha/2) ln(1 - beta) - alpha beta/2 (exact);
it becomes unstable (lambda_AT = 1) at the spin-glass line T_g = 1 + sqrt(alpha).

One-step RSB (Crisanti-Amit-Gutfreund 1986), variables (m, q0, q1, x; r0, r1)
------------------------------------------------------------------------------
Parisi block size x in (0, 1], q0 <= q1. With ``c1 = beta (1 - q1)`` and ``y = beta x`` (both
finite as T -> 0), ``D1 = 1 - c1``, ``D0 = D1 - y (q1 - q0)``,
``h = m + sqrt(alpha r0) z0 + sqrt(alpha (r1 - r0)) z1`` and
``g(h) = (1/beta) ln 2cosh(beta h)`` (-> |h| at T = 0)::

    f_1RSB = alpha/2 + m^2/2 + alpha/(2 beta) ln D1 + alpha/(2 y) ln(D0/D1) - (alpha/2) q0/D0
             + (alpha/2) [ r1 c1 + y (r1 q1 - r0 q0) ] - (1/y) E_z0 ln E_z1 exp(y g(h))

    r0 = q0/D0^2,   r1 = (q1 - q0)/(D0 D1) + q0/D0^2
    m = E0 <tanh beta h>,  q0 = E0 <tanh beta h>^2,  c1 = beta E0 <sech^2 beta h>,   df/dy = 0

where <.> is the z1-average with weight exp(y g(h)) = (2cosh beta h)^x. At x = 1 or q0 = q1
it is f_RS. T -> 0: q1 -> 1 and x -> 0 with c1 and y = beta x finite; then g = |h| and the
inner average is closed-form (normal CDF):
E_z1 exp(y|a + s z1|) = exp(y^2 s^2/2) [e^{ya} Phi(a/s + ys) + e^{-ya} Phi(-a/s + ys)],
c1 = 2 E0 [phi(a/s)/s / E_z1 exp(y|h|)], and f_0 = e_0; the T = 0 entropy is
s_0 = -(alpha/2)[ln(1 - c1) + c1/(1 - c1)]. Energy at finite T::

    e_1RSB = alpha/2 + m^2/2 - (alpha/2)[ c1 (1/beta - 1/y)/D1 + (c1/y + q1 - q0)/D0 + q0/D0
             + q0 (c1 + y (q1 - q0))/D0^2 ] + alpha [r1 c1 + y (r1 q1 - r0 q0)] - E0 <h tanh beta h>

The physical 1RSB saddle is the maximum of f over the glassy parameters (minimum of the
pressure A = -beta f), so f_RS <= f_1RSB. Where the RS saddle is AT-stable (lambda_AT <= 1),
1RSB reduces to RS and the RS values are returned with q0 = q1 = q, x = 1.

All stationarity equations are derived with SymPy in ``derivations/hopfield.py`` and checked
against the code in ``tests/test_hopfield.py``.
"""
import math

import numpy as np
from scipy import optimize, special

from ..core.errors import ParameterError, beta_from
from ..core import quaderr, tilted
from ..core.quadrature import expect, kink_nodes, log_2cosh, normal_nodes
from ..core.result import make_result
from ..core.typed import make_capacity
from ..core.typed import as_lines
from ..core.solver import solve_fixed_point
from . import states
from .contract import Contract, Point
from .base import Param, TheoryModel
from .rsb.models import K_LEVELS, batch, hopfield_point, krsb_result, level_k

LN2 = math.log(2.0)
SQRT2 = math.sqrt(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)
_C_MAX = 1.0 - 1e-10          # c = beta (1 - q) < 1 keeps 1 - beta (1 - q) > 0
_TINY = 1e-300
_S1_FLOOR = 1e-9          # T = 0 1RSB: smallest intra-state field width (changes f by < 1e-17)
BRANCHES = ("retrieval", "spin-glass", "paramagnet")
CONVENTION = ("H = -(1/2N) sum_{i!=j} sum_mu xi_i^mu xi_j^mu s_i s_j (zero diagonal), "
              "alpha = K/N, T = 1/beta; f, e, s per spin (AGS)")


def _arr(*vs):
    return np.broadcast_arrays(*(np.asarray(v, float) for v in vs))


# =====================================================================================
# Replica symmetric
# =====================================================================================
def _tanh_sech2(u):
    """tanh(u) and sech^2(u) from one exponential (sech^2 without cancellation)."""
    e = np.exp(-2.0 * np.abs(u))
    d = 1.0 / (1.0 + e)
    return np.copysign((1.0 - e) * d, u), 4.0 * e * d * d, e


def rs_averages(m, c, alpha, beta, n_panel=10, r=None, full=True, estimate=False):
    """Gaussian averages of the RS theory at (m, c) (arrays of one shape).

    Returns dict: q, r, s_h, Et = E tanh, Ec = beta E sech^2, Eg = (1/beta) E ln 2cosh(beta h),
    Es4 = beta^2 E sech^4 (inf at T = 0). ``r`` overrides the stationary r = q/(1 - c)^2
    (used by the gradient check). ``full=False``: only Et and Ec (the solver's hot loop; the
    kink rule directly, which is what ``normal_nodes`` selects at large beta and is accurate at
    every beta). ``estimate``: also record the quadrature error of the averages
    (:func:`core.quaderr.estimate`)."""
    m, c, alpha, beta = _arr(m, c, alpha, beta)
    if estimate and quaderr.collecting():   # refined rule on the finite points only (no paramagnet below T = 1)
        out = rs_averages(m, c, alpha, beta, n_panel, r, full)
        ok = np.isfinite(m) & np.isfinite(c)
        if ok.any():
            rr = None if r is None else np.broadcast_to(np.asarray(r, float), m.shape)[ok]
            with quaderr.refinement(2):
                fine = rs_averages(m[ok], c[ok], alpha[ok], beta[ok], n_panel, rr, full)
            keys = ("Et", "Ec", "Eg") + (("Es4",) if full else ())
            quaderr.record_error(quaderr.difference({k: out[k][ok] for k in keys},
                                                    {k: fine[k] for k in keys}), "RS Gaussian averages")
        return out
    fin = np.isfinite(beta)
    binv = np.where(fin, 1.0 / np.where(fin, beta, 1.0), 0.0)
    c = np.clip(c, 0.0, np.minimum(_C_MAX, np.where(fin, beta, np.inf)))
    q = np.clip(1.0 - c * binv, 0.0, 1.0)
    D = 1.0 - c
    r = q / D ** 2 if r is None else np.broadcast_to(np.asarray(r, float), m.shape)
    s = np.sqrt(alpha * r)
    out = dict(q=q, r=r, s_h=s, D=D, c=c)
    Et = np.empty_like(m)
    Ec = np.empty_like(m)
    Eg = np.empty_like(m)
    Es4 = np.empty_like(m)
    if fin.any():
        i = fin
        b = beta[i]
        if full:
            h, w = normal_nodes(m[i], s[i], b, n_panel=n_panel)
        else:
            h, w = kink_nodes(m[i], s[i], 1.0 / b, n_panel=8)
        u = b[:, None] * h
        t, sc, e = _tanh_sech2(u)
        Et[i] = expect(t, w)
        Ec[i] = b * expect(sc, w)
        if full:
            Eg[i] = expect(log_2cosh(u) / b[:, None], w)
            Es4[i] = b * b * expect(sc * sc, w)
    if (~fin).any():
        i = ~fin
        mi, si = m[i], np.maximum(s[i], _TINY)
        y = mi / (SQRT2 * si)
        with np.errstate(over="ignore"):
            gd = np.exp(-y * y)
        Et[i] = special.erf(y)
        Ec[i] = np.sqrt(2.0 / np.pi) / si * gd
        Eg[i] = mi * special.erf(y) + si * np.sqrt(2.0 / np.pi) * gd
        Es4[i] = np.where(alpha[i] > 0, np.inf, 0.0)
    out.update(Et=Et, Ec=Ec, Eg=Eg, Es4=Es4)
    return out


def rs_map(x, p):
    """Undamped RS map (m, c) -> (E tanh, beta E sech^2); p: alpha, beta, fixm (1: m = 0)."""
    a = rs_averages(x[0], x[1], p["alpha"], p["beta"], full=False)
    return np.stack([a["Et"] * (1.0 - p["fixm"]), a["Ec"]])


def rs_map_m0(x, p):
    """Undamped RS map of the m = 0 sector (spin glass / paramagnet): c -> beta E sech^2."""
    a = rs_averages(np.zeros_like(x[0]), x[0], p["alpha"], p["beta"], full=False)
    return a["Ec"][None]


def _rs_f(m, alpha, binv, a):
    """f_RS from the averages ``a`` of :func:`rs_averages` (r at its stationary value)."""
    D, q, r, c = a["D"], a["q"], a["r"], a["c"]
    return (alpha / 2 + m * m / 2 + alpha / 2 * binv * np.log(D) - alpha / 2 * q / D
            + alpha / 2 * r * c - a["Eg"])


def _binv(beta):
    fin = np.isfinite(beta)
    return fin, np.where(fin, 1.0 / np.where(fin, beta, 1.0), 0.0)


def rs_free_energy(m, c, alpha, beta):
    """f_RS(m, c) with r at its stationary value (see the module docstring)."""
    m, c, alpha, beta = _arr(m, c, alpha, beta)
    return _rs_f(m, alpha, _binv(beta)[1], rs_averages(m, c, alpha, beta))


def rs_thermo(m, c, alpha, beta):
    """f, e, s, replicon and (q, r) at an RS saddle (m, c)."""
    m, c, alpha, beta = _arr(m, c, alpha, beta)
    a = rs_averages(m, c, alpha, beta, estimate=True)
    fin, binv = _binv(beta)
    D, q, r, c = a["D"], a["q"], a["r"], a["c"]
    f = _rs_f(m, alpha, binv, a)
    e = alpha / 2 - m * m / 2 - alpha / 2 * (1.0 - c * c * binv) / D ** 2
    with np.errstate(invalid="ignore"):
        s = np.where(fin, np.where(fin, beta, 0.0) * (e - f), -alpha / 2 * (np.log(D) + c / D))
        lam = alpha * a["Es4"] / D ** 2
    lam = np.where(alpha > 0, lam, 0.0)
    return dict(free_energy=f, energy=e, entropy=s, replicon=lam, q=q, r=r)


# =====================================================================================
# One-step RSB
# =====================================================================================
def rsb_geometry(m, q0, c1, y, alpha, beta, r0=None, r1=None):
    """Derived 1RSB quantities: q1, D0, D1, r0, r1, s0 = sqrt(alpha r0), s1 = sqrt(alpha(r1-r0)).

    ``r0``, ``r1`` override their stationary values (used by the gradient check)."""
    m, q0, c1, y, alpha, beta = _arr(m, q0, c1, y, alpha, beta)
    fin = np.isfinite(beta)
    binv = np.where(fin, 1.0 / np.where(fin, beta, 1.0), 0.0)
    c1 = np.clip(c1, 0.0, np.minimum(_C_MAX, np.where(fin, beta, np.inf)))
    q1 = np.clip(1.0 - c1 * binv, 0.0, 1.0)
    q0 = np.clip(q0, 0.0, q1)
    y = np.clip(y, 1e-9, np.where(fin, beta, np.inf))
    D1 = 1.0 - c1
    D0 = D1 - y * (q1 - q0)
    r0s = q0 / D0 ** 2
    r1s = (q1 - q0) / (D0 * D1) + r0s
    r0 = r0s if r0 is None else np.broadcast_to(np.asarray(r0, float), m.shape)
    r1 = r1s if r1 is None else np.broadcast_to(np.asarray(r1, float), m.shape)
    s0 = np.sqrt(alpha * r0)
    s1 = np.sqrt(np.maximum(alpha * (r1 - r0), 0.0))
    s1 = np.where(fin, s1, np.maximum(s1, _S1_FLOOR))  # T = 0: resolve the delta peak of c1
    return dict(m=m, q0=q0, q1=q1, c1=c1, y=y, D0=D0, D1=D1, r0=r0, r1=r1, r0s=r0s, r1s=r1s, s0=s0, s1=s1,
                binv=binv, alpha=alpha, beta=beta, fin=fin)


def _inner_zero_T(a, s, y):
    """Closed-form z1-averages at T = 0 for h = a + s z1 with weight ``exp(y|h|)``
    (:func:`core.tilted.inner_T0`): lnZ = ``ln E exp(y|h|)``, ``<sgn h>``, ``<|h|>``, p0 = density at 0 / Z."""
    r = tilted.inner_T0(a, s, y)
    return r["lnZ"], r["sgn"], r["absu"], r["rho"]


def rsb_averages(g, n_panel=10, n_inner=8, n_outer=8, estimate=False):
    """E_z0 averages of the 1RSB theory for the geometry ``g`` (from :func:`rsb_geometry`).

    Returns dict with Et = E0 <tanh>, Et2 = E0 <tanh>^2, Ec = beta E0 <sech^2> (T = 0: 2 E0 p0),
    lnZ = E0 ln E1 exp(y g(h)), Eg = E0 <g(h)>, Eht = E0 <h tanh(beta h)>. The tilted inner
    averages are :mod:`core.tilted` (exactly re-centred; weight (2cosh beta h)^x = 2^x cosh^x).
    ``estimate``: also record their quadrature error (:func:`core.quaderr.estimate`)."""
    if estimate:
        return quaderr.estimate(rsb_averages, g, n_panel, n_inner, n_outer, where="1RSB tilted averages")[0]
    m, s0, s1, y, beta, fin = g["m"], g["s0"], g["s1"], g["y"], g["beta"], g["fin"]
    keys = ("Et", "Et2", "Ec", "lnZ", "Eg", "Eht")
    out = {k: np.empty_like(m) for k in keys}
    if fin.any():
        i = fin
        b = beta[i]
        x = y[i] / b
        av = tilted.averages(m[i], s0[i], s1[i], b, x, want=("t", "lc", "s2", "ht"),
                             n_outer=n_outer, n_inner=n_inner)
        out["Et"][i] = av["t"]
        out["Et2"][i] = av["tt"]
        out["Ec"][i] = b * av["s2"]
        out["lnZ"][i] = av["lnZ"] + x * LN2
        out["Eg"][i] = (av["lc"] + LN2) / b
        out["Eht"][i] = av["ht"]
    if (~fin).any():
        i = ~fin
        av = tilted.averages_T0(m[i], s0[i], s1[i], y[i], n_outer=n_panel)
        out["Et"][i] = av["t"]
        out["Et2"][i] = av["tt"]
        out["Ec"][i] = 2.0 * av["rho"]
        out["lnZ"][i] = av["lnZ"]
        out["Eg"][i] = av["absu"]
        out["Eht"][i] = out["Eg"][i]
    return out


def rsb_free_energy_parts(g, av):
    """f_1RSB and df/dy at (m, q0, c1, y) with r0, r1 at their stationary values."""
    al, y = g["alpha"], g["y"]
    D0, D1, q0, q1, r0, r1, c1, m = (g[k] for k in ("D0", "D1", "q0", "q1", "r0", "r1", "c1", "m"))
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (al / 2 + m * m / 2 + al / 2 * g["binv"] * np.log(D1) + al / (2 * y) * np.log(D0 / D1)
             - al / 2 * q0 / D0 + al / 2 * (r1 * c1 + y * (r1 * q1 - r0 * q0)) - av["lnZ"] / y)
        dfdy = (-al / (2 * y * y) * np.log(D0 / D1) - al / (2 * y) * (q1 - q0) / D0
                - al / 2 * q0 * (q1 - q0) / D0 ** 2 + al / 2 * (r1 * q1 - r0 * q0)
                + av["lnZ"] / (y * y) - av["Eg"] / y)
    return f, dfdy


def rsb_map(x, p):
    """Undamped 1RSB map on (m, q0, c1, y): (E0<t>, E0<t>^2, beta E0<sech^2>, y + df/dy)."""
    g = rsb_geometry(x[0], x[1], x[2], x[3], p["alpha"], p["beta"])
    av = rsb_averages(g)
    _, dfdy = rsb_free_energy_parts(g, av)
    return np.stack([av["Et"] * (1.0 - p["fixm"]), av["Et2"], av["Ec"], g["y"] + dfdy])


def rsb_thermo(m, q0, c1, y, alpha, beta):
    g = rsb_geometry(m, q0, c1, y, alpha, beta)
    av = rsb_averages(g, estimate=True)
    f, dfdy = rsb_free_energy_parts(g, av)
    al, D0, D1, q0, q1, r0, r1, c1, m = (g[k] for k in ("alpha", "D0", "D1", "q0", "q1", "r0", "r1", "c1", "m"))
    yy, binv, fin = g["y"], g["binv"], g["fin"]
    e = (al / 2 + m * m / 2
         - al / 2 * (c1 * (binv - 1.0 / yy) / D1 + (c1 / yy + q1 - q0) / D0 + q0 / D0
                     + q0 * (c1 + yy * (q1 - q0)) / D0 ** 2)
         + al * (r1 * c1 + yy * (r1 * q1 - r0 * q0)) - av["Eht"])
    bf = np.where(fin, g["beta"], 0.0)
    s = np.where(fin, bf * (e - f), -al / 2 * (np.log(D1) + c1 / D1))
    e = np.where(fin, e, f)
    x = np.where(fin, yy * binv, 0.0)
    return dict(free_energy=f, energy=e, entropy=s, dfdy=dfdy, q0=q0, q1=q1, x=x, y=yy, c1=c1,
                r0=r0, r1=r1, m=m)


# =====================================================================================
# hand-coded gradients of beta f in the original variables (checked against SymPy)
# =====================================================================================
def rs_gradient(m, q, r, alpha, beta):
    """d(beta f_RS)/d(m, q, r) at an arbitrary point, built from the solver's RS map:
    beta (m - E t), (alpha beta^2/2)(q/D^2 - r), (alpha beta^2/2)(E t^2 - q)."""
    m, q, r, alpha, beta = _arr(m, q, r, alpha, beta)
    a = rs_averages(m, beta * (1 - q), alpha, beta, r=r)
    k = alpha * beta ** 2 / 2
    return {"m": beta * (m - a["Et"]), "q": k * (q / a["D"] ** 2 - r),
            "r": k * ((1.0 - a["Ec"] / beta) - q)}


def rsb_gradient(m, q0, q1, x, r0, r1, alpha, beta):
    """d(beta f_1RSB)/d(m, q0, q1, x, r0, r1) at an arbitrary point (finite beta), built from
    the solver's 1RSB map and df/dy (x = y/beta, q1 = 1 - c1/beta)."""
    m, q0, q1, x, r0, r1, alpha, beta = _arr(m, q0, q1, x, r0, r1, alpha, beta)
    g = rsb_geometry(m, q0, beta * (1 - q1), beta * x, alpha, beta, r0=r0, r1=r1)
    av = rsb_averages(g)
    _, dfdy = rsb_free_energy_parts(g, av)
    k = alpha * beta ** 2 / 2
    return {"m": beta * (m - av["Et"]),
            "q0": k * x * (q0 / g["D0"] ** 2 - r0),
            "q1": k * (1 - x) * (g["r1s"] - r1),
            "x": beta ** 2 * dfdy,
            "r0": k * x * (av["Et2"] - q0),
            "r1": k * (1 - x) * ((1.0 - av["Ec"] / beta) - q1)}


def rsb_gradient_zero_T(m, q0, c1, y, r0, r1, alpha):
    """d f0/d(m, q0, c1, y, r0, r1) of the T = 0 1RSB ground-state energy at an arbitrary point,
    built from the solver's T = 0 map (keys as in ``derivations/hopfield.py``; c1 -> 'C1')."""
    g = rsb_geometry(m, q0, c1, y, alpha, np.inf, r0=r0, r1=r1)
    av = rsb_averages(g)
    _, dfdy = rsb_free_energy_parts(g, av)
    k = np.asarray(alpha, float) / 2
    return {"m": g["m"] - av["Et"], "q0": k * g["y"] * (g["q0"] / g["D0"] ** 2 - g["r0"]),
            "C1": k * (g["r1"] - g["r1s"]), "y": dfdy,
            "r0": k * g["y"] * (av["Et2"] - g["q0"]), "r1": k * (g["c1"] - av["Ec"])}


def rsb_beta_f(m, q0, q1, x, r0, r1, alpha, beta):
    """beta f_1RSB at an arbitrary point (finite beta), as coded for the solver."""
    g = rsb_geometry(*_arr(m, q0, beta * (1 - np.asarray(q1)), beta * np.asarray(x), alpha, beta),
                     r0=r0, r1=r1)
    f, _ = rsb_free_energy_parts(g, rsb_averages(g))
    return beta * f


def _rsb_inner_map(v, p):
    g = rsb_geometry(v[0], v[1], v[2], p["y"], p["alpha"], p["beta"])
    av = rsb_averages(g)
    return np.stack([av["Et"] * (1.0 - p["fixm"]), av["Et2"], av["Ec"]])


def _rsb_point_by_y(branch, alpha, beta, m_rs, q, c, tol):
    """One 1RSB saddle: (m, q0, c1) solved at fixed y on a log grid (batched), f maximised
    over y (bounded Brent in ln y), then a full Newton polish. Returns (thermo, residual,
    converged, iterations)."""
    fin = np.isfinite(beta)
    ys = beta * np.geomspace(0.02, 0.95, 10) if fin else np.geomspace(0.05, 300.0, 12)
    n = ys.size
    fixm = 0.0 if branch == "retrieval" else 1.0
    q0i = 0.99 * (q if fin else 1.0) if branch == "retrieval" else 0.5 * q
    x0 = np.stack([np.full(n, m_rs), np.full(n, q0i), np.full(n, 0.5 * c)])
    P = lambda yy: {"alpha": np.full(np.size(yy), alpha), "beta": np.full(np.size(yy), beta),
                    "y": np.atleast_1d(yy), "fixm": np.full(np.size(yy), fixm)}
    bounds = ([-1.0, 0.0, 0.0], [1.0, 1.0, _C_MAX])
    r = solve_fixed_point(_rsb_inner_map, x0, P(ys), tol=1e-12, maxiter=40, bounds=bounds)
    its = int(r.iterations.max())
    th = rsb_thermo(r.x[0], r.x[1], r.x[2], ys, alpha, beta)
    good = states.is_broken(th["q0"], th["q1"], th["x"], th["y"], zero_T=not fin, converged=r.converged)
    if branch == "retrieval":
        good &= r.x[0] >= m_rs - 1e-9      # the stable family (see _rsb_batch)
    f = np.where(good, th["free_energy"], -np.inf)
    k = int(np.argmax(f))
    if not np.isfinite(f[k]):
        return th, np.inf, False, its
    state = {"x": r.x[:, k].copy(), "its": 0}

    def negf(u):
        rr = solve_fixed_point(_rsb_inner_map, state["x"][:, None], P(math.exp(u)), tol=1e-12,
                               maxiter=40, bounds=bounds)
        state["its"] += int(rr.iterations[0])
        t = rsb_thermo(*rr.x[:, 0], math.exp(u), alpha, beta)
        if not states.is_broken(t["q0"], t["q1"], t["x"], t["y"], zero_T=not fin, converged=rr.converged[0]):
            return 1e3
        state["x"] = rr.x[:, 0]
        return -float(t["free_energy"])
    lo = math.log(ys[max(k - 1, 0)])
    hi = math.log(ys[min(k + 1, n - 1)])
    opt = optimize.minimize_scalar(negf, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7})
    yb = math.exp(opt.x)
    negf(opt.x)
    x4 = np.concatenate([state["x"], [yb]])[:, None]
    pr = {"alpha": np.array([alpha]), "beta": np.array([beta]), "fixm": np.array([fixm])}
    rp = solve_fixed_point(rsb_map, x4, pr, tol=tol, maxiter=15,
                           bounds=([-1.0, 0.0, 0.0, 1e-6], [1.0, 1.0, _C_MAX, np.inf]))
    its += state["its"] + int(rp.iterations[0])
    xf = rp.x[:, 0] if rp.converged[0] else x4[:, 0]
    th = rsb_thermo(*xf, alpha, beta)
    G = rsb_map(xf[:, None], pr)[:, 0] - xf
    res = float(np.max(np.abs(G)))
    ok = bool(res <= max(tol, 1e-9)) and bool(states.is_broken(th["q0"], th["q1"], th["x"], th["y"],
                                                               zero_T=not fin))
    if branch == "retrieval" and th["m"] < m_rs - 1e-9:
        ok = False
    return {kk: float(v) for kk, v in th.items()}, res, ok, its


# =====================================================================================
# The model
# =====================================================================================
class Hopfield(TheoryModel):
    """Hopfield network (AGS): RS and 1RSB replica theory, alpha = K/N."""

    contract = Contract(
        points=(Point(dict(alpha=0.03, T=0.2)), Point(dict(alpha=0.1, T=1.2)),
                Point(dict(alpha=0.05, T=1.5)), Point(dict(alpha=0.1, T=0.3), level="1rsb")),
        zero_T=(Point(dict(alpha=0.05, T=0), branch="retrieval"),
                Point(dict(alpha=0.1, T=0), branch="spin-glass"),
                Point(dict(alpha=0.1, T=0), level="1rsb", branch="spin-glass")))

    def __init__(self):
        super().__init__(
            name="hopfield", levels=("rs", "1rsb") + K_LEVELS,
            params=(Param("alpha", "load alpha = K/N (patterns per neuron)", lo=0.0, hi=1e6,
                          allowed="[0, 1e6] (beyond, f ~ sqrt(alpha) swamps the entropy in "
                          "double precision)"),),
            convention=CONVENTION)

    # ---------------------------------------------------------------- RS batch
    def _rs_batch(self, branch, alpha, beta, init=None, tol=1e-11, maxiter=200):
        alpha, beta = _arr(alpha, beta)
        shape = alpha.shape
        al, be = alpha.ravel(), beta.ravel()
        n = al.size
        fin = np.isfinite(be)
        if branch == "retrieval":
            m0 = np.ones(n)
            c0 = np.where(fin, np.minimum(0.02, be * 0.5), 0.02)
            fixm = np.zeros(n)
        elif branch == "spin-glass":
            m0 = np.zeros(n)
            a_ = np.sqrt(2.0 / (np.pi * np.maximum(al, 1e-300)))   # T = 0 spin glass: C = a/(1 + a)
            c0 = np.where(fin, np.minimum(a_ / (1 + a_), 0.9 * be), a_ / (1 + a_))
            # above T_g = 1 + sqrt(alpha) the only m = 0 saddle is q = 0 (c = beta): start there
            c0 = np.where(fin & (be * (1 + np.sqrt(al)) < 1), be, c0)
            fixm = np.ones(n)
        else:  # paramagnet: q = 0 exactly (c = beta); only exists for T > 1
            m0 = np.zeros(n)
            c0 = np.where(fin, be, np.nan)
            fixm = np.ones(n)
        if init is not None:
            if "m" in init:
                m0 = np.broadcast_to(np.asarray(init["m"], float), shape).ravel().copy()
            if "q" in init:
                qi = np.broadcast_to(np.asarray(init["q"], float), shape).ravel()
                c0 = np.where(fin, be * (1 - qi), c0)
            if "c" in init:
                c0 = np.broadcast_to(np.asarray(init["c"], float), shape).ravel().copy()
        p = {"alpha": al, "beta": be, "fixm": fixm}
        if branch == "paramagnet":
            ok = fin & (be < 1.0)
            x = np.stack([np.zeros(n), np.where(ok, be, 0.5)])
            Gm = rs_map(x, p) - x
            res = np.where(ok, np.max(np.abs(Gm), 0), np.inf)
            conv = ok & (res <= tol)
            its = np.zeros(n, int)
        else:
            c0 = np.clip(np.nan_to_num(c0, nan=0.5), 0.0, _C_MAX)
            bnd = ([-1.0, 0.0], [1.0, _C_MAX])
            x0 = np.stack([m0, c0])
            if branch == "retrieval" and maxiter > 15:
                # stage 1: a short Newton run; where the retrieval saddle does not exist the
                # iteration wanders (m collapses): stage 2 only continues the plausible ones
                r = solve_fixed_point(rs_map, x0, p, tol=tol, maxiter=15, bounds=bnd)
                x, res, conv, its = r.x, r.residual, r.converged, r.iterations
                more = ~conv & (np.abs(x[0]) > 0.05) & (res < 1e-4)
                if more.any():
                    j = np.nonzero(more)[0]
                    r2 = solve_fixed_point(rs_map, x[:, j], {k: v[j] for k, v in p.items()}, tol=tol,
                                           maxiter=maxiter - 15, bounds=bnd)
                    x[:, j], res[j], conv[j] = r2.x, r2.residual, r2.converged
                    its[j] += r2.iterations
            elif branch == "spin-glass":   # m = 0 exactly: a one-variable problem in c
                r = solve_fixed_point(rs_map_m0, x0[1:], p, tol=tol, maxiter=maxiter,
                                      bounds=([0.0], [_C_MAX]))
                x, res, conv, its = np.stack([np.zeros(n), r.x[0]]), r.residual, r.converged, r.iterations
            else:
                r = solve_fixed_point(rs_map, x0, p, tol=tol, maxiter=maxiter, bounds=bnd)
                x, res, conv, its = r.x, r.residual, r.converged, r.iterations
        if branch == "paramagnet":
            x = np.where(ok, x, np.nan)
        th = rs_thermo(x[0], x[1], al, be)
        out = dict(m=x[0], q=th["q"], r=th["r"], c=np.clip(x[1], 0, None),
                   free_energy=th["free_energy"], energy=th["energy"], entropy=th["entropy"],
                   replicon=th["replicon"], converged=conv, residual=res, iterations=its,
                   branch=states.classify(x[0], th["q"]).astype(str) if branch != "paramagnet" else np.full(n, "paramagnet"))
        if branch == "paramagnet":
            for k in ("free_energy", "energy", "entropy", "replicon"):
                out[k] = np.where(fin & (be < 1), out[k], np.nan)
        return {k: np.asarray(v).reshape(shape) for k, v in out.items()}

    # --------------------------------------------------------------- 1RSB batch
    def _rsb_batch(self, branch, alpha, beta, init=None, tol=1e-10, maxiter=25, fallback=True):
        alpha, beta = _arr(alpha, beta)
        shape = alpha.shape
        al, be = alpha.ravel(), beta.ravel()
        n = al.size
        rs = {k: np.asarray(v).ravel() for k, v in self._rs_batch(branch, al, be).items()}
        out = {k: rs[k].copy() for k in ("m", "free_energy", "energy", "entropy", "converged",
                                         "residual", "iterations", "branch")}
        out.update(q0=rs["q"].copy(), q1=rs["q"].copy(), x=np.ones(n), y=be.copy(),
                   r0=rs["r"].copy(), r1=rs["r"].copy(), replicon_rs=rs["replicon"].copy(),
                   f_rs=rs["free_energy"].copy(), rsb=np.zeros(n, bool))
        need = rs["converged"] & (rs["replicon"] > 1.0 + states.REPLICON_TOL) & (rs["q"] > states.Q_THR) & (al > 0)
        # retrieval RSB is exponentially weak in (m/s_h)^2, s_h = sqrt(alpha r): for m/s_h > 3
        # the measured f_1RSB - f_RS is < 1e-11 (below the solver's resolution; x is then
        # ill-determined), so the RS saddle is returned, flagged by ``rsb_weak``
        with np.errstate(divide="ignore", invalid="ignore"):
            weak = need & states.condensed(rs["m"]) & (np.abs(rs["m"]) > 3.0 * np.sqrt(al * rs["r"]))
        out["rsb_weak"] = weak
        need = need & ~weak
        if branch == "paramagnet" or not need.any():
            return {k: np.asarray(v).reshape(shape) for k, v in out.items()}
        idx = np.nonzero(need)[0]
        b = be[idx]
        fin = np.isfinite(b)
        q, c, m_rs = rs["q"][idx], rs["c"][idx], rs["m"][idx]
        ymax = np.where(fin, 0.5 * b, np.inf)
        # (q0/q, c1/c, y) starting points, tried in turn until a non-trivial saddle with q0 > 0
        # is found (q0 = 0 is also a saddle of the m = 0 sector, the 'trap')
        if branch == "retrieval":   # RSB is weak near q = 1
            st0 = st_f = [(0.99, 0.5, 5.0), (0.999, 0.3, 30.0), (0.9995, 0.3, 80.0),
                          (0.9999, 0.3, 200.0), (0.95, 0.5, 2.0)]
        else:
            st0 = [(0.5, 0.5, 0.6), (0.7, 0.6, 0.3), (0.3, 0.8, 1.0), (0.6, 0.5, 0.4), (0.5, 0.5, 0.6)]
            st_f = [(0.4, 0.8, 0.15), (0.6, 0.8, 0.25), (0.5, 0.5, 0.6), (0.7, 0.6, 0.3), (0.5, 0.7, 0.2)]
        x0s = []
        if init is not None and all(k in init for k in ("m", "q0", "q1", "x")):
            gi = {k: np.broadcast_to(np.asarray(init[k], float), shape).ravel()[idx]
                  for k in ("m", "q0", "q1", "x")}
            x0s.append(np.stack([gi["m"], gi["q0"], np.where(fin, b * (1 - gi["q1"]), 0.5 * c),
                                 np.where(fin, b * gi["x"], 2.0)]))
        qq = np.where(fin, q, 1.0) if branch == "retrieval" else q
        for (a0, c0_, y0), (af, cf, yf) in zip(st0, st_f):
            x0s.append(np.stack([m_rs, np.where(fin, af, a0) * qq, np.where(fin, cf, c0_) * c,
                                 np.minimum(np.where(fin, yf, y0), ymax)]))
        fixm = np.full(idx.size, 0.0 if branch == "retrieval" else 1.0)
        best_f = np.full(idx.size, -np.inf)
        best_res = np.full(idx.size, np.inf)
        chosen = [None] * idx.size
        any_trivial = np.zeros(idx.size, bool)
        done = np.zeros(idx.size, bool)
        total_its = np.zeros(idx.size, int)
        for x0 in x0s:
            sel = np.nonzero(~done)[0]
            if sel.size == 0:
                break
            x0 = np.stack([x0[0], np.clip(x0[1], 0, 1), np.clip(x0[2], 0, _C_MAX), np.maximum(x0[3], 1e-3)])[:, sel]
            p = {"alpha": al[idx][sel], "beta": b[sel], "fixm": fixm[sel]}
            r = solve_fixed_point(rsb_map, x0, p, tol=tol, maxiter=maxiter,
                                  bounds=([-1.0, 0.0, 0.0, 1e-6], [1.0, 1.0, _C_MAX, np.inf]))
            th = rsb_thermo(r.x[0], r.x[1], r.x[2], r.x[3], al[idx][sel], b[sel])
            trivial = ~states.is_broken(th["q0"], th["q1"], th["x"], th["y"], zero_T=~fin[sel])
            total_its[sel] += r.iterations
            valid = r.converged & ~trivial & np.isfinite(th["free_energy"])
            any_trivial[sel] |= r.converged & trivial
            if branch == "retrieval":
                # the retrieval state's 1RSB saddle continues the RS one with *larger* m (less
                # cross-talk); the family with m below m_RS is the unstable saddle that merges
                # with it at the spinodal (it has the higher f and must not be selected)
                valid &= th["m"] >= m_rs[sel] - 1e-9
            for kk_, k in enumerate(sel):
                if valid[kk_] and states.glassy_better(th["free_energy"][kk_], best_f[k]):
                    best_f[k] = th["free_energy"][kk_]
                    chosen[k] = ({kk: np.asarray(v)[kk_] for kk, v in th.items()}, r.residual[kk_], True)
                    done[k] = th["q0"][kk_] > 1e-3
                elif not np.isfinite(best_f[k]) and not any_trivial[k] and r.residual[kk_] < best_res[k]:
                    best_res[k] = r.residual[kk_]
                    chosen[k] = ({kk: np.asarray(v)[kk_] for kk, v in th.items()}, r.residual[kk_], False)
        for k, j in enumerate(idx):
            out["iterations"][j] += total_its[k]
            if chosen[k] is not None and chosen[k][2]:
                th, res, ok = chosen[k]
                for kk in ("m", "q0", "q1", "x", "y", "r0", "r1", "free_energy", "energy", "entropy"):
                    out[kk][j] = th[kk]
                out["residual"][j] = res
                out["converged"][j] = ok
                out["rsb"][j] = ok
                out["branch"][j] = str(states.classify(th["m"], th["q1"]))
            elif chosen[k] is not None and not fallback:
                out["converged"][j] = False
                out["residual"][j] = chosen[k][1]
            elif chosen[k] is not None:
                # Newton from the fixed starts failed: maximise f over y with the inner
                # equations solved at fixed y (robust), then polish with full Newton
                th, res, ok, its = _rsb_point_by_y(branch, al[j], be[j], m_rs[k], q[k], c[k], tol)
                out["iterations"][j] += its
                if ok:
                    for kk in ("m", "q0", "q1", "x", "y", "r0", "r1", "free_energy", "energy", "entropy"):
                        out[kk][j] = th[kk]
                    out["rsb"][j] = True
                    out["branch"][j] = str(states.classify(th["m"], th["q1"]))
                out["converged"][j] = ok
                out["residual"][j] = res if ok else max(res, chosen[k][1])
            # else: only the RS (trivial) saddle was found: 1RSB = RS, keep the RS values
        return {k: np.asarray(v).reshape(shape) for k, v in out.items()}

    # ------------------------------------------------------------------ public API
    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        """Vectorised solve over broadcast arrays ``alpha`` and ``T`` (or ``beta``).

        ``branch=None`` solves every branch and keeps, per element, the thermodynamic state chosen
        by :func:`states.select` (m = 0 sector: the larger f of spin glass and paramagnet; then the
        lower f of that and retrieval). Returns a dict of arrays (see ``TheoryModel``)."""
        level = self.check_level(level)
        if branch is not None and branch not in BRANCHES:
            raise ParameterError(f"branch={branch!r} is not one of {', '.join(BRANCHES)}")
        arrays = self.check_arrays(arrays)
        if "beta" not in arrays:
            raise ParameterError("a temperature is required: give T >= 0 or beta > 0")
        beta = np.asarray(arrays["beta"], float)
        if np.any(~(beta > 0)):
            raise ParameterError("beta must be > 0 everywhere on the grid")
        alpha, beta = np.broadcast_arrays(np.asarray(arrays["alpha"], float), beta)
        if level not in ("rs", "1rsb"):   # k-step RSB (theory/rsb), point by point
            if branch is not None:
                raise ParameterError(f"level={level!r} gives the thermodynamic state only (branch=None)")
            a, b = alpha.ravel(), beta.ravel()
            return batch(lambda i: hopfield_point(self, float(a[i]), float(b[i]), level), alpha.shape,
                         a.size, level)
        run = self._rs_batch if level == "rs" else self._rsb_batch
        if branch is not None:
            return run(branch, alpha, beta, init=init)
        outs = [run(b, alpha, beta, init=init if b == "retrieval" else None) for b in BRANCHES]
        flat = [{k: np.asarray(v).ravel() for k, v in o.items()} for o in outs]
        for o in flat:   # rule 3 needs the RS replicon of the paramagnet at 1RSB too
            o.setdefault("replicon", o.get("replicon_rs"))
        sel = states.select(list(zip(BRANCHES, flat)))
        res = {k: v.reshape(alpha.shape) for k, v in sel.take(flat, keys=list(outs[0])).items()}
        # a retrieval run that neither converged nor collapsed might be the true state: flag it
        # (a true saddle near the spinodal is reached by Newton; a 'ghost' beyond it stalls at a
        # residual set by the distance to the fold, >> 1e-6 on any practical grid)
        R = outs[0]
        doubt = ~np.asarray(R["converged"]) & (np.abs(R["m"]) > 0.05) & (np.asarray(R["residual"]) < 1e-6)
        res["converged"] = np.where(doubt, False, res["converged"])
        return res

    def point_result(self, level, branch, pr, g):
        """One saddle point (see the module docstring for the equations and conventions)."""
        be = pr["beta"]
        msg = ""
        if level not in ("rs", "1rsb"):
            return krsb_result(self.name, level, pr, g, CONVENTION)
        if level == "rs":
            ops = {"m": g["m"], "q": g["q"], "r": g["r"]}
            stab = {"replicon": g["replicon"], "stable": bool(g["replicon"] <= 1.0)}
        else:
            ops = {"m": g["m"], "q0": g["q0"], "q1": g["q1"], "x": g["x"], "r0": g["r0"],
                   "r1": g["r1"], "y": g["y"]}
            stab = {"replicon_rs": g["replicon_rs"], "f_rs": g["f_rs"]}
            if g.get("rsb_weak", False):
                msg = ("retrieval RSB below resolution (m/sqrt(alpha r) > 3: f_1RSB - f_RS < 1e-11); "
                       "RS values returned")
            elif not g["rsb"] and g["converged"]:
                msg = "RS saddle is AT-stable (or 1RSB collapsed to it): 1RSB = RS here"
            elif not g["rsb"]:
                msg = ("no 1RSB saddle resolved (RS values shown); for the retrieval state at T = 0 "
                       "and alpha < ~0.13 the RSB correction to f is below ~1e-9 and x is ill-determined")
        if branch is not None and g["branch"] != branch:
            msg = (msg + "; " if msg else "") + f"no {branch} solution here: solver reached {g['branch']}"
        if branch == "retrieval" and not g["converged"]:
            msg = (msg + "; " if msg else "") + (
                "no retrieval saddle found: (alpha, T) is probably beyond the retrieval spinodal "
                "T_M(alpha) (see phase_lines('rs')['retrieval_spinodal'])")
        if branch == "paramagnet" and not np.isfinite(be) or (branch == "paramagnet" and be >= 1):
            msg = "the paramagnetic saddle (q = 0) exists only for T > 1"
        if branch is None and not g["converged"] and not msg:
            msg = ("no valid thermodynamic state: no candidate converged, or only the paramagnet, "
                   "unstable here (replicon > 1)")
        return make_result(self.name, level, pr, ops, g["free_energy"], g["energy"], g["entropy"],
                           g["converged"], g["residual"], g["iterations"], stability=stab,
                           branch=str(g["branch"]), message=msg)

    # ------------------------------------------------------------------ capacity
    def capacity(self, level="rs", **params):
        """T = 0 storage capacity: the largest alpha with a retrieval (m > 0) saddle."""
        level = self.check_level(level)
        if params:
            raise ParameterError(f"hopfield capacity takes no parameters, got {', '.join(params)}")
        if level not in ("rs", "1rsb"):
            return _capacity_krsb(level_k(level))
        if level == "rs":
            return _capacity_rs()
        return _capacity_1rsb()

    # ------------------------------------------------------------------ phase lines
    def phase_lines(self, level="rs", n=24, lines=None, T_values=None):
        """Transition lines of the (alpha, T) plane, each found by root finding (no grid scan).

        Returns :class:`~statmech_nn.core.typed.PhaseLines` ``{line: Line(alpha, T, converged)}``
        (dict access ``lines[name]["alpha"]`` works) with lines
        ``spin_glass`` (T_g, paramagnet replicon = 1; exact: 1 + sqrt(alpha)),
        ``retrieval_spinodal`` (T_M: the largest alpha with a retrieval saddle, per T, as the
        maximum over m of alpha(m; T)), ``retrieval_global`` (T_c: f_retrieval = f_spin-glass, per T)
        and, at RS, ``at_retrieval`` (replicon of the retrieval state = 1, per alpha).
        Lines are parametrised by T where they may be re-entrant in alpha. ``n`` points per line;
        ``T_values`` overrides the temperatures of the T-parametrised lines.
        At 1RSB the spin-glass free energy is the 1RSB one (the RS spin-glass saddle is
        AT-unstable everywhere below T_g); the retrieval state is RS-stable above its AT line.
        At 1RSB ``retrieval_spinodal`` is the fold of the 1RSB retrieval branch where the RS fold
        is AT-unstable (T below ~0.025) and the RS spinodal above; extra keys ``alpha_rs``,
        ``rsb``, ``replicon_rs`` (at the RS fold), ``state_1rsb`` ((alpha, q0, c1, y) at the 1RSB
        fold) and ``notes`` (why a point is RS, 1RSB or NaN = not converged).
        """
        level = self.check_level(level)
        return as_lines(_phase_lines(self, level, int(n), lines, T_values))


# =====================================================================================
# capacity
# =====================================================================================
def alpha_of_y_rs(y):
    """T = 0 RS retrieval branch parametrised by y = m/(sqrt2 sqrt(alpha r))."""
    ey = special.erf(y)
    C = 2 * y * np.exp(-y * y) / (np.sqrt(np.pi) * ey)
    return (ey * (1 - C) / (SQRT2 * y)) ** 2, ey, C


def _capacity_rs():
    res = optimize.minimize_scalar(lambda y: -alpha_of_y_rs(y)[0], bracket=(1.0, 1.8, 3.0),
                                   tol=1e-12)
    y = res.x
    a, m, C = alpha_of_y_rs(y)
    # residual of the undamped T = 0 saddle-point map at (alpha_c, m, C)
    x = np.array([[m], [C]])
    resid = float(np.max(np.abs(rs_map(x, {"alpha": np.array([a]), "beta": np.array([np.inf]),
                                           "fixm": np.zeros(1)}) - x)))
    th = rs_thermo(m, C, a, np.inf)
    return make_capacity("hopfield", "rs", {"T": 0.0, "beta": math.inf},
                       {"m": m, "q": 1.0, "r": 1 / (1 - C) ** 2, "C": C},
                       th["free_energy"], th["energy"], th["entropy"],
                       resid < 1e-12, resid, res.nit,
                       branch="retrieval", alpha_c=a,
                       message="RS retrieval spinodal at T = 0 (max of alpha(y), AGS)")


def _capacity_krsb(k):
    """k-RSB T = 0 capacity (theory/rsb/hopfield.py), as a Capacity."""
    from .rsb.hopfield import capacity_krsb
    d = capacity_krsb(k)
    kk = int(d["k"]) if not d.get("collapsed") else int(d["k"]) - 1
    ops = {"m": d["m"]}
    ops.update({f"q{l}": float(v) for l, v in enumerate(d["q"])})
    ops.update({f"y{l}": float(v) for l, v in enumerate(d["y"], start=1)})
    ops.update(c=float(d["c"]))
    msg = (f"{k}RSB retrieval spinodal at T = 0 (max over m of alpha(m); theory/rsb/hopfield.py)"
           if not d.get("collapsed") else
           f"no genuine {k}RSB saddle found at the {kk}RSB fold: the {kk}RSB capacity is returned")
    return make_capacity("hopfield", f"{k}rsb", {"T": 0.0, "beta": math.inf}, ops, d["free_energy"],
                         d["free_energy"], float("nan"), d["converged"], d["residual"], 0,
                         branch="retrieval", alpha_c=float(d["alpha_c"]), message=msg,
                         parisi={"q": [float(v) for v in d["q"]], "y": [float(v) for v in d["y"]]})


def _solve_fixed_m_1rsb(m, x0, beta=math.inf, maxiter=100):
    """1RSB retrieval saddle at prescribed m and beta (T = 0 by default): unknowns
    (alpha, q0, c1, y). Returns (x, converged, residual)."""
    def F(v, p):
        al = np.maximum(v[0], 1e-8)
        g = rsb_geometry(p["m"], v[1], v[2], v[3], al, p["beta"])
        av = rsb_averages(g)
        _, dfdy = rsb_free_energy_parts(g, av)
        return np.stack([v[0] + (av["Et"] - p["m"]), av["Et2"], av["Ec"], g["y"] + dfdy])
    r = solve_fixed_point(F, np.asarray(x0, float)[:, None],
                          {"m": np.array([m]), "beta": np.array([beta])}, tol=1e-12,
                          maxiter=maxiter, bounds=([1e-8, 0.0, 0.0, 1e-6], [1.0, 1.0, _C_MAX, np.inf]))
    return r.x[:, 0], bool(r.converged[0]), float(r.residual[0])


def _capacity_1rsb():
    rs = _capacity_rs()
    state = {"x": np.array([rs.alpha_c, 0.99, rs.order_parameters["C"], 3.0])}
    # bring the fixed-m solver onto the 1RSB branch at the RS optimum
    x, ok, _ = _solve_fixed_m_1rsb(rs.order_parameters["m"], state["x"])
    if not ok:
        raise RuntimeError("1RSB capacity: no T = 0 1RSB retrieval saddle near the RS capacity")
    state["x"] = x

    def neg_alpha(m):
        x, ok, _ = _solve_fixed_m_1rsb(m, state["x"])
        if not ok:
            return 0.0
        state["x"] = x
        return -x[0]

    opt = optimize.minimize_scalar(neg_alpha, bracket=(0.962, rs.order_parameters["m"], 0.972),
                                   tol=1e-9)
    m = opt.x
    x, ok, resid = _solve_fixed_m_1rsb(m, state["x"])
    th = rsb_thermo(m, x[1], x[2], x[3], x[0], np.inf)
    ops = {"m": m, "q0": float(th["q0"]), "q1": 1.0, "x": 0.0, "y": float(th["y"]),
           "c1": float(th["c1"]), "r0": float(th["r0"]), "r1": float(th["r1"])}
    return make_capacity("hopfield", "1rsb", {"T": 0.0, "beta": math.inf}, ops,
                       th["free_energy"], th["energy"], th["entropy"], ok, resid, opt.nfev,
                       branch="retrieval", alpha_c=float(x[0]),
                       message="1RSB retrieval spinodal at T = 0 (max over m of alpha(m), "
                               "q1 = 1, y = beta x finite)")


def _solve_fixed_m_1rsb_T(m, beta, x0, maxiter=40):
    """:func:`_solve_fixed_m_1rsb` at beta, with ok = converged and non-trivial
    (:func:`states.is_broken`). Returns (x, ok, residual)."""
    x, conv, resid = _solve_fixed_m_1rsb(m, x0, beta, maxiter)
    th = rsb_thermo(m, x[1], x[2], x[3], x[0], beta)
    ok = bool(states.is_broken(th["q0"], th["q1"], th["x"], th["y"], zero_T=not np.isfinite(beta),
                               converged=conv))
    return x, ok, resid


def _fold_1rsb_at(T, m_prev, x_prev, half=4e-3):
    """alpha_M^1RSB(T) = max over m of alpha(m) on the 1RSB retrieval branch (its fold), by a
    bounded maximisation in m around ``m_prev`` with warm-started fixed-m solves. Returns
    (alpha, m, state (alpha, q0, c1, y)) or None if no converged non-trivial fold is found."""
    beta = beta_from(T=T)
    state = {"x": np.asarray(x_prev, float).copy()}
    for _ in range(3):       # re-centre the bracket if the maximum sits on its edge
        x, ok, _ = _solve_fixed_m_1rsb_T(m_prev, beta, state["x"])
        if not ok:
            return None
        state["x"] = x

        def neg(m):
            xx, okk, _ = _solve_fixed_m_1rsb_T(m, beta, state["x"])
            if not okk:
                return 0.0
            state["x"] = xx
            return -xx[0]
        lo, hi = m_prev - half, min(m_prev + half, 1.0 - 1e-9)
        opt = optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
        m = float(opt.x)
        x, ok, _ = _solve_fixed_m_1rsb_T(m, beta, state["x"], maxiter=60)
        if not ok or opt.fun >= 0.0:
            return None
        if min(m - lo, hi - m) > 0.05 * half:
            return float(x[0]), m, x
        m_prev, state["x"] = m, x
    return None


def rsb_retrieval_converges(alpha, T, state, m, maxiter=25):
    """Whether full Newton on the 1RSB map, started from the retrieval saddle ``state``
    = (alpha', q0, c1, y) with overlap ``m``, converges at (alpha, T) to a non-trivial 1RSB
    retrieval saddle (m > 0.5, broken in the sense of :func:`states.is_broken`). Returns
    (converged, m, residual)."""
    beta = beta_from(T=T)
    # the Jacobian is singular at the fold: also start a little up the stable (higher-m) side
    dm = np.array([0.0, 1e-3, 3e-3])
    k = dm.size
    x0 = np.stack([m + dm, np.full(k, state[1]), np.full(k, state[2]), np.full(k, state[3])])
    pr = {"alpha": np.full(k, alpha), "beta": np.full(k, beta), "fixm": np.zeros(k)}
    r = solve_fixed_point(rsb_map, x0, pr, tol=1e-11, maxiter=maxiter,
                          bounds=([-1.0, 0.0, 0.0, 1e-6], [1.0, 1.0, _C_MAX, np.inf]))
    th = rsb_thermo(*r.x, np.full(k, alpha), np.full(k, beta))
    good = (r.x[0] > 0.5) & states.is_broken(th["q0"], th["q1"], th["x"], th["y"],
                                             zero_T=not np.isfinite(beta), converged=r.converged)
    j = int(np.argmax(good)) if good.any() else int(np.argmin(r.residual))
    return bool(good.any()), float(r.x[0, j]), float(r.residual[j])


def _spinodal_1rsb_line(Ts, spin_rs, cap, dT=5e-3):
    """1RSB retrieval spinodal alpha_M^1RSB(T) on the grid ``Ts`` (RS line ``spin_rs`` given).

    Where the RS saddle at the RS fold is AT-stable (replicon <= 1, i.e. above the retrieval
    AT line) the 1RSB retrieval saddle is the RS one and the line is the RS spinodal. Below,
    the fold of the 1RSB branch is followed by continuation in T from the T = 0 capacity
    (steps <= dT), each fold located by maximising alpha(m) at fixed T (see _fold_1rsb_at).
    Unconverged points are NaN with a reason."""
    n = Ts.size
    alpha = np.full(n, np.nan)
    mm = np.full(n, np.nan)
    states = np.full((n, 4), np.nan)
    rsb = np.zeros(n, bool)
    replicon = np.full(n, np.nan)
    notes = [""] * n
    op = cap.order_parameters
    def t0_fold():            # continuation restarts from the T = 0 capacity
        return {"T": 0.0, "m": op["m"], "x": np.array([cap.alpha_c, op["q0"], op["c1"], op["y"]]),
                "ok": bool(cap.converged)}
    cur = t0_fold()
    for i in np.argsort(Ts, kind="stable"):
        T = float(Ts[i])
        a_rs, m_rs = spin_rs["alpha"][i], spin_rs["m"][i]
        if T == 0.0:
            if cap.converged:
                alpha[i], mm[i], states[i], rsb[i] = cap.alpha_c, op["m"], t0_fold()["x"], True
                replicon[i] = math.inf
                notes[i] = "1RSB fold at T = 0 (capacity('1rsb'))"
            else:
                notes[i] = "T = 0 1RSB capacity not converged"
            continue
        if not np.isfinite(a_rs):
            notes[i] = "no RS retrieval fold at this T"
            continue
        beta = beta_from(T=T)
        xs, okk = _solve_fixed_m_rs(m_rs, beta, np.array([a_rs, 0.05]))
        lam = float(rs_thermo(m_rs, xs[1, 0], xs[0, 0], beta)["replicon"]) if okk[0] else math.nan
        replicon[i] = lam
        if lam <= 1.0:
            alpha[i], mm[i] = a_rs, m_rs
            notes[i] = "RS fold is AT-stable (above the retrieval AT line): 1RSB = RS"
            continue
        if not np.isfinite(lam):
            notes[i] = "RS saddle at the RS fold not converged"
            continue
        # continue the 1RSB fold in T from the last converged one (never downwards)
        if not cur["ok"] or cur["T"] > T:
            cur = t0_fold()
        steps = max(1, int(math.ceil((T - cur["T"]) / dT - 1e-9)))
        for t in np.linspace(cur["T"], T, steps + 1)[1:]:
            fold = _fold_1rsb_at(float(t), cur["m"], cur["x"])
            if fold is None:
                cur["ok"] = False
                break
            cur = {"T": float(t), "m": fold[1], "x": fold[2], "ok": True}
        if cur["ok"] and cur["T"] == T:
            alpha[i], mm[i], states[i], rsb[i] = cur["x"][0], cur["m"], cur["x"], True
            notes[i] = "1RSB fold: max over m of alpha(m) on the 1RSB retrieval branch"
        else:
            notes[i] = (f"1RSB fold not converged (continuation in T stopped at T = {cur['T']:.4g}; "
                        "RSB of the retrieval state too weak or the saddle lost)")
            cur = t0_fold()
    return dict(alpha=alpha, m=mm, state=states, rsb=rsb, replicon_rs=replicon, notes=notes)


# =====================================================================================
# phase lines
# =====================================================================================
def _fixed_m_rs_map(v, p):
    al = np.maximum(v[0], 0.0)
    a = rs_averages(p["m"], v[1], al, p["beta"])
    return np.stack([v[0] + (a["Et"] - p["m"]), a["Ec"]])


def _solve_fixed_m_rs(m, beta, x0):
    """RS retrieval saddles at prescribed m (array) and beta: unknowns (alpha, c); the
    m-equation fixes alpha. Returns x (2, n) and converged (n,)."""
    m = np.atleast_1d(np.asarray(m, float))
    x0 = np.broadcast_to(np.asarray(x0, float).reshape(2, -1), (2, m.size)).copy()
    r = solve_fixed_point(_fixed_m_rs_map, x0, {"m": m, "beta": np.full(m.size, beta)},
                          tol=1e-12, maxiter=60, bounds=([0.0, 0.0], [2.0, _C_MAX]))
    return r.x, r.converged


def _spinodal_rs(T):
    """alpha_M(T) = max_m alpha(m; T) on the RS retrieval branch (fold of the branch).

    A batched solve on a coarse m grid brackets the maximum; a bounded scalar
    maximisation (warm-started) refines it. Returns (alpha_M, m at the fold, x), with
    alpha_M = m = NaN where no retrieval saddle converged at this T."""
    beta = beta_from(T=T)
    ms = np.linspace(0.02, 0.998, 50) if T > 0 else np.linspace(0.9, 0.998, 20)
    x, ok = _solve_fixed_m_rs(ms, beta, np.array([0.05, 0.05]))
    al = np.where(ok & (x[0] > 0), x[0], 0.0)
    k = int(np.argmax(al))
    if al[k] <= 0.0:
        return math.nan, math.nan, x[:, k]
    lo, hi = ms[max(k - 1, 0)], ms[min(k + 1, ms.size - 1)]
    state = {"x": x[:, k].copy()}

    def neg(m):
        xx, okk = _solve_fixed_m_rs(m, beta, state["x"])
        if not okk[0] or xx[0, 0] <= 0:
            return 0.0
        state["x"] = xx[:, 0]
        return -xx[0, 0]
    opt = optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9})
    if opt.fun >= 0.0:
        return math.nan, math.nan, state["x"]
    return -opt.fun, opt.x, state["x"]


def _f_branch(model, level, branch, alpha, T, init=None, fallback=True):
    beta = beta_from(T=T)
    if level == "rs" or branch == "paramagnet":
        r = model._rs_batch(branch, np.array([alpha]), np.array([beta]))
    else:
        r = model._rsb_batch(branch, np.array([alpha]), np.array([beta]), init=init, fallback=fallback)
    return {k: np.asarray(v)[0] for k, v in r.items()}


def _f_glass(model, level, alpha, T):
    """Free energy of the m = 0 sector: the spin-glass saddle below T_g, else the paramagnet."""
    if T >= 1.0 + math.sqrt(alpha) - 1e-12:
        return float(_f_branch(model, "rs", "paramagnet", alpha, T)["free_energy"])
    g = _f_branch(model, level, "spin-glass", alpha, T)
    return float(g["free_energy"]) if g["converged"] else math.nan


def _f_retrieval(model, level, alpha, T):
    r = _f_branch(model, "rs", "retrieval", alpha, T)
    if not (r["converged"] and r["branch"] == "retrieval"):
        return math.nan
    # RSB of the retrieval state is exponentially weak in (m/s_h)^2, s_h = sqrt(alpha r) the
    # cross-talk width: for m/s_h > 3 the measured f_1RSB - f_RS is < 1e-11 (T = 0, alpha <= 0.1)
    # and below the solver's resolution, so the RS value is used there.
    weak = abs(r["m"]) / max(math.sqrt(alpha * r["r"]), 1e-300) > 3.0
    if level == "1rsb" and r["replicon"] > 1.0 and not weak:
        q = _f_branch(model, level, "retrieval", alpha, T, fallback=False)
        if q["converged"] and q["branch"] == "retrieval":
            return float(q["free_energy"])
        # unresolved weak RSB (correction < ~1e-9 in f): the RS value is the 1RSB value
    return float(r["free_energy"])


def _phase_lines(model, level, n, lines=None, T_values=None):
    lines = set(lines or ("spin_glass", "retrieval_spinodal", "retrieval_global", "at_retrieval"))
    out = {"level": level, "convention": CONVENTION}
    if "spin_glass" in lines:
        al = np.linspace(0.0, 0.5, n)
        Tg = []
        for a in al:
            def lam_minus_1(T):
                r = _f_branch(model, "rs", "paramagnet", a, T)
                if not r["converged"]:
                    raise RuntimeError(f"paramagnetic saddle unavailable at alpha={a}, T={T}")
                return r["replicon"] - 1.0
            Tg.append(optimize.brentq(lam_minus_1, 1.0 + 1e-9, 3.0, xtol=1e-13) if a > 0 else 1.0)
        out["spin_glass"] = {"alpha": al, "T": np.array(Tg), "exact_T": 1.0 + np.sqrt(al)}
    Ts = np.linspace(0.0, 0.95, n) if T_values is None else np.asarray(T_values, float)
    spin = None
    if lines & {"retrieval_spinodal", "retrieval_global"}:
        aM, mM = [], []
        for T in Ts:
            a, m, _ = _spinodal_rs(T)
            aM.append(a)
            mM.append(m)
        spin = {"alpha": np.array(aM), "T": Ts.copy(), "m": np.array(mM)}
        a_rs_spin = spin["alpha"].copy()
        if level == "1rsb":
            # below the retrieval AT line the 1RSB spinodal differs (RSB raises it); above it
            # (RS fold AT-stable) it is the RS one. See _spinodal_1rsb_line.
            cap = _capacity_1rsb()
            spin["alpha_T0_1rsb"] = cap.alpha_c
            L = _spinodal_1rsb_line(Ts, spin, cap)
            spin["alpha_rs"] = a_rs_spin
            spin["alpha"] = L["alpha"]
            spin["m"] = np.where(np.isfinite(L["m"]), L["m"], spin["m"])
            spin["rsb"] = L["rsb"]
            spin["replicon_rs"] = L["replicon_rs"]
            spin["state_1rsb"] = L["state"]      # (alpha, q0, c1, y) of the 1RSB fold saddle
            spin["notes"] = L["notes"]
        out["retrieval_spinodal"] = spin
    if "retrieval_global" in lines:
        ag = []
        for T, aM in zip(Ts, a_rs_spin):
            def df(a):
                fr = _f_retrieval(model, level, a, T)
                fg = _f_glass(model, level, a, T)
                return fr - fg
            try:
                lo, hi = 2e-2 * aM, aM * (1 - 1e-4)
                if level == "1rsb":
                    # f_SG(1RSB) >= f_SG(RS), so the 1RSB crossing lies beyond the RS one
                    df_rs = lambda a: _f_retrieval(model, "rs", a, T) - _f_glass(model, "rs", a, T)
                    if df_rs(lo) < 0 < df_rs(hi):
                        lo = 0.98 * optimize.brentq(df_rs, lo, hi, xtol=1e-6)
                dlo, dhi = df(lo), df(hi)
                ag.append(optimize.brentq(df, lo, hi, xtol=1e-7) if dlo < 0 < dhi else math.nan)
            except (ValueError, RuntimeError):
                ag.append(math.nan)
        out["retrieval_global"] = {"alpha": np.array(ag), "T": Ts.copy()}
    if "at_retrieval" in lines and level == "rs":
        ac = _capacity_rs().alpha_c
        al = np.linspace(ac / n, ac * (1 - 1e-3), n)
        Tat = []
        for a in al:
            def lam(T):
                r = _f_branch(model, "rs", "retrieval", a, T)
                if r["branch"] != "retrieval":
                    return -1.0
                if not r["converged"]:
                    raise ValueError(f"retrieval saddle not converged at alpha={a}, T={T}")
                return r["replicon"] - 1.0
            try:
                Tat.append(optimize.brentq(lam, 1e-7, 0.3, xtol=1e-10))
            except ValueError:
                Tat.append(math.nan)
        out["at_retrieval"] = {"alpha": al, "T": np.array(Tat)}
    return out
