"""Teacher-student Gibbs learning of a binary teacher by a binary student.

Teacher w* uniform in {-1,1}^N, labels y = sign(w*.x) (sign(0) = +1), P = alpha N
Gaussian (or Rademacher, large N) inputs. Student w in {-1,1}^N with the Gibbs
measure exp(-beta E(w)), E(w) = number of training errors. With the teacher
gauged to w* = (1,...,1) the RS free entropy per weight is

    Phi = -Rh R - qh (1-q)/2 + E_z ln 2cosh(sqrt(qh) z + Rh) + alpha G_E(q, R)
    G_E = 2 E_z H(-a z) ln Z(b z),   a = R/sqrt(q-R^2),  b = sqrt(q/(1-q)),
    Z(u) = e^{-beta} + (1 - e^{-beta}) H(-u)          (T = 0: Z = H(-u), version space)

(Gyorgyi 1990; Sompolinsky, Tishby & Seung 1990). Stationarity: q = E tanh^2,
R = E tanh, qh = -2 alpha dG_E/dq, Rh = alpha dG_E/dR. Energy e = alpha * training
error per pattern, f = -T Phi, s = Phi + beta e. Generalisation error
eps = arccos(R)/pi.

At T = 0 the posterior is the uniform measure on the version space, which is
Bayes-optimal: the Nishimori identity q = R holds. The R < 1 ("poor") branch then
is a curve alpha(q) (q parametrises it), the perfect state R = q = 1 has entropy 0,
the first-order transition alpha_c is where the poor branch's entropy vanishes
(1.2447; Gyorgyi 1990 "1.245") and the spinodal alpha_sp is the maximum of alpha(q)
(1.4926). The perfect state R = q = 1 is an exact RS solution with Phi = 0 at every
T (a fraction d of wrong weights costs ~ alpha sqrt(d) errors per weight but gains only
d ln(1/d) entropy), so the thermodynamic state is the poor branch while its Phi > 0.
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from ..core.errors import ParameterError, beta_from
from ..core.path import load_path
from ..core.quaderr import estimate
from ..core.quadrature import expect, kink_nodes, log_2cosh
from ..core.result import make_result
from ..core.typed import make_capacity
from ..core.solver import solve_fixed_point
from ..theory import states
from ..theory.base import Param, TheoryModel
from ..theory.contract import Contract, Point
from .common import H, eps_from_overlap, log_H, log_phi

Q_MAX = 1.0 - 1e-13
#: panel edges around the saturation point u_beta of ln Z, in units of its width 1/|u_beta|
_SAT_BREAKS = np.array([-12.0, -4.0, -1.2, -0.3, 0.0, 0.3, 1.2, 4.0, 12.0])


def _lnZ_parts(u, beta):
    """ln Z(u), Z'(u)/Z(u), e^{-beta} H(u)/Z(u) for Z = e^{-beta} + (1-e^{-beta}) H(-u)."""
    lh = log_H(-u)  # ln Phi(u)
    if np.all(np.isinf(beta)):
        return lh, np.exp(log_phi(u) - lh), np.zeros_like(u)
    eb = np.exp(-beta)
    l1 = np.log1p(-eb)
    lz = np.logaddexp(-beta, l1 + lh)
    return lz, np.exp(l1 + log_phi(u) - lz), np.exp(-beta + log_H(u) - lz)


def teacher_GE_integrand(z, q, R, beta):
    """Integrands (in z, weight Dz) of G_E, dG_E/dq, dG_E/dR and of the training error."""
    s2 = np.maximum(q - R * R, 1e-300)
    s = np.sqrt(s2)
    a = R / s
    b = np.sqrt(q / (1.0 - q))
    lz, dz, err = _lnZ_parts(b * z, beta)
    Ha = H(-a * z)
    pa = np.exp(log_phi(a * z))
    da_dR = q / (s2 * s)
    da_dq = -R / (2 * s2 * s)
    db_dq = 1.0 / (2.0 * np.sqrt(np.maximum(q, 1e-300)) * (1 - q) ** 1.5)
    ge = 2 * Ha * lz
    dR = 2 * z * pa * da_dR * lz
    dq = 2 * (z * pa * da_dq * lz + Ha * dz * z * db_dq)
    return ge, dq, dR, 2 * Ha * err


def _saturation(beta):
    """u_beta where ln Z(u) switches from ln Phi(u) to -beta: Phi(u_beta) = e^-beta/(1 - e^-beta)
    (-inf at T = 0); the switch has width ``1/|u_beta|`` in u."""
    with np.errstate(over="ignore", divide="ignore"):
        p = np.exp(-beta) / -np.expm1(-beta)
        u = np.where(p > 1e-300, special.ndtri(np.minimum(p, 0.5)), -np.sqrt(2.0 * beta))
    return np.where(np.isfinite(beta), u, -np.inf)


