"""Independent reference integrals by nested adaptive quadrature (scipy.integrate.quad).

Written from the equations in docs/perceptron.md and the model docstrings, without the
package's quadrature: every Gaussian integral runs over the whole real line, split at the
peak of its (log-)integrand, which is located with a bracketing root finder. Slow (seconds
per nested integral); used by the tests and by ``python tests/quad_reference.py``, which
solves the field-model saddle point of issue 11 (alpha = 1, beta_T = 20) from scratch.
"""
import math

import numpy as np
from scipy import integrate, optimize, special

EPS = 1e-13


def _quad(f, a, b, points=None):
    kw = dict(epsabs=0.0, epsrel=EPS, limit=400)
    if points is not None and np.isfinite(a) and np.isfinite(b):
        kw["points"] = points
    return integrate.quad(f, a, b, **kw)[0]


def log_Phi(g):
    return special.log_ndtr(g)


def mills_Phi(g):
    """phi(g)/Phi(g)."""
    return math.exp(-0.5 * g * g - 0.5 * math.log(2 * math.pi) - special.log_ndtr(g))


def phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def gauss_expect(fun, centre=0.0, scale=1.0):
    """E_z fun(z), z ~ N(0, 1), adaptive on (-inf, c), (c, inf) around ``centre``, plus a
    finite window of width 12 * ``scale`` on each side (so that narrow features are seen)."""
    f = lambda z: phi(z) * fun(z)
    c, w = centre, 12.0 * scale
    return (_quad(f, -np.inf, c - w) + _quad(f, c - w, c) + _quad(f, c, c + w) + _quad(f, c + w, np.inf))


def _qvec(f, a, b, epsrel, epsabs=0.0):
    return integrate.quad_vec(f, a, b, epsabs=epsabs, epsrel=epsrel, norm="max", limit=400)[0]


def tilted_log_expect(logt, dlogt, funs=()):
    """ln E_x exp(logt(x)) and the tilted averages E_t[f] of ``funs``; x ~ N(0, 1), logt concave.

    The peak x* of ell = -x^2/2 + logt(x) is found by brentq on ell'; since ell'' <= -1 the
    mass beyond |x - x*| = 40 is below e^-800, so exp(ell - ell*) is integrated adaptively
    on [x* - 40, x*] and [x*, x* + 40]."""
    ell = lambda x: -0.5 * x * x + logt(x)
    d = lambda x: -x + dlogt(x)
    lo, hi = -1.0, 1.0
    while d(lo) < 0:
        lo *= 2
    while d(hi) > 0:
        hi *= 2
    xs = optimize.brentq(d, lo, hi, xtol=1e-14, rtol=1e-15)
    l0 = ell(xs)

    def g(x):
        w = math.exp(ell(x) - l0)
        return np.array([w] + [w * f(x) for f in funs])
    v = _qvec(g, xs - 40.0, xs, EPS) + _qvec(g, xs, xs + 40.0, EPS)
    return l0 + math.log(v[0]) - 0.5 * math.log(2 * math.pi), v[1:] / v[0]


# ---- field model: G_E = 2 E_z H(-a z) ln E_x Phi(g)^beta ------------------------------
def field_inner(z, q, Q, beta):
    """ln E_x Phi(g)^beta and the tilted averages of beta M(g) dg/dq, beta M(g) dg/dQ."""
    sQ, sd = math.sqrt(1 - Q), math.sqrt(Q - q)
    c, d = math.sqrt(q) * z / sQ, sd / sQ
    logt = lambda x: beta * log_Phi(c + d * x)
    dlogt = lambda x: beta * d * mills_Phi(c + d * x)
    dgq = lambda x: (z / (2 * math.sqrt(q)) - x / (2 * sd)) / sQ
    dgQ = lambda x: x / (2 * sd * sQ) + (c + d * x) / (2 * (1 - Q))
    L, (eq, eQ) = tilted_log_expect(logt, dlogt, (lambda x: beta * mills_Phi(c + d * x) * dgq(x),
                                                  lambda x: beta * mills_Phi(c + d * x) * dgQ(x)))
    return L, eq, eQ


