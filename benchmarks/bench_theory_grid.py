"""Hopfield RS (alpha, T) grid through ``solve_batch`` vs a plain scipy.integrate.quad baseline.

``run(quick)`` solves a 100 x 100 grid (alpha in [0, 0.2], T in [0, 1.5], thermodynamic state:
every branch solved, lowest f kept) in one batched call and reports the wall time, the
fraction converged (the rest are flagged ``converged=False``), and the time per point of a
textbook damped fixed-point iteration with ``scipy.integrate.quad`` on a few points of the
same grid, timed in the same process. ``quick`` uses the same grid (it takes seconds).
"""
import time

import numpy as np
from scipy import integrate

from statmech_nn.theory import get_model


def _quad_point(alpha, T, tol=1e-10, maxiter=2000, damping=0.5):
    """Damped fixed-point iteration of the AGS RS equations with adaptive quadrature."""
    beta = 1.0 / T
    g = lambda z: np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    m, q = 1.0, 0.999
    for it in range(1, maxiter + 1):
        r = q / (1 - beta * (1 - q)) ** 2
        s = np.sqrt(alpha * r)
        t1 = integrate.quad(lambda z: g(z) * np.tanh(beta * (m + s * z)), -10, 10, epsabs=1e-13)[0]
        t2 = integrate.quad(lambda z: g(z) * np.tanh(beta * (m + s * z)) ** 2, -10, 10, epsabs=1e-13)[0]
        dm, dq = t1 - m, t2 - q
        if max(abs(dm), abs(dq)) < tol:
            return m, q, it, True
        m, q = m + damping * dm, q + damping * dq
    return m, q, maxiter, False


def run(quick=False):
    hop = get_model("hopfield")
    n = 100
    alpha = np.linspace(0.0, 0.2, n)
    T = np.linspace(0.0, 1.5, n)
    A, TT = np.meshgrid(alpha, T, indexing="ij")
    hop.solve_batch("rs", None, alpha=A[:2, :2], T=TT[:2, :2] + 0.1)   # warm-up (imports, caches)
    t0, c0 = time.perf_counter(), time.process_time()
    out = hop.solve_batch("rs", None, alpha=A, T=TT)
    t_grid, cpu_grid = time.perf_counter() - t0, time.process_time() - c0
    conv = np.asarray(out["converged"])
    per_point = t_grid / A.size
    # baseline on grid points drawn with a fixed seed (T > 0.05: quad needs finite beta),
    # started like the retrieval branch (m = 1, q near 1)
    rng = np.random.default_rng(0)
    pts = [(float(rng.choice(alpha[1:])), float(rng.choice(T[T > 0.05]))) for _ in range(3 if quick else 6)]
    base, base_cpu, errs = [], [], []
    for a, t in pts:
        t0, c0 = time.perf_counter(), time.process_time()
        m, q, its, ok = _quad_point(a, t)
        base.append(time.perf_counter() - t0)
        base_cpu.append(time.process_time() - c0)
        ours = hop.solve_batch("rs", "retrieval", alpha=np.array([a]), T=np.array([t]))
        # where the retrieval saddle does not exist ours is flagged unconverged (None here)
        same = ok and bool(ours["converged"][0])
        errs.append(abs(abs(m) - abs(float(ours["m"][0]))) if same else None)
    base_pp = float(np.mean(base))
    base_cpu_pp = float(np.mean(base_cpu))
    return {
        "grid": f"{n}x{n} (alpha in [0, 0.2], T in [0, 1.5], all branches, lowest f)",
        "grid_seconds": round(t_grid, 3),
        "grid_cpu_seconds": round(cpu_grid, 3),
        "per_point_ms": round(1e3 * per_point, 4),
        "fraction_converged": float(conv.mean()),
        "n_unconverged_flagged": int((~conv).sum()),
        "max_residual_converged": float(np.max(np.asarray(out["residual"])[conv])),
        "baseline_quad_points": [list(p) for p in pts],
        "baseline_per_point_ms": [round(1e3 * b, 2) for b in base],
        "baseline_vs_ours_abs_m_diff": errs,
        "baseline_cpu_per_point_ms": [round(1e3 * b, 2) for b in base_cpu],
        "speedup_per_point": round(base_pp / per_point, 1),
        "speedup_per_point_cpu": round(base_cpu_pp / (cpu_grid / A.size), 1),
        "note": "wall times on a shared machine; baseline timed in the same process",
        "goal": "grid < 10 s, >= 99.9 % converged, >= 50x per point",
    }


if __name__ == "__main__":
    import json
    print(json.dumps(run(), indent=2))
