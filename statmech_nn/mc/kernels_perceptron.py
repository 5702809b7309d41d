"""Metropolis over binary perceptron weights (Numba; no Python objects inside).

State: weights ``w`` (int8, +-1, length N), the pattern fields ``h = X @ w`` (float64,
length P), patterns ``X`` (P, N) float64, labels ``y`` (+-1 float64), an explicit
xoshiro256** RNG state (uint64[4], see kernels_rng). Energy per pattern:

* mode 0 (errors): 1 if the prediction sign(h) differs from y, with sign(0) = +1;
* mode 1 (stability): 1 if y h / sqrt(N) < kappa (margin count; kappa = 0 counts
  y h < 0, so a zero field is never an error).

A flip of w_i changes h by -2 w_i X[:, i]; its energy change costs O(P).
"""
import math

import numpy as np
from numba import njit

from ._kernel_cache import CACHE
from .kernels_rng import randint, uniform


@njit(inline="always", cache=CACHE)
def _pattern_energy(hm, ym, mode, thr):
    if mode == 0:
        pred = 1.0 if hm >= 0.0 else -1.0
        return 1.0 if pred != ym else 0.0
    return 1.0 if ym * hm < thr else 0.0


@njit(cache=CACHE)
def perceptron_energy(h, y, mode, thr):
    e = 0.0
    for mu in range(h.shape[0]):
        e += _pattern_energy(h[mu], y[mu], mode, thr)
    return e


@njit(cache=CACHE)
def perceptron_sweeps(w, h, X, y, beta, mode, thr, n_sweeps, state):
    """``n_sweeps`` sweeps of N random-site Metropolis proposals at inverse temperature
    ``beta`` (inf allowed: only non-increasing moves). Mutates w, h, state; returns the
    number of accepted flips. ``thr`` = kappa * sqrt(N) for mode 1."""
    P, N = X.shape
    acc = 0
    for _ in range(n_sweeps):
        for _k in range(N):
            i = randint(state, N)
            wi = w[i]
            dE = 0.0
            for mu in range(P):
                hn = h[mu] - 2.0 * wi * X[mu, i]
                dE += _pattern_energy(hn, y[mu], mode, thr) - _pattern_energy(h[mu], y[mu], mode, thr)
            ok = dE <= 0.0
            if not ok and beta < np.inf:
                ok = uniform(state) < math.exp(-beta * dE)
            if ok:
                for mu in range(P):
                    h[mu] -= 2.0 * wi * X[mu, i]
                w[i] = -wi
                acc += 1
    return acc


@njit(cache=CACHE)
def enumerate_energies(X, y, mode, thr):
    """Energies of all 2^N weight vectors (bit k of the index -> w_k = +1 if set)."""
    P, N = X.shape
    n = 1 << N
    E = np.empty(n)
    h = np.empty(P)
    for s in range(n):
        for mu in range(P):
            acc = 0.0
            for k in range(N):
                acc += X[mu, k] if (s >> k) & 1 else -X[mu, k]
            h[mu] = acc
        E[s] = perceptron_energy(h, y, mode, thr)
    return E
