"""k-RSB engine benchmarks (issue 15), each against today's per-point solver timed in the same run.

``run(quick)`` returns:
* ``dense_1rsb_grid``: thermodynamic 1RSB state of dense P = 4 on an (alpha, T) grid by
  ``theory.rsb.phase_grid.dense_grid`` (RS batched, the m = 0 sector from the exact b scaling,
  1RSB retrieval by Broyden continuation where needed) against ``DenseHebbian.solve_batch(level=
  '1rsb')`` (per point: all branches, several 1RSB starts) on a sub-grid: ms per point, ratio,
  the largest |f difference| and branch agreement on the sub-grid.  Goal: <= 5 ms per point,
  100 x 100 < 60 s.
* ``dense_1rsb_retrieval_line``: 1RSB retrieval saddles on alpha lines by continuation in T
  (``fast1rsb.continue_lines``) against ``solve(level='1rsb', branch='retrieval')`` per point.
* ``sk_full_rsb``: SK full RSB (k <= 7 and the k^-4 extrapolation) at T = 0.5 and T = 0, with the
  time of one 1RSB solve of ``sk.solve`` for reference.  Goal (T = 0.5): < 1 s.
* ``capacities``: dense P = 4 alpha_c (P-1)! for k = 1, 2, 3 (and Hopfield alpha_c at k = 1, 2 when
  not ``quick``), with their times.
"""
import math
import time
import warnings

import numpy as np

from statmech_nn.theory import get_model


