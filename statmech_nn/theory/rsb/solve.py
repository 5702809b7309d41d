r"""Batched k-RSB saddle points of :class:`.ising.KRSB` by Newton, started from (k-1)-RSB.

Newton (core.solver: forward-difference Jacobian, backtracking, damped fallback) runs on the
undamped map of :meth:`.ising.KRSB.map` with the field grid of every point frozen during a
solve (so the map is smooth); after convergence the grid is rebuilt for the solution and the
Newton polish repeated if the solution needs a finer or wider grid.

Starts.  A k-RSB solution is sought from the (k-1)-RSB one (RS for k = 1) by inserting one
level in every possible place of the step function x(q) — a new outermost level below q_0, a
split of each interval (q_{l-1}, q_l) into two with exponents y_l (1 -+ 0.3), and (T > 0) a
new innermost level between q_{k-1} and 1 — plus, for continuous Parisi functions (SK), the
(k-1) staircase re-sampled at k steps.  Every start is a separate batch element of one Newton
call.  Selection (Parisi/Guerra): among converged, ordered (q_0 <= ... <= q_k,
x_1 <= ... <= x_k <= 1) and *non-degenerate* solutions (no two levels merged) the one with
the lowest pressure; if there is none, the k-RSB minimum is the (k-1)-RSB point, returned
with ``collapsed = True``.
"""
import numpy as np

from ...core.solver import solve_fixed_point
from .ising import KRSB, Y_MIN, bounds, n_q, pack, unpack

#: two levels closer than this (in q, or relatively in y) count as merged
EPS_LEVEL = 1e-6


def newton(K, prm, X0, zero_T, tol=1e-11, maxiter=40, rounds=3, fix_m=False, probe=10):
    """Newton on the k-RSB map from X0 (rows x batch). Returns (X, residual, converged, its).

    Stage 1 runs ``probe`` iterations for every start; only elements whose residual fell below
    1e-3 continue (a start that wanders off would otherwise cost the full ``maxiter`` on an
    ever finer grid).  Each round freezes the grids; a converged point whose own grid is finer
    or wider than the frozen one is polished again."""
    X = np.array(X0, float)
    B = X.shape[1]
    its = np.zeros(B, int)
    lo_b, hi_b = bounds(K.k, zero_T)
    X = np.clip(X, np.asarray(lo_b)[:, None], np.asarray(hi_b)[:, None])
    names = list(prm)
    res = np.full(B, np.inf)
    conv = np.zeros(B, bool)
    active = np.ones(B, bool)

    def F(Xa, pa):
        pr = {n: pa[n] for n in names}
        out = K.map(Xa, pr, zero_T, spec=(pa["_du"], pa["_lo"], pa["_hi"]))
        if fix_m:
            out[0] = Xa[0]
        return out

    for rnd in range(rounds):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        pr = {n: np.asarray(v)[idx] for n, v in prm.items()}
        du, lo, hi = K.spec(X[:, idx], pr, zero_T)
        p = dict(pr)
        p.update(_du=du, _lo=lo, _hi=hi)
        Xi = X[:, idx]
        r = solve_fixed_point(F, Xi, p, tol=tol, maxiter=probe if rnd == 0 else maxiter,
                              bounds=(lo_b, hi_b))
        Xi, ii = r.x, r.iterations
        if rnd == 0:
            more = ~r.converged & (r.residual < 1e-3)
            if more.any():
                j = np.nonzero(more)[0]
                r2 = solve_fixed_point(F, Xi[:, j], {n: v[j] for n, v in p.items()}, tol=tol,
                                       maxiter=maxiter, bounds=(lo_b, hi_b))
                Xi[:, j] = r2.x
                ii[j] += r2.iterations
        X[:, idx] = Xi
        its[idx] += ii
        # the point on a grid made for it (same spacing or finer, at least the frozen extent)
        du2, lo2, hi2 = K.spec(Xi, pr, zero_T, margin=1.0)
        fine = (du2 >= du * 0.999) & (lo2 >= lo) & (hi2 <= hi)
        G = F(Xi, dict(pr, _du=np.minimum(du, du2), _lo=np.minimum(lo, lo2), _hi=np.maximum(hi, hi2)))
        rr = np.max(np.abs(G - Xi), axis=0)
        res[idx] = np.where(np.isfinite(rr), rr, np.inf)
        conv[idx] = res[idx] <= 10 * tol
        active[idx] = conv[idx] & ~fine
        active[idx[res[idx] > 1e-6]] = False
        # points that were fine but now slightly above tol also get another polish round
        active[idx] |= (~conv[idx]) & (res[idx] < 1e-6)
    return X, res, conv, its


