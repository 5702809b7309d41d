"""Hard-constraint Franz-Parisi potentials of binary perceptrons at T = 0.

V(p) = (1/N) E ln #{tau solution : tau.sigma/N = p}, with the reference sigma drawn
uniformly from the solutions (equilibrium at T = 0); V is an entropy (the FP free
energy is -T V). V(p) = s_eq at p = the typical overlap of two solutions and, if
V(p) < 0 for p -> 1, equilibrium solutions are isolated (Huang & Kabashima 2014).

**Teacher problem** (version space of a binary teacher): uniform sampling from the
version space is Bayes-optimal, so by the Nishimori identity a reference drawn from it
is statistically the teacher itself; V(p) is then the RS entropy of the version space
at fixed teacher overlap R = p (conjugate Rh a Lagrange multiplier):
    V(p) = extr_{q, qh, Rh} [-Rh p - qh (1-q)/2 + E ln 2cosh(sqrt(qh) z + Rh) + alpha G_E(q, p)].

**Storage problem** (random labels, margin kappa). Replicas: sigma^b (RS overlap q1,
conjugate qh1: the equilibrium storage saddle point), tau^a with tau.sigma^1 = p
(fixed; Lagrange conjugate ph), tau.sigma^{b>1} = t (conjugate th), tau.tau = q (qh):
    V = -ph p + th t + qh (q - 1)/2 + G_S + alpha G_E
    G_S = E_z sum_{s=+-1} e^{sqrt(qh1) z s}/(2cosh) E_x ln 2cosh(h),
          h = (th/sqrt(qh1)) z + sqrt(qh - th^2/qh1) x + (ph - th) s
    G_E = E_z E[u1 | lambda_sigma >= kappa] E_v ln H((kappa - mu)/sqrt(1-q)),
          lambda_sigma = sqrt(q1) z + sqrt(1-q1) u1,
          mu = (t/sqrt(q1)) z + c u1 + sqrt(q - t^2/q1 - c^2) v,  c = (p - t)/sqrt(1-q1).
Stationarity (derived by integration by parts): q = E tanh^2 h, t = E tanh(h) tanh(sqrt(qh1) z),
p = E s tanh(h) (fixes ph); qh = -2 alpha dG_E/dq, th = -alpha dG_E/dt. The energetic
derivatives are central differences of the deterministic quadrature (step 1e-6).
"""
import math

import numpy as np
from scipy import optimize

from ..core.errors import ParameterError, check_range
from ..core.quaderr import QUADRATURE_TOL, error_log, estimate, nodes
from ..core.quadrature import expect, kink_nodes, legendre, log_2cosh
from ..core.solver import solve_fixed_point
from .common import log_H, log_phi
from .storage import PerceptronStorage
from .teacher import ising_site, teacher_GE

# ---- teacher --------------------------------------------------------------------------


def teacher_fp(alpha, p):
    """V(p) for the T = 0 teacher problem: dict(V, q, q_hat, R_hat, converged).
    V is NaN (converged=False) where the only RS solution has collapsed to q -> 1."""
    alpha = check_range("alpha", alpha, lo=0.0)
    p = check_range("p", p, lo=0.0, hi=1.0, hi_open=True, allowed="[0, 1)")
    if alpha == 0:
        # no data: entropy of the +-1 vectors at overlap p with the teacher
        V = -(0.5 * (1 + p) * math.log(0.5 * (1 + p)) + (0.5 * (1 - p) * math.log(0.5 * (1 - p))
                                                          if p < 1 else 0.0))
        return dict(V=V, q=p * p, q_hat=0.0, R_hat=math.atanh(p), converged=True, quadrature_error=0.0)

    def rhat(qh):
        f = lambda r: ising_site(qh, r)[1] - p
        lim = 30.0 + 12.0 * math.sqrt(max(qh, 0.0))
        return optimize.brentq(f, -lim, lim, xtol=1e-14, rtol=1e-14)

    def F(x, prm):
        q = np.clip(x[0], p * p + 1e-12, 1 - 1e-12)
        _, dq, _, _ = teacher_GE(q, np.full(q.shape, p), np.inf)
        out = np.empty_like(q)
        for k in range(q.size):
            qh = max(-2 * alpha * dq[k], 0.0)
            out[k] = ising_site(qh, rhat(qh))[2]
        return out[None]

    for f in (0.5, 0.2, 0.8, 0.05):
        r = solve_fixed_point(F, np.array([[p * p + f * (1 - p * p)]]), {},
                              bounds=([p * p], [1 - 1e-12]), tol=1e-11)
        if r.converged[0] and r.x[0, 0] < 1 - 1e-7:
            break
    else:
        # only the collapsed q -> 1 solution: no extensive RS entropy at this overlap
        return dict(V=np.nan, q=1.0, q_hat=np.inf, R_hat=np.nan, converged=False,
                    residual=float(r.residual[0]))
    q = float(np.clip(r.x[0, 0], p * p + 1e-12, 1 - 1e-12))

    def terms():
        ge, dq, _, _ = (float(v) for v in teacher_GE(q, p, np.inf))
        qh = -2 * alpha * dq
        Rh = rhat(qh)
        return ge, qh, Rh, float(ising_site(qh, Rh)[0])
    with error_log():           # a free function: its own log, so that the error is estimated
        (ge, qh, Rh, lc), qerr = estimate(terms, where="teacher FP")
    V = -Rh * p - 0.5 * qh * (1 - q) + lc + alpha * ge
    return dict(V=V, q=q, q_hat=qh, R_hat=Rh, converged=bool(r.converged[0]) and qerr <= QUADRATURE_TOL,
                residual=float(r.residual[0]), quadrature_error=float(qerr))