def field_GE(q, R, Q, beta, zmax=14.0):
    """(G_E, dG_E/dq, dG_E/dR, dG_E/dQ) by nested adaptive quadrature (outer z on
    [-zmax, zmax], split at 0 and at +-3/max(1, |a|), where H(-a z) switches)."""
    s2 = q - R * R
    s = math.sqrt(s2)
    a = R / s
    da_dR, da_dq = q / (s2 * s), -R / (2 * s2 * s)

    def f(z):
        L, eq, eQ = field_inner(z, q, Q, beta)
        Ha, pa = special.ndtr(a * z), phi(a * z)
        return 2 * phi(z) * np.array([Ha * L, z * pa * da_dq * L + Ha * eq, z * pa * da_dR * L, Ha * eQ])
    w = 3.0 / max(1.0, abs(a))
    edges = [-zmax, -w, 0.0, w, zmax]
    return tuple(sum(_qvec(f, lo, hi, 1e-12, 1e-14) for lo, hi in zip(edges[:-1], edges[1:])))


def site_inner(h, A, kappa=0.0):
    """ln int_{-1}^{1} dm exp(A m^2 + h m + kappa S(m)), <m>, <m^2>, <sign m>."""
    S = lambda m: -special.xlogy(0.5 * (1 + m), 0.5 * (1 + m)) - special.xlogy(0.5 * (1 - m), 0.5 * (1 - m))
    e = lambda m: A * m * m + h * m + kappa * S(m)
    grid = np.linspace(-1, 1, 4001)
    top = float(np.max(e(grid)))
    pts = sorted({0.0, *(float(x) for x in np.clip([1 - 1 / (abs(h) + 1), -1 + 1 / (abs(h) + 1)], -1, 1))})
    w = lambda m, k: m ** k * math.exp(e(m) - top)
    Z = _quad(lambda m: w(m, 0), -1, 1, pts)
    m1 = _quad(lambda m: w(m, 1), -1, 1, pts) / Z
    m2 = _quad(lambda m: w(m, 2), -1, 1, pts) / Z
    ms = (_quad(lambda m: w(m, 0), 0, 1) - _quad(lambda m: w(m, 0), -1, 0)) / Z
    return top + math.log(Z), m1, m2, ms


def site_moments(qh, rh, Qh, kappa=0.0):
    """E_z of ln Z, <m>, <m>^2, <m^2>, <sign m> for h = sqrt(qh) z + rh, A = Qh - qh/2."""
    A, b = Qh - 0.5 * qh, math.sqrt(qh)
    cache = {}

    def s(z):
        if z not in cache:
            cache[z] = site_inner(b * z + rh, A, kappa)
        return cache[z]
    sc = 1.0 / max(1.0, b)
    z0 = -rh / b if b > 0 else 0.0
    E = lambda k: gauss_expect(lambda z: s(z)[k], z0, sc)
    return (E(0), E(1), gauss_expect(lambda z: s(z)[1] ** 2, z0, sc), E(2), E(3))


def field_map(x, alpha, beta):
    q, R, Q = x
    _, dq, dR, dQ = field_GE(q, R, Q, beta)
    qh, rh, Qh = -2 * alpha * dq, alpha * dR, alpha * dQ
    _, m1, mm, m2, ms = site_moments(qh, rh, Qh)
    return np.array([mm, m1, m2]), ms


def solve_field(alpha, beta, x0):
    """The saddle (q, R, Q) by scipy.optimize.root (hybr) on the nested-quadrature map."""
    r = optimize.root(lambda x: field_map(x, alpha, beta)[0] - x, x0, method="hybr",
                      options=dict(xtol=1e-12))
    F, ms = field_map(r.x, alpha, beta)
    return r.x, np.max(np.abs(F - r.x)), ms


# ---- teacher and storage energetic terms (one Gaussian integral each) ------------------------
def _line(f, edges, epsrel=1e-12, epsabs=1e-15):
    return sum(_qvec(f, lo, hi, epsrel, epsabs) for lo, hi in zip(edges[:-1], edges[1:]))


