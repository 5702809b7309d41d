r"""Full RSB as the k -> infinity limit of k-step RSB, with a stated and tested extrapolation.

The Parisi functional is minimised over step functions x(q) with k steps for k = 1, 2, ...,
each k started from the (k-1) solution re-sampled at k steps (:func:`.solve.resample`; for
k = 1 from the RS solution).  For a continuous Parisi function the k-step minimum approaches
the full-RSB value as k^-4 (measured here: SK at T = 0 the increments fall as k^-5; SK at
T = 0.5 likewise), so the sequence is extrapolated by the least-squares fit

    f_k = f_inf + a k^-4 + b k^-5 + c k^-6       over the last five k (k >= 3),

with ``f_err = |f_inf - f_inf'|`` where f_inf' is the fit with one term fewer on the last four
k (a measured estimate of the extrapolation error).  SK at T = 0 from k <= 8: -0.76316684,
published -0.7631667 (Crisanti-Rizzo 2002; Oppermann-Schmidt-Sherrington 2007); from k <= 12:
-0.763166731.  The Parisi function is returned as arrays: breakpoints q_0..q_k and the step
values x_1..x_k (T > 0) or y_l = beta x_l (T = 0, where x(q) -> 0 and y(q) stays finite for
q < 1), and the step function q(x) on a grid of x.
"""
import numpy as np

from .ising import KRSB, n_q
from .minimize import minimize_glass
from .solve import degenerate, insert_starts, newton, ordered, resample, to_state


def _start_1rsb(engine, prm, zero_T):
    """1RSB minimum at one point (from RS starts); returns (q (nq, 1), y (1, 1))."""
    from ..pspin import solve_rs, solve_rs0
    from .solve import rs_starts, solve_from_starts
    xi1 = engine.xi(1.0, prm, 1)
    if zero_T:
        s = solve_rs0(engine, prm, np.zeros(1))
        m, q = s["m"], np.ones(1)
    else:
        s = solve_rs(engine, prm, np.zeros(1), np.full(1, 0.9))
        m, q = s["m"], s["q"]
    out = solve_from_starts(engine, prm, 1, rs_starts(m, q, prm["beta"], xi1, zero_T), zero_T)
    if not out["converged"][0] or out["collapsed"][0]:
        raise RuntimeError("no broken 1RSB minimum at this point (full RSB needs a glass phase)")
    return out["m"], out["q"], out["y"]


def k_sequence(engine, prm, kmax, zero_T, gtol=1e-11):
    """k-RSB minima for k = 1..kmax at one point (``prm`` arrays of size 1, m fixed at the
    1RSB value: models without a signal, or a given field).  Returns a list of dicts with k,
    free_energy (= -A/beta; at T = 0 the energy), q (q_0..q_k incl. q_k = 1 at T = 0), y, x,
    converged, gradient (projected, scaled), error (chain discretisation bound)."""
    beta = np.asarray(prm["beta"], float)
    m, q, y = _start_1rsb(engine, prm, zero_T)
    qf = np.concatenate([q, np.ones((1, 1))], 0) if zero_T else q
    seq = []
    for k in range(1, kmax + 1):
        if k > 1:
            qf, y = resample(qf, y, k)
        K = KRSB(engine, k)
        X0 = to_state(m, qf[:-1] if zero_T else qf, y, beta, zero_T)
        X, At, pg, conv, _ = minimize_glass(K, prm, X0, zero_T, gtol=gtol)
        if k > 1 and degenerate(X, k, zero_T, beta)[0]:
            # the re-sampled staircase collapsed onto fewer levels: insert a level instead
            starts = insert_starts(m, prev[0], prev[1], beta, zero_T)
            Xs = np.concatenate([to_state(*s, beta, zero_T) for s in starts], 1)
            pb = {n: np.repeat(np.asarray(v), Xs.shape[1]) for n, v in prm.items()}
            Xa, Aa, pga, cva, _ = minimize_glass(K, pb, Xs, zero_T, gtol=gtol)
            good = ~degenerate(Xa, k, zero_T, pb["beta"]) & ordered(Xa, k, zero_T, pb["beta"])
            if good.any():
                j = int(np.argmin(np.where(good, Aa, np.inf)))
                X, pg, conv = Xa[:, j:j + 1], pga[j:j + 1], cva[j:j + 1]
        if not conv[0]:    # a short Newton polish of the stationarity equations
            Xn, res, cvn, _ = newton(K, prm, X, zero_T, fix_m=True, maxiter=8, rounds=1, probe=8)
            if cvn[0] and np.max(np.abs(Xn - X)) < 1e-6:
                X, conv = Xn, cvn
        th = K.thermo(X, prm, zero_T)
        nq = n_q(k, zero_T)
        qv = X[1:1 + nq]
        yv = X[1 + nq:] * (1.0 if zero_T else beta)
        prev = (qv, yv)
        qf = np.concatenate([qv, np.ones((1, 1))], 0) if zero_T else qv
        y = yv
        seq.append({"k": k, "m": float(th["mhat"][0]),
                    "free_energy": float(th["free_energy"][0]), "energy": float(th["energy"][0]),
                    "entropy": float(th["entropy"][0]), "q": qf[:, 0].copy(), "y": yv[:, 0].copy(),
                    "x": (np.zeros(k) if zero_T else yv[:, 0] / beta[0]),
                    "converged": bool((conv[0] or pg[0] < 1e-9) and not degenerate(X, k, zero_T, beta)[0]),
                    "gradient": float(pg[0]),
                    "error": float(th["error"][0]), "replicon": float(th["replicon"][0])})
    return seq


