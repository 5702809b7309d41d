"""Batched saddle-point solver: Newton on F(x) - x with damped fixed-point fallback.

A model supplies the *undamped* stationarity map ``F(x, p) -> x'`` acting on
``x`` of shape ``(n_var, n_batch)`` and a dict ``p`` of parameter arrays of shape
``(n_batch,)``. Convergence of each batch element is judged on the max-norm of
``F(x) - x`` (never on the step size, which damping makes small anyway).

Algorithm per iteration, on the still-active elements only:

1. Newton step ``dx = -J^{-1} G`` with ``G = F(x) - x`` and the Jacobian from
   forward differences (``n_var`` extra map evaluations, batched);
2. backtracking ``dx/2, dx/4, ...`` while ``|G|`` does not decrease;
3. where Newton fails (singular J, no decrease), a damped fixed-point step
   ``x + damping * G``;
4. projection onto the box ``bounds``.

Batching the whole (alpha, T) grid through one call is what makes a 10^4-point
RS phase diagram take seconds (see benchmarks/run.py). Continuation (warm starts
along a line of a grid) is ``theory.grid.solve_grid(..., continuation=...)``.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class FixedPointResult:
    """Raw solver output; models wrap it in :class:`~statmech_nn.core.result.SaddleResult`."""
    x: np.ndarray          # (n_var, n_batch)
    residual: np.ndarray   # (n_batch,) max |F(x) - x|
    converged: np.ndarray  # (n_batch,) bool
    iterations: np.ndarray  # (n_batch,) int


def _clip(x, bounds):
    if bounds is None:
        return x
    lo, hi = bounds
    return np.clip(x, np.asarray(lo, float)[:, None], np.asarray(hi, float)[:, None])


def _take(p, idx):
    return {k: (v[idx] if np.ndim(v) else v) for k, v in p.items()}


def solve_fixed_point(F, x0, p, tol=1e-11, maxiter=200, damping=0.5, bounds=None,
                      newton=True, fd_step=1e-7):
    """Solve x = F(x, p) for every batch element.

    Parameters
    ----------
    F : callable(x, p) -> array like x
        The undamped self-consistency map, vectorised over the last axis of x.
    x0 : array (n_var, n_batch) or (n_var,)
    p : dict of arrays of shape (n_batch,) (scalars broadcast)
    tol : convergence threshold on max |F(x) - x|
    bounds : (lo, hi) sequences of length n_var, or None
    """
    x = np.array(x0, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    nv, nb = x.shape
    p = {k: (np.broadcast_to(np.asarray(v, float), (nb,)).copy() if np.ndim(v) or nb > 1 else np.asarray(v, float).reshape(1))
         for k, v in p.items()}
    x = _clip(x, bounds)
    G = F(x, p) - x
    res = np.max(np.abs(G), axis=0)
    res = np.where(np.isfinite(res), res, np.inf)
    iters = np.zeros(nb, int)
    active = res > tol
    for it in range(1, maxiter + 1):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        iters[idx] = it
        xa, Ga, ra, pa = x[:, idx], G[:, idx], res[idx], _take(p, idx)
        xn = xa + damping * Ga  # fallback
        Gn = np.empty_like(xa)
        accepted = np.zeros(idx.size, bool)
        if newton:
            h = fd_step * (1.0 + np.abs(xa))
            J = np.empty((idx.size, nv, nv))
            for j in range(nv):
                xp = xa.copy()
                xp[j] += h[j]
                J[:, :, j] = ((F(xp, pa) - xp - Ga) / h[j]).T
            with np.errstate(all="ignore"):
                try:
                    dx = -np.linalg.solve(J, Ga.T[..., None])[..., 0].T
                except np.linalg.LinAlgError:
                    dx = np.full_like(xa, np.nan)
                    for k in range(idx.size):
                        try:
                            dx[:, k] = -np.linalg.solve(J[k], Ga[:, k])
                        except np.linalg.LinAlgError:
                            pass
            ok = np.all(np.isfinite(dx), axis=0)
            dx = np.where(ok, dx, 0.0)
            lam = np.ones(idx.size)
            for _ in range(6):
                trial = _clip(xa + lam * dx, bounds)
                todo = ok & ~accepted
                if not todo.any():
                    break
                sel = np.nonzero(todo)[0]
                Gt = F(trial[:, sel], _take(pa, sel)) - trial[:, sel]
                rt = np.max(np.abs(Gt), axis=0)
                better = np.isfinite(rt) & (rt < ra[sel])
                s_ok = sel[better]
                xn[:, s_ok] = trial[:, s_ok]
                Gn[:, s_ok] = Gt[:, better]   # the map at an accepted step is already known
                accepted[s_ok] = True
                lam[sel[~better]] *= 0.5
        xn = _clip(xn, bounds)
        x[:, idx] = xn
        rest = np.nonzero(~accepted)[0]   # damped fallback steps: evaluate the map there
        if rest.size:
            Gn[:, rest] = F(xn[:, rest], _take(pa, rest)) - xn[:, rest]
        G[:, idx] = Gn
        rn = np.max(np.abs(Gn), axis=0)
        res[idx] = np.where(np.isfinite(rn), rn, np.inf)
        active = res > tol
    return FixedPointResult(x=x, residual=res, converged=res <= tol, iterations=iters)


def bisect(pred, lo, hi, tol=1e-10, maxiter=200, bracket=False, plo=None):
    """Boundary of a predicate on [lo, hi]: pred(lo) != pred(hi) required.

    Returns the midpoint of the final bracket, of width <= tol, or the bracket
    ``(lo, hi)`` itself with ``bracket=True`` (hi is then on pred(hi)'s side).
    Pass ``plo`` = pred(lo) when the caller has already evaluated both ends (the
    check of pred(hi) is then the caller's), to avoid repeating costly calls.
    """
    if plo is None:
        plo, phi = pred(lo), pred(hi)
        if plo == phi:
            raise ValueError(f"no sign change of the predicate on [{lo}, {hi}]")
    for _ in range(maxiter):
        if hi - lo <= tol:
            break
        mid = 0.5 * (lo + hi)
        if pred(mid) == plo:
            lo = mid
        else:
            hi = mid
    return (lo, hi) if bracket else 0.5 * (lo + hi)