def teacher_GE(q, R, beta):
    """(G_E, dG_E/dq, dG_E/dR) of the teacher model, G_E = 2 E_z H(-a z) ln Z(b z),
    Z(u) = e^-beta + (1 - e^-beta) Phi(u) (beta = inf: Z = Phi)."""
    s = math.sqrt(q - R * R)
    a, b = R / s, math.sqrt(q / (1 - q))
    da_dR, da_dq = q / s ** 3, -R / (2 * s ** 3)
    db_dq = 1.0 / (2 * math.sqrt(q) * (1 - q) ** 1.5)

    def lnZ(u):
        lp = special.log_ndtr(u)
        if math.isinf(beta):
            return lp, mills_Phi(u)
        lz = np.logaddexp(-beta, math.log1p(-math.exp(-beta)) + lp)
        return lz, math.exp(math.log1p(-math.exp(-beta)) - 0.5 * u * u - 0.5 * math.log(2 * math.pi) - lz)

    def f(z):
        lz, dz = lnZ(b * z)
        Ha, pa = special.ndtr(a * z), phi(a * z)
        return 2 * phi(z) * np.array([Ha * lz, z * pa * da_dq * lz + Ha * dz * z * db_dq, z * pa * da_dR * lz])
    w = 3.0 / max(1.0, abs(a), b)
    return tuple(_line(f, [-40.0, -w, 0.0, w, 40.0]))


def storage_GE(q, kappa):
    """(G_E, dG_E/dq) of the storage model, G_E = E_z ln H((kappa - sqrt(q) z)/sqrt(1 - q))."""
    s, sq = math.sqrt(1 - q), math.sqrt(q)

    def f(z):
        u = (kappa - sq * z) / s
        dudq = -z / (2 * sq * s) + (kappa - sq * z) / (2 * s ** 3)
        return phi(z) * np.array([special.log_ndtr(-u), -mills_Phi(-u) * dudq])
    z0 = kappa / sq
    w = 3.0 * min(s / sq, 1.0)
    return tuple(_line(f, [-40.0, z0 - w, z0, z0 + w, 40.0]))


# ---- 1RSB tilted inner averages ------------------------------------------------------------
def tilted_inner(w, sig, beta, x):
    """ln E_z cosh^x(beta u) and the tilted averages of tanh, tanh^2, ln cosh, sech^4 of beta u,
    u = w + sig z; adaptive quadrature of exp(ell - max ell) on a grid-located window."""
    lc = lambda u: abs(u) + math.log1p(math.exp(-2 * abs(u))) - math.log(2.0)
    ell = lambda z: -0.5 * z * z + x * lc(beta * (w + sig * z))
    zs = np.linspace(-60, 60, 24001)
    top = max(ell(z) for z in zs[::40])
    zk = -w / sig

    def g(z):
        bu = beta * (w + sig * z)
        e = math.exp(ell(z) - top)
        t = math.tanh(bu)
        s2 = 1 - t * t if abs(bu) < 20 else 4 * math.exp(-2 * abs(bu))
        return e * np.array([1.0, t, t * t, lc(bu), s2 * s2])
    pts = sorted({-60.0, 60.0, *np.clip([zk - 10 / (beta * sig), zk, zk + 10 / (beta * sig)], -60, 60)})
    v = _line(g, pts, 1e-13, 0.0)
    return {"lnZ": top + math.log(v[0]) - 0.5 * math.log(2 * math.pi), "t": v[1] / v[0], "t2": v[2] / v[0],
            "lc": v[3] / v[0], "s4": v[4] / v[0]}


def tilted_inner_T0(w, sig, y):
    """ln E_z e^{y|u|}, <sgn u>, <|u|> for u = w + sig z (adaptive quadrature)."""
    ell = lambda z: -0.5 * z * z + y * abs(w + sig * z)
    top = max(ell(z) for z in np.linspace(-60, 60, 2401))
    g = lambda z: math.exp(ell(z) - top) * np.array([1.0, math.copysign(1.0, w + sig * z), abs(w + sig * z)])
    v = _line(g, [-60.0, -w / sig, 60.0], 1e-13, 0.0)
    return {"lnZ": top + math.log(v[0]) - 0.5 * math.log(2 * math.pi), "sgn": v[1] / v[0], "absu": v[2] / v[0]}


if __name__ == "__main__":
    import time
    t0 = time.time()
    x, res, p = solve_field(1.0, 20.0, [0.849057, 0.605352, 0.911751])
    print("q, R, Q =", x, "residual", res, "p", p, "eps", math.acos(p) / math.pi,
          f"({time.time() - t0:.0f} s)")
