"""State evolution (SE) of AMP for teacher-student learning of a binary teacher.

AMP (``statmech_nn.mc.plefka_perceptron``, order 2) samples the Gibbs measure
exp(-beta E(w)), E = #training errors: its output channel is
Z_out = e^{-beta} + (1 - e^{-beta}) Phi(x), the teacher's is noiseless (y = sign(w*.x)).
At T = 0 the two coincide (Bayes-optimal, the Nishimori line: R = q along the whole SE
trajectory); at T > 0 AMP is *mismatched* and the SE tracks two overlaps::

    R^t = (1/N) sum_i w*_i m_i^t   (mean student vs teacher),   q^t = (1/N) sum_i (m_i^t)^2,

which differ. In the large-N limit, with xi ~ N(0, 1), a = R/sqrt(q - R^2), V = 1 - q,
s = sqrt(q) xi the student's cavity mean and g(s, V) = d ln Z_out/ds
(:func:`statmech_nn.mc.perceptron_channel.channel`)::

    q_hat = 2 alpha E_xi[ Phi(a xi) g(s, V)^2 ]                       (teacher output law Z0)
    R_hat = 2 alpha E_xi[ sqrt(q/(q - R^2)) phi(a xi) g(s, V) ]      (its derivative in the
                                                                        teacher's field)
    R^{t+1} = E_z tanh(R_hat + sqrt(q_hat) z),  q^{t+1} = E_z tanh^2(R_hat + sqrt(q_hat) z).

(Factor 2: the labels y = -1 mirror y = +1.) Its fixed points are the RS saddle points of
``perceptron-teacher``: the energetic equations are those of G_E (teacher.py),
q_hat = -2 alpha dG_E/dq, R_hat = alpha dG_E/dR, written after an integration by parts
(tested to 1e-9 on the maps and 1e-8 on the fixed points). From the uninformative start
R = q = 0 (AMP from m = 0; the first AMP step is the Hebbian estimate, not a fixed point:
the sign channel is odd in the teacher's field) the SE follows the poor branch and reaches
R = 1 only above that branch's spinodal (1.4926 at T = 0), not at the first-order
transition (1.2447).
"""
import math

import numpy as np

from ..core.errors import ParameterError, beta_from, check_int, check_range
from ..core.quadrature import expect
from ..core.result import make_result
from ..core.solver import solve_fixed_point
from ..mc.perceptron_channel import channel
from .common import H, z_rule
from .teacher import Q_MAX, PerceptronTeacher, ising_site

LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
#: q above which the SE has reached perfect learning (R = q = 1 is an exact fixed point)
Q_PERFECT = 1.0 - 1e-10


def se_integrands(xi, q, R, beta):
    """The y = +1 integrands (weight D xi) of q_hat/alpha and R_hat/alpha, with the
    uninformative limit a = 0, q/(q - R^2) = 1 at q = 0 (derivations/perceptron_amp.py)."""
    q = np.clip(q, 0.0, Q_MAX)
    s2 = np.maximum(q - R * R, 1e-300)
    zero = q <= 1e-300
    a = np.where(zero, 0.0, R / np.sqrt(s2))
    c0 = np.where(zero, 1.0, np.sqrt(q / s2))
    _, g, _, _ = channel(np.sqrt(q) * xi, 1.0 - q, beta)
    ax = a * xi
    return H(-ax) * g * g, c0 * np.exp(-0.5 * ax * ax - LOG_SQRT2PI) * g


def se_hats(q, R, alpha, beta, n_panel=10):
    """(q_hat, R_hat) of the SE at overlaps (q, R), batched."""
    q, R, alpha, beta = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (q, R, alpha, beta)))
    q = np.clip(q, 0.0, Q_MAX)
    a = np.where(q <= 1e-300, 0.0, np.abs(R) / np.sqrt(np.maximum(q - R * R, 1e-300)))
    b = np.sqrt(q / (1.0 - q))
    xi, w = z_rule(1.0 / np.maximum(1.0, np.maximum(a, b)), n_panel)
    iq, iR = se_integrands(xi, q[..., None], R[..., None], beta[..., None])
    return 2.0 * alpha * expect(iq, w), 2.0 * alpha * expect(iR, w)


def se_map(x, p):
    """One SE step on x = [q, R] (the layout of ``PerceptronTeacher._F``), batched."""
    qh, Rh = se_hats(x[0], x[1], p["alpha"], p["beta"])
    _, t1, t2 = ising_site(qh, Rh)
    return np.stack([t2, t1])