def teacher_GE(q, R, beta, n_panel=12):
    """G_E, dG_E/dq, dG_E/dR, training error per pattern; batched over q, R, beta.

    z-rule: kinks at z = 0 (H(-a z) and Phi(b z) switch on the scales 1/a and 1/b) and, at finite
    beta, where ln Z(b z) saturates at -beta (z = u_beta/b, width ``1/(b |u_beta|)``; for q -> 1 this
    is a sharp switch away from 0)."""
    q, R, beta = np.broadcast_arrays(*(np.asarray(v, float) for v in (q, R, beta)))
    a = np.abs(R) / np.sqrt(np.maximum(q - R * R, 1e-300))
    b = np.sqrt(q / (1 - q))
    ub = _saturation(beta)
    with np.errstate(invalid="ignore", divide="ignore"):
        zb = (ub[..., None] + _SAT_BREAKS / np.maximum(np.abs(ub), 1.0)[..., None]) / b[..., None]
    # both scales of the kink at 0: H(-a z) (1/a) and ln Phi(b z) (1/b)
    wa = 1.0 / np.maximum(1.0, a)
    zb = np.concatenate([zb, _SAT_BREAKS * wa[..., None]], -1)
    w0 = 1.0 / np.maximum(1.0, np.maximum(a, b))
    z, w = kink_nodes(np.zeros_like(w0), np.ones_like(w0), w0, n_panel=n_panel, breaks=zb)
    out = teacher_GE_integrand(z, q[..., None], R[..., None], beta[..., None])
    return tuple(expect(o, w) for o in out)


def ising_site(qh, Rh):
    """E_z ln 2cosh(sqrt(qh) z + Rh), E tanh, E tanh^2 (kink rule around the zero of the field)."""
    qh, Rh = np.broadcast_arrays(np.asarray(qh, float), np.asarray(Rh, float))
    b = np.sqrt(np.maximum(qh, 0.0))
    h, w = kink_nodes(Rh, b, np.ones_like(b))
    t = np.tanh(h)
    return expect(log_2cosh(h), w), expect(t, w), expect(t * t, w)


def nishimori_qhat(q):
    """Invert q = E_z tanh(qh + sqrt(qh) z) (Nishimori line of the Ising prior)."""
    f = lambda lq: ising_site(math.exp(lq), math.exp(lq))[1] - q
    return math.exp(optimize.brentq(f, -60.0, 60.0, xtol=1e-15, rtol=1e-15, maxiter=500))


def _path(alpha):
    """Continuation loads from 0.5 to alpha: steps of 0.1 up to 10, then geometric."""
    return load_path(alpha, lambda a: np.linspace(0.5, a, int(math.ceil((a - 0.5) / 0.1)) + 1))