# ---- storage --------------------------------------------------------------------------
_XI = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0, 16.0, 22.0, 30.0])


def _truncated_nodes(u0, n=8):
    """Nodes/weights for E[f(u) | u >= u0], u ~ N(0,1); u0 (nz,) -> (nz, nu)."""
    x, wl = legendre(nodes(n))
    sc = 1.0 / np.maximum(1.0, u0)
    lo, hi = _XI[:-1], _XI[1:]
    s = ((0.5 * (hi + lo))[:, None] + (0.5 * (hi - lo))[:, None] * x).ravel()
    ws = ((0.5 * (hi - lo))[:, None] * wl).ravel()
    u = u0[:, None] + sc[:, None] * s
    lw = np.log(ws) + log_phi(u)
    w = np.exp(lw - lw.max(-1, keepdims=True))
    return u, w / w.sum(-1, keepdims=True)


def storage_fp_GE(q, t, p, q1, kappa, nz_panel=5, nv_panel=6):
    # z nodes resolving the reference's constraint edge at z = kappa/sqrt(q1) (width sqrt(1-q1)/sqrt(q1))
    z0 = kappa / math.sqrt(q1)
    h, wz = kink_nodes(np.array(-z0), np.array(1.0), np.array(min(math.sqrt((1 - q1) / q1), 1.0)),
                       n_panel=nz_panel)
    z = h + z0
    u0 = (kappa - math.sqrt(q1) * z) / math.sqrt(1 - q1)
    u, wu = _truncated_nodes(u0)                                   # (nz, nu)
    c = (p - t) / math.sqrt(1 - q1)
    d2 = q - t * t / q1 - c * c
    d = math.sqrt(max(d2, 0.0))
    mu0 = (t / math.sqrt(q1)) * z[:, None] + c * u                 # (nz, nu)
    sq = math.sqrt(1 - q)
    hv, wv = kink_nodes(mu0 - kappa, np.full(mu0.shape, d), np.full(mu0.shape, sq), n_panel=nv_panel)
    lh = log_H(-hv / sq)                                             # ln H((kappa - mu)/sqrt(1-q))
    inner = np.sum(wv * lh, -1)
    return float(expect(np.sum(wu * inner, -1), wz))


def _storage_site(qh1, qh, th, ph):
    """E over z, s = +-1 (reference weights) and x of tanh(h): returns (E ln2cosh, q, t, p)."""
    b1 = math.sqrt(qh1)
    z, wz = kink_nodes(np.array(0.0), np.array(1.0), np.array(1.0), n_panel=8)
    msig = np.tanh(b1 * z)
    wp = 0.5 * (1 + msig)                                             # P(s = +1 | z)
    bx = math.sqrt(max(qh - th * th / qh1, 0.0))
    res = np.zeros(4)
    for s, ws in ((1.0, wp), (-1.0, 1 - wp)):
        a = (th / b1) * z + (ph - th) * s
        h, wx = kink_nodes(a, np.full(a.shape, bx), np.ones_like(a), n_panel=8)
        lc = np.sum(wx * log_2cosh(h), -1)
        th_ = np.tanh(h)
        m1 = np.sum(wx * th_, -1)
        m2 = np.sum(wx * th_ * th_, -1)
        W = wz * ws
        res += np.array([W @ lc, W @ m2, W @ (m1 * msig), s * (W @ m1)])
    return res


