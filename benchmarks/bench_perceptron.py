"""Binary-perceptron kernels: MC cost per weight-flip attempt per pattern term, and AMP cost per
iteration relative to one dense matrix-vector product pair, each against NumPy in the same run.

* MC (``statmech_nn.mc.kernels_perceptron.sweep``): teacher-student, Gaussian inputs,
  Metropolis at T = 1, random-site order, equilibrated start. A flip attempt reads one
  contiguous row of the feature-major patterns and the P stabilities: ns per attempt / P.
  References: NumPy doing the same incremental update per attempt (u' = u - 2 w_i A[i],
  count the violated patterns, O(P) vectorised, Python overhead per attempt), and NumPy
  recomputing all stabilities per attempt (O(N P)). Goal <= 2 ns per pattern term.
* AMP (``statmech_nn.mc.plefka_perceptron``, order 2, variance 'uniform', T = 0): seconds per
  iteration, fixed iteration count, over (a) seconds per (N P) and (b) the time of one
  NumPy matrix-vector product pair F^T m, F g (BLAS, whatever thread count it uses) timed
  in the same run. Goal: ratio (b) <= 3.

CPU time of the calling thread (``time.thread_time``) for the single-threaded kernels; the
NumPy pair is timed in wall time too (BLAS may run on several threads).
"""
import math
import os
import time

import numpy as np

from statmech_nn.mc.kernels_perceptron import sweep
from statmech_nn.mc.perceptron_model import perceptron_teacher
from statmech_nn.mc.perceptron_sampler import METROPOLIS
from statmech_nn.mc.plefka_perceptron import PerceptronPlefka
from statmech_nn.mc.rng import seed_states

MC_QUICK = [(200, 1.0), (1000, 1.0), (1000, 2.0), (4000, 1.0)]
MC_FULL = MC_QUICK + [(4000, 2.0), (400, 4.0)]
AMP_QUICK = [(1000, 2.0), (4000, 1.0)]
AMP_FULL = AMP_QUICK + [(4000, 2.0), (8000, 1.0)]


def _equilibrated(model, T=1.0, sweeps=20):
    w = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), model.N)
    u = w.astype(np.float64) @ model.A
    rng = seed_states(1, 1)[0]
    pacc = METROPOLIS.table(1.0 / T, model.P)
    for _ in range(sweeps):
        sweep(model.A, model.t, w, u, pacc, 1, rng)
    return w, u, rng, pacc


def time_kernel(model, budget):
    w, u, rng, pacc = _equilibrated(model)
    n, acc, t0 = 0, 0, time.thread_time()
    while True:
        na, _ = sweep(model.A, model.t, w, u, pacc, 1, rng)
        acc += na
        n += 1
        dt = time.thread_time() - t0
        if dt > budget and n >= 2:
            return dt / (n * model.N), acc / (n * model.N)


def time_numpy(model, budget, recompute=False):
    w, u, _, _ = _equilibrated(model)
    w = w.astype(np.float64)
    g = np.random.default_rng(1)
    A, t, beta = model.A, model.t, 1.0
    n, t0 = 0, time.thread_time()
    while True:
        for _ in range(20):
            i = int(g.integers(model.N))
            un = (w @ A - 2.0 * w[i] * A[i]) if recompute else u - 2.0 * w[i] * A[i]
            dE = int(np.count_nonzero(un < t)) - int(np.count_nonzero(u < t))
            if dE <= 0 or g.random() < math.exp(-beta * dE):
                u = un if not recompute else w @ A - 2.0 * w[i] * A[i]
                w[i] = -w[i]
        n += 20
        dt = time.thread_time() - t0
        if dt > budget:
            return dt / n


def time_amp(N, alpha, iters):
    model = perceptron_teacher(N, alpha, seed=1)
    pl = PerceptronPlefka(model, T=0.0, tol=1e-300, max_iter=2)
    pl.solve()                                            # compile / warm
    pl = PerceptronPlefka(model, T=0.0, tol=1e-300, max_iter=iters)
    t0, c0 = time.perf_counter(), time.thread_time()
    r = pl.solve()
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    F = model.A / math.sqrt(N)
    m, gv = np.random.default_rng(2).uniform(-1, 1, N), np.random.default_rng(3).normal(size=model.P)
    F.T @ m, F @ gv
    reps, p0, pc = 10, time.perf_counter(), time.thread_time()
    for _ in range(reps):
        F.T @ m
        F @ gv
    pair_wall, pair_cpu = (time.perf_counter() - p0) / reps, (time.thread_time() - pc) / reps
    it = r["iterations"]
    return dict(s_per_iter=wall / it, cpu_s_per_iter=cpu / it, ns_per_NP=wall / it / (N * model.P) * 1e9,
                pair_s=pair_wall, pair_cpu_s=pair_cpu, ratio_to_pair=(wall / it) / pair_wall)


def run(quick=True):
    budget = 0.6 if quick else 3.0
    out = {"mc_ns_per_pattern_term": {}, "mc_ns_per_attempt": {}, "mc_acceptance": {},
           "mc_speedup_vs_numpy_incremental": {}, "mc_speedup_vs_numpy_recompute": {},
           "amp_ns_per_NP": {}, "amp_ratio_to_numpy_matvec_pair": {}, "amp_detail": {}}
    for N, a in (MC_QUICK if quick else MC_FULL):
        model = perceptron_teacher(N, a, seed=1)
        key = f"N{N}_alpha{a:g}"
        t, acc = time_kernel(model, budget)
        out["mc_ns_per_pattern_term"][key] = round(t / model.P * 1e9, 3)
        out["mc_ns_per_attempt"][key] = round(t * 1e9, 1)
        out["mc_acceptance"][key] = round(acc, 4)
        out["mc_speedup_vs_numpy_incremental"][key] = round(time_numpy(model, budget / 2) / t, 1)
        if N <= 1000:
            out["mc_speedup_vs_numpy_recompute"][key] = round(time_numpy(model, budget / 2, True) / t, 1)
    for N, a in (AMP_QUICK if quick else AMP_FULL):
        key = f"N{N}_alpha{a:g}"
        d = time_amp(N, a, 10 if quick else 30)
        out["amp_ns_per_NP"][key] = round(d["ns_per_NP"], 3)
        out["amp_ratio_to_numpy_matvec_pair"][key] = round(d["ratio_to_pair"], 3)
        out["amp_detail"][key] = {k: round(v, 6) for k, v in d.items()}
    out["goals"] = {"mc_ns_per_pattern_term": 2.0, "amp_ratio_to_numpy_matvec_pair": 3.0}
    out["note"] = ("MC: single thread, Metropolis T = 1, random order, Gaussian inputs; AMP: T = 0, "
                   "undamped, one fused pass over F per iteration; NumPy pair = BLAS "
                   f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
                   f"{os.cpu_count()} cores)")
    return out


if __name__ == "__main__":
    import json
    import sys
    print(json.dumps(run(quick="--full" not in sys.argv), indent=2))
