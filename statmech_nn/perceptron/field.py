"""Field-space variational learning of a binary teacher (Li, Huang, Zou & Huang 2023).

The student is a factorised posterior over binary weights with means m_i = tanh(theta_i)
(fields theta). With the Gaussian-field approximation of the preactivation, one
example costs  -ln H(-y m.x / sqrt(sum_i (1 - m_i^2) x_i^2)), and for +-1 inputs the
denominator is sqrt(N (1 - Q)), Q = |m|^2/N. The minimisers reached by SGD are
modelled by the Gibbs measure over m in [-1, 1]^N (flat reference measure) at inverse
temperature beta_T = 1/T, optionally with a KL term gamma1 * KL(q_m || uniform) in
the objective. RS free entropy per weight (teacher gauged to +1):

    Phi = -Qh Q + qh q/2 - rh R + G_S(qh, rh, Qh) + alpha G_E(q, R, Q)
    G_S = E_z ln int_{-1}^{1} dm exp[(Qh - qh/2) m^2 + (sqrt(qh) z + rh) m + k S(m)],  k = beta_T gamma1
    G_E = 2 E_z H(-R z/sqrt(q-R^2)) ln E_x H(-g)^{beta_T},  g = (sqrt(q) z + sqrt(Q-q) x)/sqrt(1-Q)

Stationarity: q = E<m>^2, R = E<m>, Q = E<m^2>; qh = -2 alpha dG_E/dq,
rh = alpha dG_E/dR, Qh = alpha dG_E/dQ. The clipped student sign(m) has teacher
overlap p = E<sign m> and error eps = arccos(p)/pi (sign(0) = +1 is a null set here).

Quadrature (no Monte Carlo): z and x by composite Gauss-Legendre with breakpoints at
the kinks (:func:`statmech_nn.core.quadrature.kink_nodes`), the m-integral in
t = atanh(m) (:func:`statmech_nn.perceptron.common.t_rule`), where the edge layers of
width 1/h at large fields become O(1) features. derivations/perceptron.py checks the
hand-coded derivatives against SymPy.
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from ..core.errors import ParameterError
from ..core.path import load_path
from ..core.quadrature import expect, kink_nodes
from ..core.result import make_result
from ..core.solver import solve_fixed_point
from ..theory.base import Param, TheoryModel
from .common import H, binary_entropy_t, eps_from_overlap, log_H, log_phi, mills, t_panel, t_rule, z_rule

SMALL = 1e-12


def _clamp(q, R, Q):
    Q = np.clip(Q, 1e-9, 1 - 1e-10)
    q = np.clip(q, 1e-12, Q * (1 - 1e-10))
    lim = np.sqrt(q) * (1 - 1e-10)
    R = np.clip(R, -lim, lim)
    return q, R, Q


def field_GE_integrand(z, x, q, R, Q, beta):
    """Pointwise pieces for G_E (see module docstring). z: (..., nz, 1), x: (..., nz, nx).
    Returns the z-integrands of G_E, dq, dR, dQ, E ln H and, separately, per-(z, x)
    the log-weight beta ln H(-g) and the x-integrands of dL/dq, dL/dQ (for checks)."""
    s2 = q - R * R
    s = np.sqrt(s2)
    a = R / s
    sQ = np.sqrt(1 - Q)
    sd = np.sqrt(Q - q)
    g = (np.sqrt(q) * z + sd * x) / sQ
    lh = log_H(-g)
    mg = mills(-g)  # d ln H(-g)/dg
    dg_dq = (z / (2 * np.sqrt(q)) - x / (2 * sd)) / sQ
    dg_dQ = x / (2 * sd * sQ) + g / (2 * (1 - Q))
    return dict(g=g, lh=lh, mg=mg, dg_dq=dg_dq, dg_dQ=dg_dQ, a=a,
                da_dR=q / (s2 * s), da_dq=-R / (2 * s2 * s))


def field_GE(q, R, Q, beta, n_panel=10):
    """(G_E, dG_E/dq, dG_E/dR, dG_E/dQ, E_z 2H(-az) <ln H(-g)>_x), batched (1-D arrays)."""
    q, R, Q, beta = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in (q, R, Q, beta)))
    q, R, Q = _clamp(q, R, Q)
    a = np.abs(R) / np.sqrt(q - R * R)
    z, wz = z_rule(1.0 / np.maximum(1.0, a), n_panel)              # (nb, nz)
    c = np.sqrt(q)[:, None] * z / np.sqrt(1 - Q)[:, None]            # g = c + d x
    d = (np.sqrt(Q - q) / np.sqrt(1 - Q))[:, None] * np.ones_like(z)
    width = (1.0 / np.sqrt(beta))[:, None] * np.ones_like(z)
    gx, wx = kink_nodes(c, d, width, n_panel=n_panel)                # (nb, nz, nx)
    x = (gx - c[..., None]) / d[..., None]
    P = {k: v[:, None, None] for k, v in dict(q=q, R=R, Q=Q, beta=beta).items()}
    p = field_GE_integrand(z[..., None], x, P["q"], P["R"], P["Q"], P["beta"])
    bl = P["beta"] * p["lh"] + np.log(np.maximum(wx, 1e-300))
    L = logsumexp(bl, axis=-1)                                       # (nb, nz) ln D(z)
    px = np.exp(bl - L[..., None])                                   # tilted x-weights
    dLq = P["beta"][..., 0] * np.sum(px * p["mg"] * p["dg_dq"], -1)
    dLQ = P["beta"][..., 0] * np.sum(px * p["mg"] * p["dg_dQ"], -1)
    elh = np.sum(px * p["lh"], -1)
    a_ = p["a"][..., 0]
    A = H(-a_ * z)
    pa = np.exp(log_phi(a_ * z))
    ge = expect(2 * A * L, wz)
    dR = expect(2 * z * pa * p["da_dR"][..., 0] * L, wz)
    dq = expect(2 * (z * pa * p["da_dq"][..., 0] * L + A * dLq), wz)
    dQ = expect(2 * A * dLQ, wz)
    e = expect(2 * A * elh, wz)
    return ge, dq, dR, dQ, e


def site_moments(qh, rh, Qh, kappa=0.0, extra_field=None, n_panel=10):
    """Single-site measure exp[(Qh - qh/2) m^2 + (sqrt(qh) z + rh) m + kappa S(m)] on [-1,1]
    (flat dm), averaged over z: returns E ln Z, E<m>, E<m>^2, E<m^2>, E<sign m>.

    ``extra_field`` (optional, shape (nb, k) with probability weights (nb, k)) adds a
    field of a discrete random variable, see :mod:`continual`."""
    qh, rh, Qh, kappa = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in (qh, rh, Qh, kappa)))
    b = np.sqrt(np.maximum(qh, 0.0))
    h, wz = kink_nodes(rh, b, np.ones_like(b), n_panel=n_panel)     # (nb, nz) fields
    t, logw, m = t_rule(fine=t_panel(kappa))
    A = (Qh - 0.5 * qh)[:, None, None]
    lw = logw + A * m * m + h[..., None] * m + kappa[:, None, None] * binary_entropy_t(t)
    lz = logsumexp(lw, axis=-1)
    pm = np.exp(lw - lz[..., None])
    m1 = np.sum(pm * m, -1)
    m2 = np.sum(pm * m * m, -1)
    ms = np.sum(pm * np.where(t >= 0, 1.0, -1.0), -1)
    return expect(lz, wz), expect(m1, wz), expect(m1 * m1, wz), expect(m2, wz), expect(ms, wz)


def _hats(q, R, Q, alpha, beta):
    ge, dq, dR, dQ, e = field_GE(q, R, Q, beta)
    on = alpha > 0
    return (np.where(on, -2 * alpha * dq, 0.0), np.where(on, alpha * dR, 0.0),
            np.where(on, alpha * dQ, 0.0), ge, e)


def field_map(x, p):
    """Undamped map (q, R, Q) -> (E<m>^2, E<m>, E<m^2>)."""
    q, R, Q = _clamp(x[0], x[1], x[2])
    qh, rh, Qh, _, _ = _hats(q, R, Q, p["alpha"], p["beta"])
    _, m1, mm, m2, _ = site_moments(qh, rh, Qh, p["beta"] * p["gamma1"])
    return np.stack([mm, m1, m2])


def check_field_T(p):
    if math.isinf(p["beta"]):
        raise ParameterError("T=0 is outside the allowed range (0, inf) for the field-space models "
                             "(the Gibbs measure over m needs a finite beta_T)")


def _even(a, step):
    """Evenly spaced loads a/n, ..., a with n = ceil(a / step) (the continuation up to a)."""
    n = max(1, int(math.ceil(a / step)))
    return np.linspace(a / n, a, n)


@dataclass
class PerceptronField(TheoryModel):
    """Field-space variational learning of a binary teacher (Gibbs measure over means m)."""
    name: str = "perceptron-field"
    levels: tuple = ("rs",)
    params: tuple = field(default_factory=lambda: (
        Param("alpha", "load P/N (alpha = 0: no data)", lo=0.0, hi=1e6, allowed="[0, 1e6]"),
        Param("gamma1", "weight of KL(q_m || uniform) in the objective", lo=0.0, default=0.0,
              allowed="[0, inf)"),
    ))
    convention: str = ("T = 1/beta_T multiplies the variational objective; Phi per weight with flat dm "
                       "on [-1,1]; eps = arccos(p)/pi for the clipped student sign(m)")

    HIGH_START = (0.97, 0.98, 0.975)
    #: the well-generalising branch is searched for (branch=None) only from this load on: at
    #: beta_T = 20 a direct start did not converge at alpha = 1.0, 1.2, 1.3 (40 Newton steps), it
    #: exists at 1.5 and the transition is at 1.5641; a failed search costs a whole solve.
    #: Use branch="high" explicitly elsewhere.
    HIGH_MIN_ALPHA = 1.4

    def solve_raw(self, alpha, beta, gamma1=0.0, init=None, path_step=0.25, branch="low"):
        """Solve at one point by continuation in alpha from the no-data limit
        (``branch='low'``), directly from a well-generalising start (``branch='high'``)
        or from ``init`` = (q, R, Q). Returns the FixedPointResult."""
        if init is None and branch == "high" and alpha > 0:
            init = self.HIGH_START
        if init is not None:
            path, x0 = [alpha], np.asarray(init, float).reshape(3, 1)
        else:
            path, x0 = load_path(alpha, lambda a: _even(a, path_step)), np.array([[0.01], [0.05], [0.34]])
            if alpha == 0:
                path = [0.0]
        if alpha == 0:  # no data: the flat measure, solved exactly by one map evaluation
            pp = {"alpha": np.array([0.0]), "beta": np.array([beta]), "gamma1": np.array([gamma1])}
            x = field_map(np.array([[0.0], [0.0], [0.5]]), pp)
            res = np.max(np.abs(field_map(x, pp) - x), axis=0)
            from ..core.solver import FixedPointResult
            return FixedPointResult(x=x, residual=res, converged=res <= 1e-10, iterations=np.zeros(1, int))
        for a in path:
            r = solve_fixed_point(field_map, x0, {"alpha": np.array([a]), "beta": np.array([beta]),
                                                  "gamma1": np.array([gamma1])},
                                  bounds=([0.0, -1.0, 0.0], [1.0, 1.0, 1.0]), tol=1e-10,
                                  maxiter=40 if branch == "high" else 100)
            if r.converged[0]:
                x0 = r.x
        return r

    def evaluate(self, x, alpha, beta, gamma1=0.0):
        """All observables at order parameters x = (q, R, Q)."""
        q, R, Q = (float(v) for v in x)
        if alpha == 0:
            qh = rh = Qh = 0.0
            ge = e = 0.0
        else:
            qc, Rc, Qc = _clamp(q, R, Q)
            qh, rh, Qh, ge, e = (float(np.squeeze(v)) for v in _hats(qc, Rc, Qc, alpha, beta))
        lz, m1, mm, m2, ms = (float(np.squeeze(v)) for v in site_moments(qh, rh, Qh, beta * gamma1))
        phi = -Qh * Q + 0.5 * qh * q - rh * R + lz + alpha * ge
        energy = -alpha * e  # mean data loss per weight (-ln H summed / N), plus KL part in phi
        return dict(q=q, R=R, Q=Q, q_hat=qh, r_hat=rh, Q_hat=Qh, p=ms, phi=phi,
                    free_energy=-phi / beta, energy=energy, entropy=phi + beta * energy,
                    generalization_error=float(eps_from_overlap(ms)),
                    eps_mean=float(eps_from_overlap(R / math.sqrt(max(Q, 1e-300)))))

    def solve(self, level="rs", branch=None, init=None, **params):
        level = self.check_level(level)
        p = self.check_params(params)
        check_field_T(p)
        a, b, g1 = p["alpha"], p["beta"], p["gamma1"]
        if branch not in (None, "low", "high"):
            raise ParameterError(f"branch={branch!r} is not one of low, high (or none)")
        if init is not None:
            r = self.solve_raw(a, b, g1, [init["q"], init["R"], init["Q"]])
            lab, o = "init", self.evaluate(r.x[:, 0], a, b, g1)
        else:
            r, lab, o = self._select(a, b, g1, [branch] if branch else ["low", "high"])
        op = {k: o[k] for k in ("q", "R", "Q", "q_hat", "r_hat", "Q_hat", "p")}
        return make_result(self.name, level, p, op, o["free_energy"], o["energy"], o["entropy"],
                           bool(r.converged[0]), float(r.residual[0]), int(r.iterations[0]),
                           branch=lab, generalization_error=o["generalization_error"],
                           eps_mean=o["eps_mean"]).warn_if_unconverged()

    def _select(self, a, b, g1, branches):
        """Solve each branch; return the converged one with the largest free entropy Phi
        (smallest f = -Phi/beta_T). Branches that land on the same point are merged."""
        best = None
        for br in branches:
            if br == "high" and a < self.HIGH_MIN_ALPHA and len(branches) > 1:
                continue
            r = self.solve_raw(a, b, g1, branch=br)
            o = self.evaluate(r.x[:, 0], a, b, g1)
            cand = (bool(r.converged[0]), o["phi"], r, br, o)
            if best is None or (cand[0] and (not best[0] or cand[1] > best[1] + 1e-12)):
                best = cand
        return best[2], best[3], best[4]

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        self.check_level(level)
        arrays = self.check_arrays(arrays)
        a, b, g = np.broadcast_arrays(*(np.asarray(arrays[k], float) for k in ("alpha", "beta", "gamma1")))
        keys = ["q", "R", "Q", "p", "free_energy", "energy", "entropy", "generalization_error",
                "converged", "residual", "iterations"]
        out = {k: [] for k in keys}
        for ai, bi, gi in zip(a.ravel(), b.ravel(), g.ravel()):
            r = self.solve(level, alpha=ai, beta=bi, gamma1=gi)
            for k in keys:
                out[k].append(r["order_parameters"][k] if k in ("q", "R", "Q", "p") else r[k])
        return {k: np.reshape(np.array(v), a.shape) for k, v in out.items()}


def _one_way(fm, alphas, beta, gamma1, branch):
    out, x0, prev = {}, None, None
    for a in alphas:
        near = x0 is not None and abs(a - prev) <= 0.5
        r = fm.solve_raw(a, beta, gamma1, x0 if near else None, branch=branch)
        if not r.converged[0] and near:
            r = fm.solve_raw(a, beta, gamma1, branch=branch)
        o = fm.evaluate(r.x[:, 0], a, beta, gamma1)
        o["converged"] = bool(r.converged[0])
        out[a] = o
        if r.converged[0] and a > 0:
            x0, prev = r.x[:, 0], a
    return out


def sweep_alpha(alphas, T, gamma1=0.0, both_branches=True):
    """Observables along ``alphas``: the low branch by forward continuation from alpha = 0,
    the high (well-generalising) branch by backward continuation from the largest alpha;
    at every alpha the converged branch with the larger free entropy is returned
    (``branch`` = 'low' | 'high'; both branches are kept under ``low``/``high``)."""
    fm = PerceptronField()
    beta = 1.0 / T
    al = sorted(alphas)
    low = _one_way(fm, al, beta, gamma1, "low")
    al_high = [a for a in al if a >= fm.HIGH_MIN_ALPHA]
    high = _one_way(fm, al_high[::-1], beta, gamma1, "high") if both_branches else {}
    out = []
    for a in alphas:
        o, br = low[a], "low"
        h = high.get(a)
        if h is not None and h["converged"] and (not o["converged"] or h["phi"] > o["phi"] + 1e-12):
            o, br = h, "high"
        o = dict(o, branch=br, low=low[a], high=h)
        out.append(o)
    return out


def transition_alpha(T, lo, hi, gamma1=0.0, xtol=1e-6):
    """First-order transition of the field model: the alpha in [lo, hi] where the low and
    high branches have equal free entropy (both must exist on the bracket). Returns
    dict(alpha_c, eps_low, eps_high)."""
    from scipy import optimize
    fm = PerceptronField()
    beta = 1.0 / T
    state, eps = {}, {}

    def dphi(a):
        rl = fm.solve_raw(a, beta, gamma1, state.get("low"), branch="low")
        rh = fm.solve_raw(a, beta, gamma1, state.get("high"), branch="high")
        if not (rl.converged[0] and rh.converged[0]):
            raise RuntimeError(f"a branch did not converge at alpha={a}")
        state["low"], state["high"] = rl.x[:, 0], rh.x[:, 0]
        ol, oh = fm.evaluate(rl.x[:, 0], a, beta, gamma1), fm.evaluate(rh.x[:, 0], a, beta, gamma1)
        eps[a] = (ol["generalization_error"], oh["generalization_error"])
        return oh["phi"] - ol["phi"]

    ac = optimize.brentq(dphi, lo, hi, xtol=xtol)
    if ac not in eps:  # brentq returns a point it evaluated; guard against that changing
        dphi(ac)
    return {"alpha_c": ac, "eps_low": eps[ac][0], "eps_high": eps[ac][1]}