def ordered(X, k, zero_T, beta, eps=1e-12):
    """q's and x's non-decreasing, x_k <= 1."""
    m, q, y = unpack(X, k, zero_T, beta)
    ok = np.all(np.diff(q, axis=0) >= -eps, axis=0) & np.all(np.diff(y, axis=0) >= -eps * (1 + y[1:]), axis=0)
    if zero_T:
        ok &= q[-1] <= 1.0 + eps if q.shape[0] else True
    return ok


def degenerate(X, k, zero_T, beta, eps=EPS_LEVEL):
    """True where two levels of the k-RSB state have merged (it is a (k-1)-RSB point)."""
    m, q, y = unpack(X, k, zero_T, beta)
    qf = np.concatenate([q, np.ones((1, q.shape[1]))], 0) if zero_T else q
    d = np.any(np.diff(qf, axis=0) < eps, axis=0) | (y[0] / (1.0 if zero_T else beta) < 10 * Y_MIN)
    if k > 1:
        d |= np.any(np.diff(y, axis=0) < eps * y[1:], axis=0)
    if not zero_T:
        d |= (y[-1] / beta > 1.0 - eps) | (qf[-1] > 1 - eps)
    return d


# ---- starting points --------------------------------------------------------------------------

def rs_starts(m, q, beta, xi1, zero_T):
    """(m, q (k=1 rows), y) starts of 1RSB around an RS solution (as the 1RSB engine's)."""
    B = m.size
    s1 = np.sqrt(xi1)
    if zero_T:
        return [(m, np.full((1, B), a), np.full((1, B), b) / s1)
                for a, b in ((0.4, 1.4), (0.0, 0.8), (0.95, 1.5), (0.99, 4.0))]
    ret = np.abs(m) > 1e-4
    glass = q > 0.01
    q1a = np.where(glass, q + 0.7 * q * q * (1 - q), 0.95)
    q0a = np.where(glass, 0.4 * q, 0.0)
    st = [(np.where(ret, q - 0.05 * (1 - q), q0a), np.where(ret, q + 0.5 * (1 - q), q1a),
           np.where(ret, 0.5, np.where(glass, 0.25, 0.6)) * beta),
          (np.zeros(B), q1a, np.where(glass, 0.25, 0.8) * beta),
          (np.where(ret, 0.97, 0.45), 1 - 0.3 / (beta * s1), np.clip(1.4 / s1, 1e-3 * beta, 0.9 * beta)),
          (np.zeros(B), np.full(B, 0.995), np.clip(1.2 / s1, 0.05 * beta, 0.95 * beta)),
          # continuous (SK-like) breaking near the RS glass: q(x) ~ x/2 around q_RS
          (0.5 * q, np.minimum(1.5 * q, 0.5 * (1 + q)), np.clip(2.0 * q, 1e-3, 0.9) * beta)]
    return [(m, np.stack([a, b]), c[None]) for a, b, c in st]