def storage_fp(alpha, p, kappa=0.0, init=None, solve=True):
    """V(p) for the storage problem at T = 0 (reference = equilibrium solution).
    ``solve=False`` evaluates V and the map residual at ``init`` = (q, t) only."""
    alpha = check_range("alpha", alpha, lo=0.0, lo_open=True, allowed="(0, alpha_c)")
    kappa = check_range("kappa", kappa, lo=0.0)
    ref = PerceptronStorage().solve(alpha=alpha, kappa=kappa)
    if ref.entropy < 0:
        raise ParameterError(f"alpha={alpha} is above the binary capacity: no equilibrium reference")
    q1, qh1 = ref.order_parameters["q"], ref.order_parameters["q_hat"]
    p = check_range("p", p, lo=-1.0, hi=1.0, hi_open=True, allowed="[-1, 1)")
    h = 1e-6

    def hats(q, t):
        g = lambda qq, tt: storage_fp_GE(qq, tt, p, q1, kappa)
        dq = (g(q + h, t) - g(q - h, t)) / (2 * h)
        dt = (g(q, t + h) - g(q, t - h)) / (2 * h)
        return -2 * alpha * dq, -alpha * dt

    def phat(qh, th):
        # Newton on ph (dp/dph = E[1 - tanh^2 h] > 0), bracketed fallback
        ph = math.atanh(min(max(p, -0.999), 0.999)) + th
        for _ in range(30):
            _, q_, _, pp = _storage_site(qh1, qh, th, ph)
            d = 1.0 - q_
            step = (pp - p) / max(d, 1e-12)
            ph -= max(min(step, 5.0), -5.0)
            if abs(pp - p) < 1e-13:
                return ph
        f = lambda x: _storage_site(qh1, qh, th, x)[3] - p
        return optimize.brentq(f, -40, 40, xtol=1e-13, rtol=1e-13)

    def F(x, prm):
        out = np.empty_like(x)
        for k in range(x.shape[1]):
            q, t = _feasible(x[0, k], x[1, k], p, q1)
            qh, th = hats(q, t)
            ph = phat(qh, th)
            _, qn, tn, _ = _storage_site(qh1, qh, th, ph)
            out[:, k] = (qn, tn)
        return out

    x0 = np.array([[init[0]], [init[1]]]) if init is not None else \
        np.array([[max(q1, p * p) + 0.3 * (1 - max(q1, p * p))], [p * q1 if p > 0 else 0.0]])
    if solve:
        r = solve_fixed_point(F, x0, {}, bounds=([0.0, -1.0], [1 - 1e-10, 1.0]), tol=1e-9, maxiter=60)
    else:
        from ..core.solver import FixedPointResult
        res = np.max(np.abs(F(x0, {}) - x0), axis=0)
        r = FixedPointResult(x=x0, residual=res, converged=res <= 1e-9, iterations=np.zeros(1, int))
    q, t = _feasible(r.x[0, 0], r.x[1, 0], p, q1)

    def terms():
        qh, th = hats(q, t)
        ph = phat(qh, th)
        return qh, th, ph, _storage_site(qh1, qh, th, ph)[0], storage_fp_GE(q, t, p, q1, kappa)
    with error_log():
        (qh, th, ph, lc, ge), qerr = estimate(terms, where="storage FP")
    V = -ph * p + th * t + 0.5 * qh * (q - 1) + lc + alpha * ge
    return dict(V=V, q=q, t=t, q_hat=qh, t_hat=th, p_hat=ph, q1=q1, s_eq=ref.entropy,
                converged=bool(r.converged[0]) and qerr <= QUADRATURE_TOL, residual=float(r.residual[0]),
                quadrature_error=float(qerr))


def _feasible(q, t, p, q1):
    """Keep (q, t) inside the positive-definite region q >= t^2/q1 + (p-t)^2/(1-q1)."""
    q = min(max(q, 1e-9), 1 - 1e-10)
    lo = t * t / q1 + (p - t) ** 2 / (1 - q1)
    if lo > q:
        q = min(lo + 1e-12, 1 - 1e-10)
    return q, t