def _dense_grid(quick):
    from statmech_nn.theory.rsb.phase_grid import dense_grid
    n = 30 if quick else 100
    alpha = np.linspace(0.0005, 0.06, n)
    T = np.linspace(0.001, 0.12, n)
    dense_grid(4, alpha[:3], T[:3])                      # warm-up (imports, caches)
    t0 = time.perf_counter()
    g = dense_grid(4, alpha, T)
    t_new = time.perf_counter() - t0
    step = max(1, n // 4)
    sa, sT = alpha[::step], T[::step]
    A, TT = np.meshgrid(sa, sT, indexing="ij")
    d = get_model("dense-hebbian")
    t0 = time.perf_counter()
    ref = d.solve_batch(level="1rsb", P=4, alpha=A, T=TT)
    t_old = time.perf_counter() - t0
    df = np.abs(g["free_energy"][::step, ::step] - ref["free_energy"])
    return {"grid": f"{n}x{n} (alpha in [0.0005, 0.06], T in [0.001, 0.12])",
            "grid_seconds": round(t_new, 2), "per_point_ms": round(1e3 * t_new / n ** 2, 3),
            "fraction_converged": float(np.mean(g["converged"])), "points_with_rsb": int(g["rsb"].sum()),
            "rsb_solves": int(g["n_rsb_solves"]), "a0_spline_error_bound": g["a0_spline_error"],
            "baseline_points": int(A.size), "baseline_per_point_ms": round(1e3 * t_old / A.size, 1),
            "speedup_per_point": round((t_old / A.size) / (t_new / n ** 2), 1),
            "max_abs_f_difference_on_baseline_points": float(np.nanmax(df)),
            "branch_agreement": float(np.mean(g["branch"][::step, ::step] == ref["branch"])),
            "goal": "<= 5 ms per point; 100x100 < 60 s on 2 cores"}


def _dense_line(quick):
    from statmech_nn.theory.dense import _rsb0_table
    from statmech_nn.theory.pspin import RSB_BOUNDS
    from statmech_nn.theory.rsb.fast1rsb import continue_lines
    d = get_model("dense-hebbian")
    P = 4
    E = d.engine(P)
    tab = _rsb0_table(P)
    al_t = P * tab[:, 4] ** (2 * P - 2) / (math.factorial(P - 1) * tab[:, 0] ** 2)
    j = int(np.argmax(al_t))
    st, at = tab[j:], al_t[j:]
    o = np.argsort(at)
    nA, nT = (4, 6) if quick else (10, 10)
    alphas = np.linspace(0.0335, 0.0375, nA)
    Ts = np.linspace(0.002, 0.012, nT)
    A, TT = np.meshgrid(alphas, Ts, indexing="ij")
    sc = np.sqrt(alphas / math.factorial(P))
    m0, q0, ys, Cs = (np.interp(alphas, at[o], st[o][:, k]) for k in (4, 1, 2, 3))
    X0 = np.stack([m0, q0, 1 - Cs / sc * Ts[0], ys / sc * Ts[0]])
    prm = d.prm(P, 1 / TT, A)
    t0 = time.perf_counter()
    out = continue_lines(E.rsb_map, {k: v.reshape(nA, nT) for k, v in prm.items()}, X0, bounds=RSB_BOUNDS)
    X = out["x"].reshape(4, -1)
    th = E.rsb_thermo(*X, prm)
    t_new = time.perf_counter() - t0
    idx = [(nA - 1, nT - 1), (nA // 2, nT // 2), (nA - 1, 1)]
    diffs, t_old = [], 0.0
    for i, jj in idx:
        t0 = time.perf_counter()
        r = d.solve(level="1rsb", branch="retrieval", P=4, alpha=alphas[i], T=Ts[jj])
        t_old += time.perf_counter() - t0
        diffs.append({"alpha": float(alphas[i]), "T": float(Ts[jj]),
                      "abs_f_difference": abs(r.free_energy - th["free_energy"][i * nT + jj]),
                      "per_point_solver_x": r.order_parameters["x"], "continuation_x": float(X[3, i * nT + jj]),
                      "per_point_message": r.message})
    return {"grid": f"{nA} alpha lines x {nT} T", "per_point_ms": round(1e3 * t_new / A.size, 2),
            "map_evaluations_per_point": float(out["evaluations"].mean()),
            "fraction_converged": float(out["converged"].mean()),
            "baseline_per_point_ms": round(1e3 * t_old / len(idx), 1),
            "speedup_per_point": round((t_old / len(idx)) / (t_new / A.size), 1),
            "baseline_points": diffs,
            "note": "where the per-point solver returns the RS point (x = 1) the continuation has the broken 1RSB saddle (higher f, the Parisi choice)"}


def _sk(quick):
    from statmech_nn.theory.pspin import PSpinEngine
    from statmech_nn.theory.rsb.frsb import full_rsb
    E = PSpinEngine((2,), 2)
    out = {}
    for T in (0.5, 0.0):
        prm = {"beta": np.array([np.inf if T == 0 else 1 / T]), "a0": np.zeros(1), "h": np.zeros(1),
               "c2": np.full(1, 0.5)}
        t0 = time.perf_counter()
        r = full_rsb(E, prm, T == 0, kmax=7)
        out[f"T={T}"] = {"seconds": round(time.perf_counter() - t0, 2), "f_frsb": r["free_energy"],
                         "extrapolation_error": r["free_energy_error"],
                         "f_k": [s["free_energy"] for s in r["sequence"]]}
    t0 = time.perf_counter()
    get_model("sk").solve(level="1rsb", T=0.5)
    out["sk_solve_1rsb_T0.5_seconds"] = round(time.perf_counter() - t0, 2)
    out["published_T0"] = "-0.7631667 (Crisanti-Rizzo 2002; Oppermann-Schmidt-Sherrington 2007)"
    out["goal"] = "T = 0.5 < 1 s"
    return out


def _capacities(quick):
    from statmech_nn.theory.rsb.capacity import capacity_krsb
    out, prev = {}, None
    for k in (1, 2, 3):
        t0 = time.perf_counter()
        c = capacity_krsb(4, k, previous=prev)
        out[f"dense_P4_k{k}"] = {"tau_c": c["tau_c"], "alpha_c": c["alpha_c"], "m": c["m"],
                                 "converged": c["converged"], "seconds": round(time.perf_counter() - t0, 1)}
        prev = c
    if not quick:
        from statmech_nn.theory.rsb import hopfield as HK
        prev = None
        for k in (1, 2):
            t0 = time.perf_counter()
            c = HK.capacity_krsb(k, previous=prev)
            out[f"hopfield_k{k}"] = {"alpha_c": c["alpha_c"], "m": c["m"], "converged": c["converged"],
                                     "collapsed": c.get("collapsed", False),
                                     "seconds": round(time.perf_counter() - t0, 1)}
            prev = c
    return out


def run(quick=False):
    warnings.simplefilter("ignore")
    return {"dense_1rsb_grid": _dense_grid(quick), "dense_1rsb_retrieval_line": _dense_line(quick),
            "sk_full_rsb": _sk(quick), "capacities": _capacities(quick),
            "note": "wall times on a shared, loaded 2-core machine; baselines timed in the same process"}


if __name__ == "__main__":
    import json
    print(json.dumps(run(quick=True), indent=2, default=float))
