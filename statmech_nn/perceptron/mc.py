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


#: enumeration chunk of 2^CHUNK_BITS configurations (~0.5 MB per array at 16)
CHUNK_BITS = 16


def exact_averages(X, y, T, teacher=None, energy="errors", kappa=0.0, chunk_bits=CHUNK_BITS):
    """Exact Gibbs averages <E>/N and <R> by enumerating all 2^N weight vectors (N <= 22),
    in chunks of 2^chunk_bits configurations (memory independent of N)."""
    P, N = X.shape
    if N > 22:
        raise ParameterError(f"N={N} is too large for exact enumeration (N <= 22)")
    chunk_bits = check_int("chunk_bits", chunk_bits, lo=1)
    X = np.ascontiguousarray(X, float)
    y = np.ascontiguousarray(y, float)
    mode, thr = MODES[energy], kappa * math.sqrt(N)
    beta = math.inf if T == 0 else 1.0 / T
    # A chunk fixes the first nl weights to a setting l or its complement ~l and runs the
    # kernel on [c_l, X_high], c_l = the field of the first nl weights summed in the kernel's
    # order: its fields (hence energies) are bit-identical to the full enumeration, as
    # negation is exact (the kernel's bit 0 picks l or ~l). nl = 1 is the plain enumeration.
    nl = max(1, N - chunk_bits + 1)
    nh = N - nl
    ls = np.arange(1 << (nl - 1), 1 << nl)
    wl = ((ls[:, None] >> np.arange(nl)) & 1) * 2.0 - 1.0           # (n_chunks, nl)
    c = np.zeros((len(ls), P))
    for k in range(nl):
        c = c + wl[:, k, None] * X[:, k]
    Xa = np.empty((P, nh + 1))
    Xa[:, 1:] = X[:, nl:]
    if teacher is not None:
        t = np.asarray(teacher, float)
        Rh = np.zeros(1)
        for k in range(nl, N):        # overlap of the last nh weights, index bit k-nl -> w_k
            Rh = np.concatenate([Rh - t[k], Rh + t[k]])
        Rh = np.repeat(Rh, 2)
        pair = np.tile([-1.0, 1.0], 1 << nh)
        Rl = wl @ t[:nl]
    # streamed sums of w = exp(-beta (E - emin)) (T = 0: indicator of E = emin)
    emin, S, SE, SR = math.inf, 0.0, 0.0, 0.0
    for j in range(len(ls)):
        Xa[:, 0] = c[j]
        E = enumerate_energies(Xa, y, mode, thr)
        e0 = E.min()
        w = (E == e0).astype(float) if math.isinf(beta) else np.exp(-beta * (E - e0))
        if e0 < emin:
            f = math.exp(-beta * (emin - e0))
            S, SE, SR, emin = f * S, f * SE, f * SR, e0
        elif e0 > emin:
            w *= math.exp(-beta * (e0 - emin))
        S += w.sum()
        SE += w @ E
        if teacher is not None:
            SR += w @ ((Rh + pair * Rl[j]) / N)
    log_Z = math.log(S) + (0.0 if math.isinf(beta) else -beta * emin)
    out = {"energy": float(SE / S) / N, "log_Z": float(log_Z)}
    if teacher is not None:
        out["R"] = float(SR / S)
    return out
