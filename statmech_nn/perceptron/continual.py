"""Continual learning of two binary teachers in field space as a Franz-Parisi potential.

Task 1 (load alpha1) is the :mod:`field` model. Teacher 2 is w2*_i = B_i w1*_i with
P(B_i = 1) = (1 + r0)/2 (teacher-teacher overlap r0). The task-2 student minimises
data term + gamma * KL(q_m || q_{m1}) where m1 is the task-1 solution. Following
Franz & Parisi, m1 is drawn from its own Gibbs measure (the task-1 RS measure) and
is both the prior and the reference of the potential

    Phi2 = (1/N) E_{m1 ~ P1} ln int dm exp[-beta_T E2(m) - beta_T gamma KL(m || m1)].

Since the task-2 data do not involve m1 and the KL factorises over sites, no order
parameter couples m and m1: the m1 replicas keep their task-1 saddle point and m1
enters only the single-site problem. With theta1 = atanh(m1),

    -k KL(m || m1) = k S(m) + k theta1 m - k (ln cosh theta1 + ln 2),   k = beta_T gamma,

so the task-2 site measure is exp[(Qh2 - qh2/2) m^2 + h m + k S(m)] with the field
h = sqrt(qh2) x + B rh2 + k theta1. Averages E[.] run over B = +-1, over theta1 ~ rho1
(the z-averaged task-1 site marginal, held on the t = atanh(m) grid) and over x ~ N(0,1):

    q2 = E<m>^2, R2 = E[B<m>], Q2 = E<m^2>; qh2 = -2 alpha2 dG_E/dq2, ...
    p1 = E<sign m> (eps1 = arccos(p1)/pi, forgetting), p2 = E[B<sign m>] (eps2, learning).

The h-dependence of the site averages is tabulated on an asinh-spaced grid and
interpolated with cubic splines (deterministic; accuracy checked against direct
evaluation in the tests).
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import logsumexp

from ..core.errors import ParameterError
from ..core.path import load_path
from ..core.quaderr import estimate, nodes
from ..core.quadrature import kink_nodes
from ..core.result import make_result
from ..core.solver import solve_fixed_point
from ..theory.base import Param, TheoryModel
from ..theory.contract import Contract, Point
from .common import binary_entropy_t, eps_from_overlap, log_cosh, t_panel, t_rule
from .field import PerceptronField, _even, _hats, check_field_T
from .field_terms import clamp as _clamp

#: nodes of the site tables in u = asinh(h/h0) (times the refinement factor)
N_TABLE = 2401


def reference_atoms(qh1, rh1, Qh1, kappa1=0.0, n_panel=10, prune=1e-15):
    """Task-1 site marginal on the t = atanh(m1) grid: (t_j, W_j), sum W = 1."""
    t, logw, m = t_rule(fine=t_panel(kappa1, Qh1 - 0.5 * qh1))
    b = math.sqrt(max(qh1, 0.0))
    h, wz = kink_nodes(np.array(rh1, float), np.array(b), np.array(1.0), n_panel=n_panel)
    lw = logw + (Qh1 - 0.5 * qh1) * m * m + h[:, None] * m + kappa1 * binary_entropy_t(t)
    p = np.exp(lw - logsumexp(lw, axis=-1, keepdims=True))
    W = wz @ p
    keep = W > prune * W.max()
    W = W[keep] / W[keep].sum()
    return t[keep], W


def site_table(A, kappa, hmax, n=None, h0=0.5):
    """Cubic splines in u = asinh(h/h0) of ln Z, <m>, <m^2>, <sign m> for the measure
    exp(A m^2 + h m + kappa S(m)) dm on [-1, 1]."""
    n = N_TABLE if n is None else n
    U = math.asinh(max(hmax, 1.0) / h0)
    u = np.linspace(-U, U, nodes(n - 1) + 1)
    hh = h0 * np.sinh(u)
    t, logw, m = t_rule(fine=t_panel(kappa, A))
    lw = logw + A * m * m + kappa * binary_entropy_t(t) + hh[:, None] * m
    mx = lw.max(-1, keepdims=True)
    p = np.exp(lw - mx)
    zs = p.sum(-1)
    lz = mx[:, 0] + np.log(zs)
    p /= zs[:, None]
    sg = np.where(t >= 0, 1.0, -1.0)
    vals = np.stack([lz, p @ m, p @ (m * m), p @ sg], axis=-1)
    return CubicSpline(u, vals, axis=0), h0


def site_direct(A, kappa, h):
    """Direct evaluation of (ln Z, <m>, <m^2>, <sign m>) at fields h (for checks)."""
    t, logw, m = t_rule(fine=t_panel(kappa, A))
    h = np.asarray(h, float)
    lw = logw + A * m * m + kappa * binary_entropy_t(t) + h[..., None] * m
    lz = logsumexp(lw, axis=-1)
    p = np.exp(lw - lz[..., None])
    return np.stack([lz, p @ m, p @ (m * m), p @ np.where(t >= 0, 1.0, -1.0)], axis=-1)


def task2_site(qh2, rh2, Qh2, kappa2, r0, atoms, n_panel=10):
    """Averages of the task-2 site measure over B, theta1 ~ atoms and x.

    Returns dict with lnZ (including the KL constant), q2, R2, Q2, p1, p2, R1, p_ref."""
    tj, Wj = atoms
    b = math.sqrt(max(qh2, 0.0))
    out = {}
    acc = dict(lnZ=0.0, q2=0.0, R2=0.0, Q2=0.0, p1=0.0, p2=0.0, R1=0.0, p_ref=0.0)
    c = np.concatenate([rh2 + kappa2 * tj, -rh2 + kappa2 * tj])  # B = +1, -1
    PB = np.concatenate([np.full(tj.size, 0.5 * (1 + r0)) * Wj, np.full(tj.size, 0.5 * (1 - r0)) * Wj])
    Bv = np.concatenate([np.ones(tj.size), -np.ones(tj.size)])
    hx, wx = kink_nodes(c, np.full(c.shape, b), np.ones_like(c), n_panel=n_panel)  # (2k, nx)
    hmax = float(np.max(np.abs(hx)))
    spl, h0 = site_table(Qh2 - 0.5 * qh2, kappa2, hmax)
    v = spl(np.arcsinh(hx / h0))                      # (2k, nx, 4)
    Ex = np.einsum("kn,knf->kf", wx, v)                # E_x of each function
    Ex_m1sq = np.einsum("kn,kn->k", wx, v[..., 1] ** 2)
    m1ref = np.tanh(np.concatenate([tj, tj]))
    const = -kappa2 * (log_cosh(tj) + math.log(2.0))
    acc["lnZ"] = float(PB @ Ex[:, 0] + Wj @ const)
    acc["R1"] = float(PB @ Ex[:, 1])
    acc["R2"] = float(PB @ (Bv * Ex[:, 1]))
    acc["q2"] = float(PB @ Ex_m1sq)
    acc["Q2"] = float(PB @ Ex[:, 2])
    acc["p1"] = float(PB @ Ex[:, 3])
    acc["p2"] = float(PB @ (Bv * Ex[:, 3]))
    acc["p_ref"] = float(PB @ (m1ref * Ex[:, 1]))
    out.update(acc)
    return out


@dataclass
class Continual(TheoryModel):
    """Two-task continual learning in field space (Franz-Parisi construction, RS)."""
    name: str = "continual"
    levels: tuple = ("rs",)
    params: tuple = field(default_factory=lambda: (
        Param("alpha1", "task-1 load P1/N", lo=0.0, hi=1e6, allowed="[0, 1e6]"),
        Param("alpha2", "task-2 load P2/N (0: no task-2 data)", lo=0.0, hi=1e6, allowed="[0, 1e6]"),
        Param("r0", "teacher-teacher overlap", lo=-1.0, hi=1.0, allowed="[-1, 1]"),
        Param("gamma", "KL weight to the task-1 posterior (1 = Bayesian)", lo=0.0, default=1.0,
              allowed="[0, inf)"),
        Param("gamma1", "task-1 KL weight to the uniform prior", lo=0.0, default=0.0,
              allowed="[0, inf)"),
    ))
    convention: str = ("same T = 1/beta_T for both tasks; eps1 = arccos(p1)/pi (forgetting), "
                       "eps2 = arccos(p2)/pi (learning)")
    contract = Contract(
        points=(Point(dict(alpha1=0.5, alpha2=0.0, r0=0.5, gamma=1.0, T=0.5)),),
        bad_branch=False,          # solve and solve_batch ignore ``branch``
        batch_omits=("branch", "free_energy", "energy", "entropy", "iterations"),
        not_applicable={
            "energy_derivative": "the reported energy is the task-2 data loss only, while the KL "
                                 "term to the task-1 posterior (itself at beta) also depends on "
                                 "beta, so d(beta f)/d beta is not this energy",
            "zero_T_continuity": "no T = 0 form (field-space Gibbs measure, finite beta_T only)",
        })

    def task1(self, alpha1, beta, gamma1=0.0):
        """The task-1 state: the thermodynamic state of ``perceptron-field`` (dict of its
        order parameters and observables, converged)."""
        r = PerceptronField().solve(alpha=alpha1, beta=beta, gamma1=gamma1)
        o = dict(r.order_parameters, branch=r.branch, generalization_error=r.generalization_error,
                 quadrature_error=r.quadrature_error)
        return o, bool(r.converged)

    def _map(self, x, p):
        out = np.empty_like(x)
        for k in range(x.shape[1]):
            q, R, Q = _clamp(x[0, k], x[1, k], x[2, k])
            a2 = p["alpha2"][k]
            if a2 > 0:
                qh, rh, Qh, _, _ = (float(np.squeeze(v)) for v in _hats(q, R, Q, a2, p["beta"][k]))
            else:
                qh = rh = Qh = 0.0
            s = task2_site(qh, rh, Qh, p["kappa2"][k], p["r0"][k], self._atoms)
            out[:, k] = (s["q2"], s["R2"], s["Q2"])
        return out

    def solve_task2(self, alpha2, r0, gamma, beta, atoms, init=None, step=0.5):
        self._atoms = atoms
        pp = lambda a: {"alpha2": np.array([a]), "r0": np.array([r0]), "kappa2": np.array([beta * gamma]),
                        "beta": np.array([beta])}
        x0 = self._map(np.array([[0.5], [0.0], [0.6]]), pp(0.0))  # exact alpha2 = 0 solution
        if init is not None:
            path, x0 = [alpha2], np.asarray(init, float).reshape(3, 1)
        else:
            path = load_path(alpha2, lambda a: _even(a, step)) if alpha2 > 0 else []
        r = None
        for a in path:
            r = solve_fixed_point(self._map, x0, pp(a), bounds=([0.0, -1.0, 0.0], [1.0, 1.0, 1.0]),
                                  tol=1e-10, maxiter=60)
            if r.converged[0]:
                x0 = r.x
        if r is None:
            res = float(np.max(np.abs(self._map(x0, pp(0.0)) - x0)))
            return x0[:, 0], res <= 1e-10, res, 0
        return r.x[:, 0], bool(r.converged[0]), float(r.residual[0]), int(r.iterations[0])

    def evaluate2(self, x, alpha2, r0, gamma, beta, atoms):
        ((qh, rh, Qh, ge, e), s), qerr = estimate(self._terms2, x, alpha2, r0, gamma, beta, atoms,
                                                  where="continual task 2")
        q, R, Q = (float(v) for v in x)
        phi = -Qh * Q + 0.5 * qh * q - rh * R + s["lnZ"] + alpha2 * ge
        return dict(q2=q, R2=R, Q2=Q, q2_hat=qh, r2_hat=rh, Q2_hat=Qh, p1=s["p1"], p2=s["p2"],
                    R1=s["R1"], p_ref=s["p_ref"], phi=phi, energy=-alpha2 * e,
                    eps1=float(eps_from_overlap(s["p1"])), eps2=float(eps_from_overlap(s["p2"])),
                    quadrature_error=float(qerr))

    @staticmethod
    def _terms2(x, alpha2, r0, gamma, beta, atoms):
        """Task-2 conjugates (with G_E, E ln H) and site averages at x = (q2, R2, Q2)."""
        q, R, Q = (float(v) for v in x)
        if alpha2 > 0:
            qc, Rc, Qc = _clamp(q, R, Q)
            hats = tuple(float(np.squeeze(v)) for v in _hats(qc, Rc, Qc, alpha2, beta))
        else:
            hats = (0.0, 0.0, 0.0, 0.0, 0.0)
        return hats, task2_site(*hats[:3], beta * gamma, r0, atoms)

    def solve(self, level="rs", branch=None, init=None, **params):
        level = self.check_level(level)
        p = self.check_params(params)
        check_field_T(p)
        b = p["beta"]
        t1, conv1 = self.task1(p["alpha1"], b, p["gamma1"])
        atoms = reference_atoms(t1["q_hat"], t1["r_hat"], t1["Q_hat"], b * p["gamma1"])
        x0 = None if init is None else [init["q2"], init["R2"], init["Q2"]]
        x, conv, res, it = self.solve_task2(p["alpha2"], p["r0"], p["gamma"], b, atoms, x0)
        o = self.evaluate2(x, p["alpha2"], p["r0"], p["gamma"], b, atoms)
        op = {k: o[k] for k in ("q2", "R2", "Q2", "q2_hat", "r2_hat", "Q2_hat", "p1", "p2", "R1", "p_ref")}
        op.update({"q1": t1["q"], "R1_task1": t1["R"], "Q1": t1["Q"], "p1_task1": t1["p"]})
        return make_result(self.name, level, p, op, -o["phi"] / b, o["energy"], o["phi"] + b * o["energy"],
                           conv and conv1, res, it, branch="rs", eps1=o["eps1"], eps2=o["eps2"],
                           eps_task1=t1["generalization_error"], task1_branch=t1["branch"],
                           quadrature_error=max(o["quadrature_error"], t1["quadrature_error"])
                           ).warn_if_unconverged()

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        self.check_level(level)
        arrays = self.check_arrays(arrays)
        names = ("alpha1", "alpha2", "r0", "gamma", "gamma1", "beta")
        arr = np.broadcast_arrays(*(np.asarray(arrays[k], float) for k in names))
        keys = ["eps1", "eps2", "q2", "R2", "Q2", "p1", "p2", "converged", "residual"]
        out = {k: [] for k in keys}
        for vals in zip(*(a.ravel() for a in arr)):
            r = self.solve(level, **dict(zip(names, vals)))
            for k in keys:
                out[k].append(r["order_parameters"][k] if k in r["order_parameters"] else r[k])
        return {k: np.reshape(np.array(v), arr[0].shape) for k, v in out.items()}

    def sweep_alpha2(self, alpha2s, alpha1, r0, gamma, T, gamma1=0.0, task1=None):
        """eps1, eps2 (and order parameters) along increasing alpha2 with warm starts.
        ``task1``: a previous return value's task-1 dict (reused, not re-solved)."""
        b = 1.0 / T
        t1 = task1 if task1 is not None else self.task1(alpha1, b, gamma1)[0]
        atoms = reference_atoms(t1["q_hat"], t1["r_hat"], t1["Q_hat"], b * gamma1)
        rows, x0, prev = [], None, 0.0
        for a2 in alpha2s:
            if x0 is not None and a2 - prev > 0.5:
                x0 = None if prev == 0 else x0
            x, conv, res, it = self.solve_task2(a2, r0, gamma, b, atoms, x0)
            if x0 is not None and not conv:
                x, conv, res, it = self.solve_task2(a2, r0, gamma, b, atoms, None)
            o = self.evaluate2(x, a2, r0, gamma, b, atoms)
            o["converged"] = conv
            rows.append(o)
            x0, prev = (x, a2) if conv else (None, prev)
        return rows, t1