@dataclass
class PerceptronTeacher(TheoryModel):
    """Teacher-student Gibbs learning, binary teacher and student (errors-counting energy)."""
    name: str = "perceptron-teacher"
    levels: tuple = ("rs",)
    params: tuple = field(default_factory=lambda: (
        Param("alpha", "load P/N (alpha = 0: no data)", lo=0.0, hi=1e6, allowed="[0, 1e6]"),
    ))
    convention: str = "E = number of training errors; Phi per weight; eps = arccos(R)/pi"
    methods: tuple = ("saddle", "state-evolution")
    contract = Contract(
        points=(Point(dict(alpha=1.0, T=0.5)), Point(dict(alpha=0.5, T=1.0)),
                Point(dict(alpha=2.0, T=0.5), branch="good")),
        zero_T=(Point(dict(alpha=1.0, T=0), branch="poor"),))

    @staticmethod
    def _F(x, p):
        q = np.clip(x[0], 1e-14, Q_MAX)
        R = np.clip(x[1], -np.sqrt(q) * (1 - 1e-13), np.sqrt(q) * (1 - 1e-13))
        _, dq, dR, _ = teacher_GE(q, R, p["beta"])
        a = p["alpha"]
        qh = np.where(a > 0, np.maximum(-2 * a * dq, 0.0), 0.0)
        Rh = np.where(a > 0, a * dR, 0.0)
        _, t1, t2 = ising_site(qh, Rh)
        return np.stack([t2, t1])

    def observables(self, q, R, alpha, beta):
        """Observables at (q, R); the quadrature errors of G_E and the site average there are
        recorded (:func:`core.quaderr.estimate`)."""
        q, R = np.clip(q, 1e-14, Q_MAX), np.clip(R, -1, 1)
        ge, dq, dR, err = estimate(teacher_GE, q, R, beta, where="teacher G_E")[0]
        qh = np.where(alpha > 0, -2 * alpha * dq, 0.0)
        Rh = np.where(alpha > 0, alpha * dR, 0.0)
        lc, _, _ = estimate(ising_site, qh, Rh, where="teacher site")[0]
        phi = -Rh * R - 0.5 * qh * (1 - q) + lc + alpha * ge
        e = alpha * err
        with np.errstate(invalid="ignore"):
            f = np.where(np.isinf(beta), e, -phi / beta)
            s = np.where(np.isinf(beta), phi, phi + beta * e)
        return dict(q_hat=qh, R_hat=Rh, phi=phi, free_energy=f, energy=e, entropy=s,
                    generalization_error=eps_from_overlap(R), training_error=err)

    def _solve_branch(self, alpha, beta, start):
        if isinstance(start, str):
            x0 = np.array([[0.05 + 0.3 * min(alpha, 1.0)], [0.05 + 0.3 * min(alpha, 1.0)]]) \
                if start == "poor" else np.array([[0.999], [0.998]])
        else:
            x0 = np.asarray(start, float).reshape(2, 1)
        path = [alpha]
        if isinstance(start, str) and alpha > 0.5:
            path = _path(alpha)
            x0 = np.array([[0.1], [0.15]])
        for a in path:  # continuation along alpha keeps the poor branch up to its spinodal
            r = solve_fixed_point(self._F, x0, {"alpha": np.array([a]), "beta": np.array([beta])},
                                  bounds=([0.0, -1.0], [Q_MAX, 1.0]), tol=1e-11, maxiter=300)
            if not r.converged[0] or r.x[1, 0] > 0.999:
                break
            x0 = r.x
        return r

    batched = False     # one point at a time (continuation in alpha per point): the base class loops

    def solve(self, level="rs", branch=None, init=None, method="saddle", **params):
        """RS saddle point (``method='saddle'``: ``solve_batch`` at size 1, the thermodynamic state
        chosen by ``theory/states.py``), or with ``method='state-evolution'`` the fixed point that
        AMP's state evolution reaches from the uninformative start
        (``perceptron.state_evolution.solve``; ``branch``/``init`` do not apply)."""
        if method == "state-evolution":
            if branch is not None or init is not None:
                raise ParameterError("method='state-evolution' starts from R = q = 0; "
                                     "branch and init do not apply")
            from .state_evolution import solve as se_solve
            return se_solve(level=self.check_level(level), **params)
        if method != "saddle":
            raise ParameterError(f"method={method!r} is not one of {', '.join(self.methods)}")
        return super().solve(level, branch, init, **params)

    def solve_point(self, level, branch, init, p):
        alpha, beta = p["alpha"], p["beta"]
        if branch not in (None, "poor", "good"):
            raise ParameterError(f"branch={branch!r} is not one of poor, good (or none)")
        cands = []
        if alpha == 0:
            cands.append(("poor", np.array([0.0, 0.0]), True, 0.0, 0))
        else:
            starts = [branch] if branch else ["poor", "good"]
            if init is not None:
                starts = [np.array([init["q"], init["R"]])]
            for st in starts:
                if st == "good":
                    # R = q = 1 exactly at every T: flipping a fraction d of the weights costs
                    # energy ~ alpha N sqrt(d) but gains entropy only ~ N d ln(1/d)
                    cands.append(("good", np.array([1.0, 1.0]), True, 0.0, 0))
                    continue
                r = self._solve_branch(alpha, beta, st)
                x = r.x[:, 0]
                lab = "good" if x[1] > 0.999 else "poor"
                if isinstance(st, str) and st == "poor" and lab == "good":
                    lab = "good"  # the poor branch no longer exists (alpha > spinodal)
                cands.append((lab, x, bool(r.converged[0]), float(r.residual[0]), int(r.iterations[0])))
        full = []
        for lab, x, conv, res, it in cands:
            if lab == "good":
                x = np.array([1.0, 1.0])
                obs = dict(q_hat=np.inf, R_hat=np.inf, phi=0.0, free_energy=0.0, energy=0.0,
                           entropy=0.0, generalization_error=0.0, training_error=0.0)
            else:
                obs = {k: float(v) for k, v in self.observables(x[0], x[1], alpha, beta).items()}
            full.append((lab, x, conv, res, it, obs))
        # low-R and high-R branches are distinct sectors (R is not glassy): the lowest f wins,
        # ties (T = 0: f = e = 0 on both) go to the larger entropy (theory/states.py)
        rows = [dict(obs, converged=conv, residual=res) for _, _, conv, res, _, obs in full]
        i, sel = states.select_rows(rows, has_condensed=False, distinct=True, names=[c[0] for c in full])
        lab, x, conv, res, it, obs = full[i]
        conv = bool(conv and sel.found[0])
        return dict(q=float(x[0]), R=float(x[1]), q_hat=float(obs["q_hat"]), R_hat=float(obs["R_hat"]),
                    free_energy=float(obs["free_energy"]), energy=float(obs["energy"]),
                    entropy=float(obs["entropy"]), generalization_error=float(obs["generalization_error"]),
                    training_error=float(obs["training_error"]), converged=bool(conv),
                    residual=float(res), iterations=int(it), branch=str(lab))

    def point_result(self, level, branch, p, o):
        op = {k: o[k] for k in ("q", "R", "q_hat", "R_hat")}
        return make_result(self.name, level, p, op, o["free_energy"], o["energy"], o["entropy"],
                           o["converged"], o["residual"], o["iterations"], branch=o["branch"],
                           generalization_error=o["generalization_error"],
                           training_error=o["training_error"], stability={})

    # ---- T = 0 Nishimori branch -------------------------------------------------
    def nishimori_branch(self, q):
        """(alpha, entropy, qh) of the T = 0 R = q < 1 branch at overlap q."""
        qh = nishimori_qhat(q)
        _, _, dR = teacher_GE(q, q * (1 - 1e-15), np.inf)[:3]
        alpha = qh / float(dR)
        ge = float(teacher_GE(q, q * (1 - 1e-15), np.inf)[0])
        lc, _, _ = ising_site(qh, qh)
        s = -qh * q - 0.5 * qh * (1 - q) + float(lc) + alpha * ge
        return float(alpha), float(s), qh

    def capacity(self, level="rs", **params):
        """T = 0: alpha_c (first-order transition to perfect generalisation, where the
        poor branch's entropy vanishes) and alpha_sp (its spinodal)."""
        level = self.check_level(level)
        params = dict(params)
        params.pop("T", None), params.pop("beta", None), params.pop("alpha", None)
        if params:
            raise ParameterError(f"unknown parameter(s) {', '.join(params)} for {self.name} capacity")
        neg = lambda q: -self.nishimori_branch(q)[0]
        grid = np.linspace(0.3, 0.995, 40)
        al = np.array([-neg(g) for g in grid])
        i = int(np.argmax(al))
        res = optimize.minimize_scalar(neg, bracket=(grid[max(i - 1, 0)], grid[i], grid[min(i + 1, 39)]),
                                       tol=1e-12)
        q_sp = float(res.x)
        a_sp = -float(res.fun)
        q_c = optimize.brentq(lambda q: self.nishimori_branch(q)[1], 0.2, q_sp, xtol=1e-14)
        a_c, s_c, qh_c = estimate(self.nishimori_branch, q_c, where="teacher T=0 branch")[0]
        estimate(self.nishimori_branch, q_sp, where="teacher T=0 spinodal")
        p = {"alpha": a_c, "T": 0.0, "beta": math.inf}
        return make_capacity(self.name, level, p, {"q": q_c, "R": q_c, "q_hat": qh_c, "R_hat": qh_c},
                           free_energy=0.0, energy=0.0, entropy=s_c, converged=True, residual=abs(s_c),
                           iterations=0, branch="transition", alpha_c=a_c, alpha_sp=a_sp, q_sp=q_sp,
                           generalization_error=float(eps_from_overlap(q_c)),
                           message=("T = 0: alpha_c = first-order jump to R = 1 (poor-branch entropy = 0); "
                                    "alpha_sp = spinodal of the poor branch"))


def transition_alpha(T, lo=0.5, hi=None):
    """Thermodynamic transition to perfect generalisation at temperature T: the alpha where
    the poor branch's free entropy Phi crosses 0 (= Phi of R = 1). At T = 0 this is
    ``capacity()['alpha_c']``. ``hi`` defaults to the largest alpha (step 0.1) at which the poor
    branch still exists."""
    m = PerceptronTeacher()
    beta = beta_from(T=T)
    if T == 0:
        return m.capacity()["alpha_c"]

    def poor(a):
        r = m.solve(alpha=a, T=T, branch="poor")
        return r if (r.converged and r.branch == "poor") else None

    def phi(a):
        r = poor(a)
        if r is None:
            raise RuntimeError(f"the poor branch is not available (converged) at alpha={a}, T={T}")
        return -r.free_energy * beta
    if hi is None:
        a = lo
        while poor(a + 0.1) is not None and a < 50:
            a += 0.1
        hi = a
    if phi(hi) > 0:
        raise ValueError(f"the poor branch still has Phi > 0 at its last point alpha={hi}")
    return optimize.brentq(phi, lo, hi, xtol=1e-8)
