r"""Fast batched 1RSB (and k-RSB) saddles: Broyden-Newton with continuation along grid lines.

A saddle-point map F (e.g. ``PSpinEngine.rsb_map``, the k-RSB maps) costs most of a solve in
its Jacobian: forward differences take n_var extra map evaluations per Newton step.  Along a
line of a grid the saddle and its Jacobian change slowly, so the Jacobian of the previous point
is a good one for the next: :func:`broyden` starts from it and updates it by rank-one (good
Broyden) corrections, one map evaluation per step; a fresh forward-difference Jacobian is taken
only where the residual stalls.  :func:`continue_lines` walks all lines of a grid at once (one
batched call per step along the lines).  Convergence is judged, as everywhere, on the
max-norm of F(x) - x of the undamped map.
"""
import numpy as np


def _take(p, idx):
    return {k: (v[idx] if np.ndim(v) else v) for k, v in p.items()}


def fd_jacobian(F, X, p, G=None, h=1e-7):
    """Forward-difference Jacobian of G(X) = F(X) - X, batched: (batch, n, n)."""
    n, B = X.shape
    if G is None:
        G = F(X, p) - X
    step = h * (1.0 + np.abs(X))
    Xp = np.repeat(X, n, axis=1)
    for j in range(n):
        Xp[j, j::n] += step[j]
    pp = {k: (np.repeat(v, n) if np.ndim(v) else v) for k, v in p.items()}
    Gp = F(Xp, pp) - Xp
    J = (Gp.reshape(n, B, n) - G[:, :, None]) / step.T[None, :, :]
    return np.transpose(J, (1, 0, 2)), G


def broyden(F, X0, p, J0=None, tol=1e-11, maxiter=30, bounds=None, refresh=6):
    """Solve F(X) = X for a batch from X0 (rows x batch) with a Broyden-updated Jacobian.

    J0: (batch, n, n) starting Jacobians of G = F - X (None: forward differences).  Steps are
    halved (up to 4 times) while ``max|G|`` does not decrease; an element whose residual has not fallen
    for ``refresh`` steps gets a fresh difference Jacobian.  Returns dict x, residual, converged,
    evaluations (map calls per element), J (the final Jacobians, for the next point of a line)."""
    X = np.array(X0, float)
    n, B = X.shape
    lo = hi = None
    if bounds is not None:
        lo, hi = (np.asarray(b, float)[:, None] for b in bounds)
        X = np.clip(X, lo, hi)
    G = F(X, p) - X
    evals = np.ones(B, int)
    if J0 is None:
        J, _ = fd_jacobian(F, X, p, G)
        evals += n
    else:
        J = np.array(J0, float)
    res = np.max(np.abs(G), 0)
    res = np.where(np.isfinite(res), res, np.inf)
    best = res.copy()
    stall = np.zeros(B, int)
    for _ in range(maxiter):
        act = np.nonzero(res > tol)[0]
        if act.size == 0:
            break
        pa = _take(p, act)
        Ja, Ga, Xa = J[act], G[:, act], X[:, act]
        with np.errstate(all="ignore"):
            try:
                dx = -np.linalg.solve(Ja, Ga.T[..., None])[..., 0].T
            except np.linalg.LinAlgError:
                dx = np.stack([-np.linalg.lstsq(Ja[i], Ga[:, i], rcond=None)[0] for i in range(act.size)], 1)
        dx = np.where(np.isfinite(dx), dx, 0.0)
        lam = np.ones(act.size)
        Xn, Gn = Xa.copy(), Ga.copy()
        acc = np.zeros(act.size, bool)
        for _h in range(5):
            todo = np.nonzero(~acc)[0]
            if todo.size == 0:
                break
            Xt = Xa[:, todo] + lam[todo] * dx[:, todo]
            if lo is not None:
                Xt = np.clip(Xt, lo, hi)
            Gt = F(Xt, _take(pa, todo)) - Xt
            evals[act[todo]] += 1
            rt = np.max(np.abs(Gt), 0)
            ok = np.isfinite(rt) & (rt < res[act][todo])
            Xn[:, todo[ok]], Gn[:, todo[ok]] = Xt[:, ok], Gt[:, ok]
            acc[todo[ok]] = True
            lam[todo[~ok]] *= 0.5
        # good Broyden update J += (dG - J dx) dx^T / |dx|^2 on the accepted steps
        s = Xn - Xa
        yv = Gn - Ga
        ss = np.sum(s * s, 0)
        upd = acc & (ss > 0)
        if upd.any():
            u = np.nonzero(upd)[0]
            Js = np.einsum("bij,jb->ib", Ja[u], s[:, u])
            Ja[u] += np.einsum("ib,jb->bij", (yv[:, u] - Js) / ss[u], s[:, u])
        X[:, act], G[:, act] = Xn, Gn
        J[act] = Ja
        res[act] = np.where(acc, np.max(np.abs(Gn), 0), res[act])
        improved = res[act] < 0.5 * best[act]
        best[act] = np.minimum(best[act], res[act])
        stall[act] = np.where(improved, 0, stall[act] + 1)
        fresh = act[(stall[act] >= refresh) | ~acc]
        fresh = fresh[res[fresh] > tol]
        if fresh.size:
            Jf, _ = fd_jacobian(F, X[:, fresh], _take(p, fresh), G[:, fresh])
            J[fresh] = Jf
            evals[fresh] += n
            stall[fresh] = 0
    return {"x": X, "residual": res, "converged": res <= tol, "evaluations": evals, "J": J}


def continue_lines(F, p_grid, X_start, tol=1e-11, bounds=None, maxiter=30):
    """Continuation along the last axis of a grid, all lines at once.

    ``p_grid``: dict of arrays of shape (lines, steps); ``X_start``: (n, lines) starting states
    for the first step.  Each step is one batched Broyden solve over the lines, started from the
    previous step's solutions and Jacobians.  Returns dict x (n, lines, steps), residual,
    converged, evaluations (lines, steps)."""
    keys = list(p_grid)
    L, S = np.shape(p_grid[keys[0]])
    n = X_start.shape[0]
    xs = np.full((n, L, S), np.nan)
    res = np.full((L, S), np.inf)
    ev = np.zeros((L, S), int)
    X, J = np.array(X_start, float), None
    X_prev, both = None, np.zeros(L, bool)   # the point before, and whether both it and X converged
    for j in range(S):
        p = {k: np.asarray(p_grid[k])[:, j] for k in keys}
        X0 = X
        if X_prev is not None:   # secant predictor along the line
            X0 = np.where(both, 2.0 * X - X_prev, X)
            if bounds is not None:
                X0 = np.clip(X0, np.asarray(bounds[0], float)[:, None], np.asarray(bounds[1], float)[:, None])
        out = broyden(F, X0, p, J0=J, tol=tol, bounds=bounds, maxiter=maxiter)
        xs[:, :, j] = out["x"]
        res[:, j] = out["residual"]
        ev[:, j] = out["evaluations"]
        ok = out["converged"]
        both = ok & (res[:, j - 1] <= tol if j > 0 else np.zeros(L, bool))
        X_prev = X
        X = np.where(ok, out["x"], X)
        J = out["J"] if J is None else np.where(ok[:, None, None], out["J"], J)
    return {"x": xs, "residual": res, "converged": res <= tol, "evaluations": ev}