def extrapolate(ks, fs):
    """f_inf from f_k = f_inf + a k^-4 + b k^-5 + c k^-6 on the last five k (>= 3), and the error
    estimate ``|f_inf - f_inf'|`` (f_inf': the two-term fit on the last four k).  Needs at least five k >= 3."""
    ks = np.asarray(ks, float)
    fs = np.asarray(fs, float)
    sel = ks >= 3
    ks, fs = ks[sel], fs[sel]
    if ks.size < 5:
        raise ValueError("the extrapolation needs f_k for at least five k >= 3")

    def fit(kk, ff, nt):
        A = np.stack([np.ones(kk.size)] + [kk ** (-4.0 - j) for j in range(nt)], 1)
        return np.linalg.lstsq(A, ff, rcond=None)[0][0]
    f3 = fit(ks[-5:], fs[-5:], 3)
    f2 = fit(ks[-4:], fs[-4:], 2)
    return float(f3), float(abs(f3 - f2))


def q_of_x(q, x, n=201):
    """The step function q(x) on x in [0, 1] (n points) from breakpoints q_0..q_k and steps
    x_1..x_k (q(x) = q_l for x_l < x < x_{l+1}, x_0 = 0, x_{k+1} = 1)."""
    xs = np.linspace(0.0, 1.0, n)
    edges = np.concatenate([[0.0], np.asarray(x, float), [1.0]])
    idx = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, len(q) - 1)
    return xs, np.asarray(q, float)[idx]


def full_rsb(engine, prm, zero_T, kmax=8, gtol=1e-11):
    """Full-RSB value at one point: the k-sequence up to ``kmax`` (>= 7) and its extrapolation.
    Returns dict free_energy (extrapolated; the energy at T = 0), free_energy_error, sequence,
    and the Parisi function of the largest k (q, x | y) with q(x) on a grid (T > 0)."""
    seq = k_sequence(engine, prm, kmax, zero_T, gtol=gtol)
    ks = [s["k"] for s in seq]
    f_inf, err = extrapolate(ks, [s["free_energy"] for s in seq])
    last = seq[-1]
    out = {"free_energy": f_inf, "free_energy_error": err, "sequence": seq, "k_max": kmax,
           "q": last["q"], "y": last["y"], "x": last["x"],
           "converged": all(s["converged"] for s in seq)}
    if not zero_T:
        out["x_grid"], out["q_of_x"] = q_of_x(last["q"], last["x"])
    return out
