"""Field-space variational learning of binary perceptrons (NumPy; no DL framework).

Posterior q_theta(w) = prod_i exp(beta theta_i w_i)/(2 cosh beta theta_i), means
m = tanh(beta theta), variances s2 = 1 - m^2. One example costs (Gaussian-field
approximation of the preactivation)

    l(theta; x, y) = -ln H(t),   t = -y m.x / sqrt(sum_i s2_i x_i^2),

and task t adds gamma * KL(q_theta || q_theta_prev), whose gradient is
gamma beta^2 s2 (theta - theta_prev). Options of the same trainer:

* ``penalty='kl'``  (variational continual learning, the default),
* ``penalty='ewc'``: the second-order expansion of the KL about theta_prev,
  (gamma/2) sum_i F_i (theta_i - theta_prev_i)^2 with the Fisher weight
  F_i = beta^2 (1 - m_prev_i^2) frozen at the end of the previous task,
* ``penalty='none'``,
* ``metaplastic=mm > 0``: Laborieux et al.'s rule on the Adam step: components that
  move theta towards zero (towards a sign flip) are multiplied by ``1 - tanh^2(mm |theta|)``.

Mini-batch Adam on theta; the penalty gradient is scaled by batch/P so that one epoch
sums to the full objective. Inputs are Rademacher (+-1); labels y = sign(w*.x) with
sign(0) = +1 (``ties='error'`` refuses data where a tie can occur, i.e. even N).
Test error of the clipped student sign(theta) (sign(0) = +1): arccos(p)/pi with
p = sign(theta).w*/N.
"""
from dataclasses import dataclass

import numpy as np

from ..core.errors import ParameterError, check_choice, check_int, check_range
from .common import eps_from_overlap, log_2cosh, log_H, mills, sign


# ---- data ------------------------------------------------------------------------------
def teachers(N, r0, n_tasks, rng):
    """Chain of +-1 teachers: w1 uniform, w_{t+1,i} = B_i w_{t,i}, P(B_i = 1) = (1+r0)/2."""
    r0 = check_range("r0", r0, lo=-1.0, hi=1.0)
    w = [rng.choice(np.array([-1, 1], np.int8), N)]
    for _ in range(n_tasks - 1):
        B = np.where(rng.random(N) < 0.5 * (1 + r0), 1, -1).astype(np.int8)
        w.append((w[-1] * B).astype(np.int8))
    return w


def rademacher_task(w_star, P, rng, ties="plus"):
    check_choice("ties", ties, ("plus", "error"))
    N = w_star.size
    if ties == "error" and N % 2 == 0:
        raise ParameterError(f"N={N} is even: with +-1 inputs w*.x = 0 occurs (probability "
                             "~ sqrt(2/(pi N))); use odd N or ties='plus' (sign(0) = +1)")
    X = rng.choice(np.array([-1.0, 1.0]), (P, N))
    y = sign(X @ w_star.astype(float)).astype(float)
    return X, y


# ---- objective and gradients --------------------------------------------------------------
def data_loss_grad(theta, X, y, beta=1.0):
    """Sum over the batch of -ln H(t) and its analytic gradient in theta."""
    m = np.tanh(beta * theta)
    s2 = 1.0 - m * m
    A = y * (X @ m)
    S = (X * X) @ s2
    sS = np.sqrt(S)
    t = -A / sS
    loss = -np.sum(log_H(t))
    g = mills(t)  # d(-ln H)/dt
    # dt/dm_i = -y x_i / sqrt(S) - A m_i x_i^2 / S^{3/2}
    grad_m = -(g * y / sS) @ X - m * ((g * A / (S * sS)) @ (X * X))
    return loss, beta * s2 * grad_m


def kl_loss_grad(theta, theta_prev, beta=1.0):
    """KL(q_theta || q_theta_prev) summed over sites, and its gradient beta^2 s2 (theta - theta')."""
    b, bp = beta * theta, beta * theta_prev
    m = np.tanh(b)
    kl = np.sum(m * (b - bp) - log_2cosh(b) + log_2cosh(bp))
    return kl, beta * beta * (1 - m * m) * (theta - theta_prev)


def ewc_loss_grad(theta, theta_prev, fisher):
    d = theta - theta_prev
    return 0.5 * np.sum(fisher * d * d), fisher * d


_TASK1_CACHE = {}


@dataclass
class Adam:
    lr: float = 0.01
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-8

    def init(self, n):
        self.m, self.v, self.t = np.zeros(n), np.zeros(n), 0

    def step(self, g):
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g * g
        mh = self.m / (1 - self.b1 ** self.t)
        vh = self.v / (1 - self.b2 ** self.t)
        return -self.lr * mh / (np.sqrt(vh) + self.eps)