def insert_starts(m, q, y, beta, zero_T, spread=0.3):
    """(k)-RSB starts from a (k-1)-RSB state (m, q (nq, B), y (k-1, B)) with k-1 >= 1: one new
    level in each place of the staircase (see the module doc), and the resampled staircase."""
    B = m.size
    qf = np.concatenate([q, np.ones((1, B))], 0) if zero_T else q
    km1 = y.shape[0]
    ymax = np.full(B, np.inf) if zero_T else beta
    out = []
    # new outermost level: interval (q_new, q_0) with exponent y_1 (1 - spread)
    out.append((np.concatenate([0.5 * qf[:1], qf], 0), np.concatenate([y[:1] * (1 - spread), y], 0)))
    # split interval l = 1..k-1: (q_{l-1}, q_l) -> two with y_l (1 -+ spread)
    for l in range(1, km1 + 1):
        qn = np.concatenate([qf[:l], 0.5 * (qf[l - 1:l] + qf[l:l + 1]), qf[l:]], 0)
        ya, yb = y[l - 1] * (1 - spread), y[l - 1] * (1 + spread)
        nxt = y[l] if l < km1 else ymax
        yb = np.minimum(yb, 0.5 * (y[l - 1] + nxt))
        yn = np.concatenate([y[:l - 1], ya[None], yb[None], y[l:]], 0)
        out.append((qn, yn))
    if not zero_T:   # new innermost level between q_{k-1} and 1
        qn = np.concatenate([qf, 0.5 * (qf[-1:] + 1.0)], 0)
        yn = np.concatenate([y, 0.5 * (y[-1:] + beta)], 0)
        out.append((qn, yn))
    out.append(resample(qf, y, km1 + 1))
    res = []
    for qn, yn in out:
        qq = qn[:-1] if zero_T else qn
        res.append((m, qq, yn))
    return res


def resample(qf, y, k_new):
    """The staircase (qf: breakpoints incl. q_k, y: k exponents) re-sampled at k_new levels
    by linear interpolation in the level index (monotone by construction)."""
    n, kk = qf.shape[0], y.shape[0]
    t_old = np.linspace(0.0, 1.0, n)
    t_new = np.linspace(0.0, 1.0, k_new + 1)
    s_old = np.linspace(0.0, 1.0, kk) if kk > 1 else np.zeros(1)
    s_new = np.linspace(0.0, 1.0, k_new)
    qn = np.stack([np.interp(t_new, t_old, qf[:, b]) for b in range(qf.shape[1])], 1)
    if kk > 1:
        yn = np.stack([np.interp(s_new, s_old, y[:, b]) for b in range(y.shape[1])], 1)
    else:
        yn = y[0][None] * np.linspace(0.7, 1.3, k_new)[:, None]
    return qn, yn


# ---- the solve ----------------------------------------------------------------------------------

def glass_then_polish(K, prm, X0, zero_T, tol=1e-11, maxiter=40, fix_m=False, cycles=3):
    """Minimise A over the glass parameters at fixed m, update m <- m^ (``cycles`` times when
    the model has a signal), then polish all rows with Newton on the full map.  A polished
    point that moved away from the glass minimum (another stationary point) is not converged.
    Returns ((X, residual, converged), iterations)."""
    from .minimize import minimize_glass
    signal = np.any(np.asarray(prm["a0"]) != 0) and not fix_m
    X = np.array(X0, float)
    its = np.zeros(X.shape[1], int)
    for c in range(cycles if signal else 1):
        X, At, pg, cg, it = minimize_glass(K, prm, X, zero_T)
        its += it
        if not signal:
            break
        mh = K.averages(X, prm, zero_T, forward=False)["mhat"]
        X[0] = np.where(np.isfinite(mh), mh, X[0])
    Xg = X.copy()
    if not signal:
        # no m equation: the minimiser's projected gradient is the stationarity test; Newton only
        # polishes the points it left unconverged
        res = np.where(cg, pg, np.inf)
        # (a start that collapsed onto fewer levels is not polished: it is rejected anyway)
        bad = np.nonzero(~cg & ~degenerate(X, K.k, zero_T, np.asarray(prm["beta"], float)))[0]
        if bad.size:
            pb = {n: np.asarray(v)[bad] for n, v in prm.items()}
            Xn, rn, cn, it2 = newton(K, pb, X[:, bad], zero_T, tol=tol, maxiter=maxiter, fix_m=True,
                                     rounds=1)
            keep = cn & (np.max(np.abs(Xn[1:] - X[1:, bad]), 0) < 1e-3)
            X[:, bad[keep]] = Xn[:, keep]
            res[bad[keep]] = rn[keep]
            cg = cg.copy()
            cg[bad[keep]] = True
            its[bad] += it2
        return (X, res, cg), its
    Xn, res, conv, it2 = newton(K, prm, X, zero_T, tol=tol, maxiter=maxiter, fix_m=fix_m)
    moved = np.max(np.abs(Xn[1:] - Xg[1:]), 0) > 1e-3
    return (Xn, res, conv & ~moved), its + it2