def trajectory(alpha, T=None, beta=None, R0=0.0, q0=0.0, max_iter=100_000, tol=1e-12):
    """Iterate the SE from (R0, q0) (default: uninformative). Returns dict with the lists
    ``R``, ``q`` (index t = 0 is the start), ``converged`` (step < tol), ``perfect``
    (q reached 1 - 1e-10) and ``iterations``."""
    alpha = check_range("alpha", alpha, lo=0.0)
    b = beta_from(T, beta)
    max_iter = check_int("max_iter", max_iter, lo=1)
    x = np.array([[float(q0)], [float(R0)]])
    if not (0.0 <= q0 <= 1.0 and R0 * R0 <= q0 + 1e-15):
        raise ParameterError(f"the start needs 0 <= q0 <= 1 and R0^2 <= q0, got R0={R0}, q0={q0}")
    p = {"alpha": np.array([alpha]), "beta": np.array([b])}
    Rs, qs = [float(R0)], [float(q0)]
    conv = perfect = False
    it = 0
    for it in range(1, max_iter + 1):
        xn = se_map(x, p)
        step = float(np.max(np.abs(xn - x)))
        x = xn
        Rs.append(float(x[1, 0]))
        qs.append(float(x[0, 0]))
        if x[0, 0] >= Q_PERFECT:
            perfect = conv = True
            break
        if step < tol:
            conv = True
            break
    return dict(R=Rs, q=qs, converged=conv, perfect=perfect, iterations=it, alpha=alpha,
                beta=b, T=0.0 if math.isinf(b) else 1.0 / b)


def solve(alpha=None, level="rs", max_iter=100_000, **params):
    """The SE fixed point reached from the uninformative start, as a SaddleResult of
    ``perceptron-teacher`` (``method='state-evolution'``). The iteration runs until its step
    is < 1e-12 (or q reaches 1 - 1e-10: the perfect state R = q = 1); the end point is
    then polished by Newton on the same SE map, and ``residual`` is that of the undamped
    SE map there. ``iterations`` counts SE steps (= AMP iterations at large N).
    ``params``: T or beta."""
    model = PerceptronTeacher()
    pars = model.check_params({**params, "alpha": alpha})
    a, b = pars["alpha"], pars["beta"]
    tr = trajectory(a, beta=b, max_iter=max_iter)
    p = {"alpha": np.array([a]), "beta": np.array([b])}
    if a == 0 or tr["perfect"]:
        x = np.array([0.0, 0.0]) if a == 0 else np.array([1.0, 1.0])
        conv, res = tr["converged"], 0.0
    else:
        x0 = np.array([[tr["q"][-1]], [tr["R"][-1]]])
        r = solve_fixed_point(se_map, x0, p, bounds=([0.0, -1.0], [Q_MAX, 1.0]), tol=1e-11, maxiter=50)
        x = r.x[:, 0]
        moved = float(np.max(np.abs(x - x0[:, 0])))
        conv = bool(r.converged[0]) and moved < 1e-6
        res = float(r.residual[0])
    if x[0] >= Q_PERFECT or a == 0:
        good = a > 0
        obs = dict(q_hat=math.inf if good else 0.0, R_hat=math.inf if good else 0.0,
                   phi=0.0 if good else math.log(2.0), free_energy=0.0, energy=0.0,
                   entropy=0.0 if good else math.log(2.0), generalization_error=0.0 if good else 0.5,
                   training_error=0.0 if good else 0.5)
        if not good and not math.isinf(b):
            obs.update(free_energy=-math.log(2.0) / b)
        branch = "good" if good else "poor"
    else:
        obs = {k: float(v) for k, v in model.observables(x[0], x[1], a, b).items()}
        branch = "poor"
    op = {"q": x[0], "R": x[1], "q_hat": obs["q_hat"], "R_hat": obs["R_hat"]}
    return make_result(model.name, level, pars, op, obs["free_energy"], obs["energy"], obs["entropy"],
                       conv, res, tr["iterations"], branch=branch, method="state-evolution",
                       generalization_error=obs["generalization_error"],
                       training_error=obs["training_error"], stability={},
                       message=("AMP state evolution from the uninformative start R = q = 0; "
                                "its fixed point is the RS saddle it reaches")).warn_if_unconverged()