def train_continual(N, alphas, r0=0.0, gamma=1.0, epochs=50, lr=0.01, batch=64, seed=0,
                    penalty="kl", metaplastic=0.0, beta=1.0, n_test=4000, ties="plus",
                    first_task_prior=False, theta0_scale=1.0):
    """Train tasks t = 1..len(alphas) in sequence; returns learning curves.

    Returns dict: ``eps`` (n_epochs_total + 1, n_tasks) test errors of sign(theta) against every
    teacher after every epoch (row 0: initial), ``task_of_epoch``, ``theta``, ``teachers``,
    ``overlaps`` (same shape as eps; p = sign(theta).w*/N)."""
    N = check_int("N", N, lo=2)
    for a in alphas:
        check_range("alpha", a, lo=0.0, lo_open=True, allowed="(0, inf) for training")
    check_range("gamma", gamma, lo=0.0)
    check_choice("penalty", penalty, ("kl", "ewc", "none"))
    check_range("metaplastic", metaplastic, lo=0.0)
    epochs = check_int("epochs", epochs, lo=1)
    batch = check_int("batch", batch, lo=1)
    ss = np.random.SeedSequence(seed)
    rng_t, rng_d, rng_i, rng_b = (np.random.default_rng(s) for s in ss.spawn(4))
    W = teachers(N, r0, len(alphas), rng_t)
    data = [rademacher_task(w, max(1, int(round(a * N))), rng_d, ties) for w, a in zip(W, alphas)]
    theta = theta0_scale * rng_i.standard_normal(N)
    init_theta = theta.copy()
    theta_prev = np.zeros(N)
    fisher = np.zeros(N)
    opt = Adam(lr=lr)
    overl = lambda th: np.array([float(sign(th).astype(float) @ w) / N for w in W])
    hist, task_of = [overl(theta)], [0]
    # task 1 does not depend on r0, gamma or later tasks: reuse it across calls
    key = (N, float(alphas[0]), repr(seed), epochs, lr, batch, float(beta), ties, bool(first_task_prior),
           float(theta0_scale), penalty if first_task_prior else "", float(metaplastic), float(gamma)
           if first_task_prior else 0.0, n_test)
    start = 0
    if key in _TASK1_CACHE:
        theta1, bstate, ov1 = _TASK1_CACHE[key]
        theta = theta1.copy()
        rng_b.bit_generator.state = bstate
        hist = [np.array([o[0]] + [float(sign(t0).astype(float) @ w) / N for w in W[1:]])
                for o, t0 in ov1]
        task_of = [0] + [1] * epochs
        theta_prev = theta.copy()
        fisher = beta * beta * (1 - np.tanh(beta * theta) ** 2)
        start = 1
    snaps = []
    for t, (X, y) in enumerate(data):
        if t < start:
            continue
        P = X.shape[0]
        use_pen = (t > 0 or first_task_prior) and penalty != "none" and gamma > 0
        opt.init(N)
        for ep in range(epochs):
            order = rng_b.permutation(P)
            for s in range(0, P, batch):
                idx = order[s:s + batch]
                _, g = data_loss_grad(theta, X[idx], y[idx], beta)
                if use_pen:
                    scale = gamma * idx.size / P
                    if penalty == "kl":
                        g = g + scale * kl_loss_grad(theta, theta_prev, beta)[1]
                    else:
                        g = g + scale * ewc_loss_grad(theta, theta_prev, fisher)[1]
                d = opt.step(g)
                if metaplastic > 0:
                    toward0 = np.sign(theta) * d < 0
                    d = np.where(toward0, d * (1 - np.tanh(metaplastic * np.abs(theta)) ** 2), d)
                theta = theta + d
            hist.append(overl(theta))
            task_of.append(t + 1)
            if t == 0:
                snaps.append(theta.copy())
        if t == 0 and len(_TASK1_CACHE) < 64:
            _TASK1_CACHE[key] = (theta.copy(), rng_b.bit_generator.state,
                                 [(hist[k], snaps[k - 1] if k else init_theta) for k in range(len(hist))])
        theta_prev = theta.copy()
        fisher = beta * beta * (1 - np.tanh(beta * theta) ** 2)
    ov = np.array(hist)
    return {"eps": eps_from_overlap(ov), "overlaps": ov, "task_of_epoch": np.array(task_of),
            "theta": theta, "teachers": W}
