"""MC kernel speed: ns per attempted flip per stored pattern ("pattern term").

Cases: ``hopfield`` (P = 2) and ``dense-hebbian`` P = 4 (distinct indices), N = 200-4000,
K = 10-1e5, binary patterns, Metropolis, sequential sweeps started on pattern 1 (so the
acceptance is that of a retrieval state; it is reported).  Reference: a plain NumPy
implementation that recomputes all overlaps M = xi^T s for every attempted flip (O(N K)
per flip) and evaluates the same exact energy difference, timed in the same process on a
few hundred flips.  Goals (one core): <= 2 ns/term for P = 2, <= 3 ns/term for P = 4,
>= 100x faster than NumPy.  The memory-bandwidth floor is well under 1 ns/term: each term
reads one int8 pattern entry and one int64 overlap (plus a write of the overlap when the
flip is accepted); the kernel is bound by the per-attempt overhead at small K and by the
int64 multiply/accumulate throughput at large K.

Timings are CPU time of the calling thread (``time.thread_time``), which is less
sensitive to other processes on a shared machine than wall time (still pessimistic under
contention: caches and memory bandwidth are shared).
"""
import time

import numpy as np

from statmech_nn import mc
from statmech_nn.mc.kernels_hebb import sweep_int
from statmech_nn.mc.rng import seed_states

CASES_QUICK = [("hopfield", 2, 1000, 10, 0.5), ("hopfield", 2, 1000, 100, 0.5),
               ("hopfield", 2, 4000, 400, 0.5), ("hopfield", 2, 200, 100_000, 0.5),
               ("dense-hebbian", 4, 200, 1000, 0.05), ("dense-hebbian", 4, 200, 10_000, 0.05),
               ("dense-hebbian", 4, 200, 100_000, 0.05), ("dense-hebbian", 4, 1000, 100, 0.05)]
CASES_FULL = CASES_QUICK + [("hopfield", 2, 4000, 10, 0.5), ("hopfield", 2, 4000, 4000, 0.5),
                            ("dense-hebbian", 4, 400, 100_000, 0.05),
                            ("dense-hebbian", 4, 4000, 1000, 0.05)]


def _model(name, P, N, K):
    if name == "hopfield":
        return mc.hopfield(N, K=K, seed=1)
    return mc.dense_hebbian(N, P=P, K=K, seed=1)


def numpy_flips(model, T, n_flips, seed=0):
    """Straightforward NumPy Metropolis: recompute all overlaps for every attempted flip."""
    N, P = model.N, model.P
    xi = model.patterns.astype(np.int64)
    fco, gco, pref = model.int_coefficients()
    g = np.random.default_rng(seed)
    s = np.sign(xi[:, 0]).astype(np.int64)
    beta = 1.0 / T
    for t in range(n_flips):
        i = t % N
        M = s @ xi                                  # O(N K) recomputation
        u = s[i] * xi[i] * M
        dE = pref * np.polynomial.polynomial.polyval(u, gco).sum()
        if dE <= 0 or g.random() < np.exp(-beta * dE):
            s[i] = -s[i]
    return s


def time_numba(model, T, budget):
    fco, gco, pref = model.int_coefficients()
    sig = np.sign(model.patterns[:, 0]).astype(np.int8).copy()
    ov = sig.astype(np.int64) @ model.patterns.astype(np.int64)
    rng = seed_states(1, 1)[0]
    f = np.zeros(model.N)
    sweep_int(model.patterns, gco, pref, f, sig, ov, 1.0 / T, 0, 0, rng)   # compile/warm
    n, acc, t0 = 0, 0, time.thread_time()
    while True:
        na, _ = sweep_int(model.patterns, gco, pref, f, sig, ov, 1.0 / T, 0, 0, rng)
        acc += na
        n += 1
        dt = time.thread_time() - t0
        if dt > budget and n >= 2:
            break
    return dt / (n * model.N), acc / (n * model.N)


def time_numpy(model, T, budget):
    n = 5
    while True:
        t0 = time.thread_time()
        numpy_flips(model, T, n)
        dt = time.thread_time() - t0
        if dt > budget or n > 5000:
            return dt / n
        n *= 4


def run(quick=True):
    cases = CASES_QUICK if quick else CASES_FULL
    budget = 1.0 if quick else 6.0
    ns, speed, accr, per_flip = {}, {}, {}, {}
    for name, P, N, K, T in cases:
        key = f"{'hopfield' if P == 2 else 'dense_P4'}_N{N}_K{K}"
        model = _model(name, P, N, K)
        t_nb, a = time_numba(model, T, budget)
        t_np = time_numpy(model, T, budget / 2)
        ns[key] = round(t_nb / K * 1e9, 3)
        per_flip[key] = round(t_nb * 1e9, 1)
        speed[key] = round(t_np / t_nb, 1)
        accr[key] = round(a, 4)
    return {"ns_per_pattern_term": ns, "speedup_vs_numpy": speed, "ns_per_attempt": per_flip,
            "acceptance": accr,
            "goals": {"P2_ns_per_term": 2.0, "P4_ns_per_term": 3.0, "speedup": 100.0},
            "note": "single thread; Metropolis, sequential, retrieval start; T = 0.5 (P=2), "
                    "0.05 (P=4, below the retrieval spinodal)"}


if __name__ == "__main__":
    import json
    import sys
    print(json.dumps(run(quick="--full" not in sys.argv), indent=2))
