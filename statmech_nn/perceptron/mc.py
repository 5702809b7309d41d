"""Monte Carlo and exact enumeration for binary perceptrons (storage and teacher-student).

Energy = number of training errors (``energy='errors'``; prediction sign(h) with
sign(0) = +1) or the stability count (``energy='stability'``: y h/sqrt(N) < kappa).
Randomness: data from ``numpy.random.default_rng(SeedSequence(seed))`` children, chains
from explicit xoshiro states (:func:`statmech_nn.mc.rng.seed_states`).
"""
import math

import numpy as np

from ..core.errors import ParameterError, check_int, check_range
from ..mc.kernels_perceptron import enumerate_energies, run_group
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
    """Metropolis at temperature T (random-site order, one chain) on the kernels of
    :mod:`statmech_nn.mc.kernels_perceptron`; returns time series of energy/N and R (every
    ``measure_every`` sweeps after ``n_therm``) and the final weights. The full sampler
    (tempering, replicas, tau_int error bars) is :class:`statmech_nn.mc.PerceptronSampler`."""
    from ..mc.perceptron_model import from_data
    from ..mc.perceptron_sampler import METROPOLIS
    if energy not in MODES:
        raise ParameterError(f"energy={energy!r} is not one of {', '.join(MODES)}")
    T = check_range("T", T, lo=0.0)
    beta = math.inf if T == 0 else 1.0 / T
    model = from_data(X, y, teacher, energy=energy, kappa=kappa)
    st = seed_states(seed, 2)
    rng = np.random.default_rng(st[1, 0])
    w = (rng.choice(np.array([-1, 1], np.int8), model.N) if w0 is None else np.array(w0, np.int8))
    w = np.ascontiguousarray(w.reshape(1, -1))
    u = np.ascontiguousarray(w.astype(float) @ model.A)
    E = np.sum(u < model.t, axis=-1).astype(np.int64)
    state = st[0].copy()
    pacc = METROPOLIS.table(beta, model.P)[None, :]
    has_t = teacher is not None
    tt = np.asarray(teacher, np.int8) if has_t else np.zeros(1, np.int8)
    z = lambda *s: np.zeros(s, np.int64)      # noqa: E731

    def sweeps(n):
        out = np.zeros((n, 1, 1)), np.zeros((n, 1, 1)), np.zeros((n, 1))
        run_group(model.A, model.t, tt, has_t, w, u, E, pacc, np.array([beta]), z(1, 1), 1, n, 0,
                  state, False, out[0], out[1], out[2], z(1, 1), z(1, 1), z(1, 1), z(1), z(1))
        return out[0][:, 0, 0], out[1][:, 0, 0]
    if n_therm:
        sweeps(n_therm)
    Es, Rs = sweeps(n_sweeps) if n_sweeps else (np.zeros(0), np.zeros(0))
    k = measure_every - 1
    return {"energy": Es[k::measure_every], "R": Rs[k::measure_every] if has_t else np.array([]),
            "w": w[0]}


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