# ---- chains of more than two tasks -------------------------------------------------------
def _expand(atoms, r0):
    """Atoms (t, W, S) with S[:, l] = sign of teacher l+1 relative to teacher 1 -> atoms
    for the next teacher (one more column; each atom split by B = +-1)."""
    t, W, S = atoms
    pB = np.concatenate([np.full(t.size, 0.5 * (1 + r0)), np.full(t.size, 0.5 * (1 - r0))])
    Sn = np.concatenate([S, S], axis=0)
    newcol = Sn[:, -1] * np.concatenate([np.ones(t.size), -np.ones(t.size)])
    keep = pB > 0
    return (np.concatenate([t, t])[keep], (np.concatenate([W, W]) * pB)[keep],
            np.column_stack([Sn, newcol])[keep])


def chain_site(qh, rh, Qh, kappa, ex_atoms, n_panel=10, want_density=False):
    """Site averages for the current task given expanded atoms (t_j, P_j, S_j); the current
    teacher's sign is the last column of S. Returns moments, the overlaps p_l of sign(m)
    with every teacher so far and, with ``want_density``, the next reference atoms."""
    t, P, S = ex_atoms
    tau = S[:, -1]
    b = math.sqrt(max(qh, 0.0))
    c = tau * rh + kappa * t
    hx, wx = kink_nodes(c, np.full(c.shape, b), np.ones_like(c), n_panel=n_panel)
    spl, h0 = site_table(Qh - 0.5 * qh, kappa, float(np.max(np.abs(hx))))
    v = spl(np.arcsinh(hx / h0))
    Ex = np.einsum("kn,knf->kf", wx, v)
    out = dict(lnZ=float(P @ Ex[:, 0] - kappa * (P @ (log_cosh(t) + math.log(2.0)))),
               q=float(P @ np.einsum("kn,kn->k", wx, v[..., 1] ** 2)),
               R=float(P @ (tau * Ex[:, 1])), Q=float(P @ Ex[:, 2]),
               p=[float(P @ (S[:, l] * Ex[:, 3])) for l in range(S.shape[1])])
    if want_density:
        A = Qh - 0.5 * qh
        tg, logw, m = t_rule(fine=t_panel(kappa, A))
        base = logw + A * m * m + kappa * binary_entropy_t(tg)
        combos, inv = np.unique(S, axis=0, return_inverse=True)
        inv = np.ravel(inv)
        dens = np.zeros((combos.shape[0], tg.size))
        for k0 in range(0, c.size, 64):
            sl = slice(k0, k0 + 64)
            lw = base + hx[sl, :, None] * m
            lw -= lw.max(-1, keepdims=True)
            p = np.exp(lw)
            p /= p.sum(-1, keepdims=True)
            contrib = np.einsum("kn,knj->kj", wx[sl] * P[sl, None], p)
            np.add.at(dens, inv[sl], contrib)
        ts, Ws, Ss = [], [], []
        for ci in range(combos.shape[0]):
            keep = dens[ci] > 1e-15 * dens.max()
            ts.append(tg[keep])
            Ws.append(dens[ci, keep])
            Ss.append(np.tile(combos[ci], (int(keep.sum()), 1)))
        W = np.concatenate(Ws)
        out["next_atoms"] = (np.concatenate(ts), W / W.sum(), np.concatenate(Ss, axis=0))
    return out


