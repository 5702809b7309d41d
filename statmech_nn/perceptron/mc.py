"""Monte Carlo and exact enumeration for binary perceptrons (storage and teacher-student).

Energy = number of training errors (``energy='errors'``; prediction sign(h) with
sign(0) = +1) or the stability count (``energy='stability'``: y h/sqrt(N) < kappa).
Randomness: data from ``numpy.random.default_rng(SeedSequence(seed))`` children, chains
from explicit xoshiro states (:func:`statmech_nn.mc.rng.seed_states`).
"""
import math

import numpy as np

from ..core.errors import ParameterError, check_int, check_range
from ..mc.kernels_perceptron import enumerate_energies, perceptron_sweeps
from ..mc.rng import seed_states
from .common import sign

MODES = {"errors": 0, "stability": 1}


def make_data(N, alpha, seed, teacher=True, inputs="gaussian"):
    """Teacher (+-1), patterns (P, N) and labels. ``teacher=False``: random labels."""
    N = check_int("N", N, lo=1)
    alpha = check_range("alpha", alpha, lo=0.0)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    P = int(round(alpha * N))
    X = rng.standard_normal((P, N)) if inputs == "gaussian" else rng.choice([-1.0, 1.0], (P, N))
    ws = rng.choice(np.array([-1, 1], np.int8), N)
    y = sign(X @ ws).astype(float) if teacher else rng.choice([-1.0, 1.0], P)
    return ws, X, y


def run_mc(X, y, T, n_sweeps, n_therm, seed, teacher=None, energy="errors", kappa=0.0,
           measure_every=1, w0=None):
    """Metropolis at temperature T; returns dict with time series of energy/N and R."""
    if energy not in MODES:
        raise ParameterError(f"energy={energy!r} is not one of {', '.join(MODES)}")
    T = check_range("T", T, lo=0.0)
    beta = math.inf if T == 0 else 1.0 / T
    P, N = X.shape
    st = seed_states(seed, 2)
    rng = np.random.default_rng(st[1, 0])
    w = (rng.choice(np.array([-1, 1], np.int8), N) if w0 is None else np.array(w0, np.int8)).copy()
    h = X @ w.astype(float)
    state = st[0].copy()
    mode, thr = MODES[energy], kappa * math.sqrt(N)
    Xc = np.ascontiguousarray(X, float)
    yc = np.ascontiguousarray(y, float)
    perceptron_sweeps(w, h, Xc, yc, beta, mode, thr, n_therm, state)
    Es, Rs = [], []
    for _ in range(n_sweeps // measure_every):
        perceptron_sweeps(w, h, Xc, yc, beta, mode, thr, measure_every, state)
        Es.append(_energy(h, yc, mode, thr) / N)
        if teacher is not None:
            Rs.append(float(w @ teacher.astype(float)) / N)
    return {"energy": np.array(Es), "R": np.array(Rs), "w": w}


def _energy(h, y, mode, thr):
    from ..mc.kernels_perceptron import perceptron_energy
    return perceptron_energy(h, y, mode, thr)


def exact_averages(X, y, T, teacher=None, energy="errors", kappa=0.0):
    """Exact Gibbs averages <E>/N and <R> by enumerating all 2^N weight vectors (N <= 22)."""
    P, N = X.shape
    if N > 22:
        raise ParameterError(f"N={N} is too large for exact enumeration (N <= 22)")
    E = enumerate_energies(np.ascontiguousarray(X, float), np.ascontiguousarray(y, float),
                           MODES[energy], kappa * math.sqrt(N))
    beta = math.inf if T == 0 else 1.0 / T
    if math.isinf(beta):
        lw = np.where(E == E.min(), 0.0, -np.inf)
    else:
        lw = -beta * E
    p = np.exp(lw - lw.max())
    p /= p.sum()
    out = {"energy": float(p @ E) / N, "log_Z": float(np.log(np.sum(np.exp(lw - lw.max()))) + lw.max())}
    if teacher is not None:
        idx = np.arange(1 << N)
        bits = ((idx[:, None] >> np.arange(N)) & 1) * 2 - 1
        R = bits @ teacher.astype(float) / N
        out["R"] = float(p @ R)
    return out