def to_state(m, q, y, beta, zero_T):
    return pack(m, q, y if zero_T else y / beta)


def solve_from_starts(engine, prm, k, starts, zero_T, tol=1e-11, maxiter=40, fix_m=False,
                      previous=None, keep_m=None):
    """Solve every start (list of (m, q, y) with arrays over the batch B) in one batched Newton
    call and select per point (see the module doc).  ``previous``: the (k-1)-RSB result (dict with
    'pressure_t' = A/beta and 'state') used when no genuine k-RSB solution is found;
    ``keep_m(m_start, m_solution)``: bool array, solutions that left the branch are rejected.
    Returns a dict of arrays over B."""
    K = KRSB(engine, k)
    B = np.size(prm["beta"])
    beta = np.asarray(prm["beta"], float)
    S = len(starts)
    X0 = np.concatenate([to_state(m, q, y, beta, zero_T) for m, q, y in starts], 1)
    pb = {n: np.tile(np.asarray(v, float), S) for n, v in prm.items()}
    X, its = glass_then_polish(K, pb, X0, zero_T, tol=tol, maxiter=maxiter, fix_m=fix_m)
    res, conv = X[1], X[2]
    X = X[0]
    th = K.thermo(X, pb, zero_T)
    At = -th["free_energy"]
    bt = np.tile(beta, S)
    good = conv & ordered(X, k, zero_T, bt) & ~degenerate(X, k, zero_T, bt) & np.isfinite(At)
    if keep_m is not None:
        good &= keep_m(np.concatenate([s[0] for s in starts]), X[0])
    At_g = np.where(good, At, np.inf).reshape(S, B)
    best = np.argmin(At_g, 0)
    cols = best * B + np.arange(B)
    found = np.isfinite(At_g.min(0))
    out = {"state": X[:, cols], "residual": res[cols], "converged": found,
           "iterations": its.reshape(S, B).sum(0), "collapsed": ~found, "k": k}
    for key in ("free_energy", "energy", "entropy", "replicon", "error", "pressure", "mhat"):
        out[key] = np.asarray(th[key])[cols]
    if zero_T:
        out["C"] = th["C"][cols]
    if previous is not None:
        # no genuine k-RSB minimum below the (k-1)-RSB one: the k-RSB value is the (k-1)-RSB point
        worse = ~found | (-out["free_energy"] > previous["pressure_t"] + 1e-13)
        out["collapsed"] = worse
        for key in ("free_energy", "energy", "entropy", "replicon", "error", "residual", "converged"):
            if key in previous:
                out[key] = np.where(worse, previous[key], out[key])
        if "C" in previous and zero_T:
            out["C"] = np.where(worse, previous["C"], out["C"])
        out["prev_state"] = previous["state"]
    out["pressure_t"] = -out["free_energy"]
    m, q, y = unpack(out["state"], k, zero_T, beta)
    out.update(m=m, q=q, y=y, x=(np.zeros_like(y) if zero_T else y / beta))
    return out