def continual_chain(alphas, r0, gamma, T, gamma1=0.0, step=0.5):
    """Sequence of tasks t = 1..K (teacher t+1 = B * teacher t, overlap r0), each learned
    with KL weight gamma to the previous task's Gibbs sample (Franz-Parisi at every step).

    Returns a list (one dict per task) with the order parameters of that task and
    ``eps`` = [arccos(p_l)/pi for every teacher l <= t] after learning task t."""
    r0 = float(Continual().params[2].check(r0))
    beta = 1.0 / float(T)
    if not math.isfinite(beta) or beta <= 0:
        raise ParameterError("T must be in (0, inf) for continual_chain")
    t1, conv1 = Continual().task1(alphas[0], beta, gamma1)
    tj, W = reference_atoms(t1["q_hat"], t1["r_hat"], t1["Q_hat"], beta * gamma1)
    atoms = (tj, W, np.ones((tj.size, 1)))
    res = [dict(task=1, q=t1["q"], R=t1["R"], Q=t1["Q"], p=[t1["p"]],
                eps=[t1["generalization_error"]], converged=conv1)]
    kappa = beta * gamma
    for k, a in enumerate(alphas[1:], start=2):
        ex = _expand(atoms, r0)

        def F(x, prm):
            out = np.empty_like(x)
            for j in range(x.shape[1]):
                q, R, Q = _clamp(x[0, j], x[1, j], x[2, j])
                if prm["alpha"][j] > 0:
                    qh, rh, Qh, _, _ = (float(np.squeeze(v)) for v in _hats(q, R, Q, prm["alpha"][j], beta))
                else:
                    qh = rh = Qh = 0.0
                s = chain_site(qh, rh, Qh, kappa, ex)
                out[:, j] = (s["q"], s["R"], s["Q"])
            return out

        x0 = F(np.array([[0.5], [0.0], [0.6]]), {"alpha": np.array([0.0])})
        conv, resid = True, 0.0
        for aa in (load_path(a, lambda b: _even(b, step)) if a > 0 else []):
            r = solve_fixed_point(F, x0, {"alpha": np.array([aa])}, tol=1e-10, maxiter=60,
                                  bounds=([0.0, -1.0, 0.0], [1.0, 1.0, 1.0]))
            conv, resid = bool(r.converged[0]), float(r.residual[0])
            if conv:
                x0 = r.x
        q, R, Q = _clamp(*x0[:, 0])
        if a > 0:
            qh, rh, Qh, _, _ = (float(np.squeeze(v)) for v in _hats(q, R, Q, a, beta))
        else:
            qh = rh = Qh = 0.0
        s = chain_site(qh, rh, Qh, kappa, ex, want_density=k < len(alphas))
        res.append(dict(task=k, q=float(x0[0, 0]), R=float(x0[1, 0]), Q=float(x0[2, 0]), p=s["p"],
                        eps=[float(eps_from_overlap(p)) for p in s["p"]], converged=conv,
                        residual=resid, q_hat=qh, r_hat=rh, Q_hat=Qh))
        if k < len(alphas):
            atoms = s["next_atoms"]
    return res
