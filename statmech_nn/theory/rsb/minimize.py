r"""Batched minimisation of the k-RSB pressure over the glass parameters (q's and x's or y's).

The physical k-RSB state minimises A over the glass parameters (Guerra's bound), so a root
finder on the stationarity equations is not enough: from a poor start Newton lands on saddles
of A (e.g. SK at T = 0, 2RSB: a stationary point with f = -0.76444 besides the minimum
-0.763608).  This is a projected Newton method (Bertsekas 1982) for the box of the state,
batched over points:

* gradient g from :meth:`.ising.KRSB.gradient` (analytic); Hessian from forward differences of
  g, all perturbations of all points evaluated in one batched chain call;
* the Hessian is symmetrised and its eigenvalues clamped to >= 1e-8 x the largest (a descent
  direction even away from the minimum);
* variables at a bound with the gradient pushing outwards are held fixed;
* Armijo backtracking on A/beta with projection on the box.

Converged when the projected gradient is below ``gtol`` (in units of xi'(1)).
"""
import numpy as np

from .ising import bounds, n_q


def _grad_vec(K, X, prm, zero_T, spec, free_m):
    g = K.gradient(X, prm, zero_T, av=K.averages(X, prm, zero_T, spec=spec))
    last = g["y"] if zero_T else g["x"]
    rows = [g["q"], last]
    if free_m:
        rows.insert(0, g["m"][None])
    return np.concatenate(rows, 0), g["A"]


def minimize_glass(K, prm, X0, zero_T, gtol=1e-11, maxiter=60, fd=1e-6, spec=None):
    """Minimise A/beta over the glass rows of X0 (m, row 0, held fixed).  Returns
    (X, A/beta, projected-gradient norm (scaled), converged, iterations)."""
    X = np.array(X0, float)
    nv, B = X.shape
    lo, hi = (np.asarray(b, float)[:, None] for b in bounds(K.k, zero_T))
    X = np.clip(X, lo, hi)
    if spec is None:
        spec = K.spec(X, prm, zero_T)
    scale = K.engine.xi(1.0, prm, 1)
    names = list(prm)
    its = np.zeros(B, int)
    conv = np.zeros(B, bool)
    pg = np.full(B, np.inf)
    At = np.full(B, np.inf)
    active = np.ones(B, bool)
    lo_g, hi_g = lo[1:], hi[1:]
    for it in range(maxiter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        pr = {n: np.asarray(prm[n])[idx] for n in names}
        sp = tuple(np.asarray(a)[idx] for a in spec)
        Xa = X[:, idx]
        g, A0 = _grad_vec(K, Xa, pr, zero_T, sp, False)
        At[idx] = A0
        v = Xa[1:]
        at_lo = (v <= lo_g + 1e-14) & (g > 0)
        at_hi = (v >= hi_g - 1e-14) & (g < 0)
        fixed = at_lo | at_hi
        gp = np.where(fixed, 0.0, g)
        pg[idx] = np.max(np.abs(gp), 0) / scale[idx]
        done = pg[idx] <= gtol
        conv[idx] = done
        active[idx[done]] = False
        work = np.nonzero(~done & np.all(np.isfinite(g), 0))[0]
        bad = np.nonzero(~done & ~np.all(np.isfinite(g), 0))[0]
        active[idx[bad]] = False
        if work.size == 0:
            continue
        iw = idx[work]
        its[iw] += 1
        n = nv - 1
        # Hessian by forward differences of the analytic gradient (one batched call)
        h = fd * (1.0 + np.abs(Xa[1:, work]))
        Xp = np.repeat(Xa[:, work], n, axis=1)
        prp = {nm: np.repeat(pr[nm][work], n) for nm in names}
        spp = tuple(np.repeat(a[work], n) for a in sp)
        for j in range(n):
            Xp[1 + j, j::n] += h[j]
        gpl, _ = _grad_vec(K, Xp, prp, zero_T, spp, False)
        Hm = (gpl.reshape(n, work.size, n) - g[:, work][:, :, None]) / h.T[None, :, :]
        Hm = np.transpose(Hm, (1, 0, 2))                       # (batch, row, col)
        Hm = 0.5 * (Hm + np.transpose(Hm, (0, 2, 1)))
        fx = fixed[:, work].T
        Hm = np.where(fx[:, :, None] | fx[:, None, :], 0.0, Hm)
        w, V = np.linalg.eigh(Hm)
        wmax = np.max(np.abs(w), axis=1, keepdims=True)
        w = np.maximum(np.abs(w), 1e-8 * np.maximum(wmax, 1e-300))
        gw = np.where(fx, 0.0, g[:, work].T)
        d = -np.einsum("bij,bj,bkj,bk->bi", V, 1.0 / w, V, gw)
        d = np.where(fx, 0.0, d).T                              # (n, batch)
        d = np.where(np.isfinite(d), d, 0.0)
        # Armijo backtracking with projection
        t = np.ones(work.size)
        acc = np.zeros(work.size, bool)
        Anew = np.full(work.size, np.inf)
        Xnew = Xa[:, work].copy()
        for _ in range(12):
            todo = np.nonzero(~acc)[0]
            if todo.size == 0:
                break
            Xt = Xa[:, work][:, todo].copy()
            Xt[1:] = np.clip(Xt[1:] + t[todo] * d[:, todo], lo_g, hi_g)
            prt = {nm: pr[nm][work][todo] for nm in names}
            av_t = K.averages(Xt, prt, zero_T, spec=tuple(a[work][todo] for a in sp), forward=False)
            At_t = K.pressure(Xt, prt, zero_T, av=av_t)
            dec = (g[:, work][:, todo] * (Xt[1:] - Xa[1:, work][:, todo])).sum(0)
            ok = np.isfinite(At_t) & (At_t <= A0[work][todo] + 1e-4 * np.minimum(dec, 0.0) + 1e-15 * np.abs(A0[work][todo]))
            s_ok = todo[ok]
            acc[s_ok] = True
            Xnew[:, s_ok] = Xt[:, ok]
            Anew[s_ok] = At_t[ok]
            t[todo[~ok]] *= 0.3
        X[:, iw] = np.where(acc, Xnew, Xa[:, work])
        # no descent possible (flat to rounding): stop there, judged by the projected gradient
        stuck = ~acc
        active[iw[stuck]] = False
    return X, At, pg, conv, its


def minimize_lbfgs(K, prm, X0, zero_T, gtol=1e-10, maxiter=2000):
    """Single-point minimisation of A/beta over the glass rows of X0 (shape (nv,) or (nv, 1)) by
    L-BFGS-B with the analytic gradient; for large k, where the Hessian of
    :func:`minimize_glass` costs 2k gradient evaluations per step.  The grid is frozen at the
    start (and the result re-polished by the caller if it needs a finer one).
    Returns (X, A/beta, projected-gradient norm (scaled), converged, evaluations)."""
    from scipy import optimize
    X = np.array(X0, float).reshape(-1, 1)
    lo, hi = bounds(K.k, zero_T)
    X[:, 0] = np.clip(X[:, 0], lo, hi)
    spec = K.spec(X, prm, zero_T)
    scale = float(K.engine.xi(1.0, prm, 1)[0])
    m = X[0, 0]
    count = [0]

    def fg(v):
        count[0] += 1
        Xv = np.concatenate([[m], v])[:, None]
        g, A = _grad_vec(K, Xv, prm, zero_T, spec, False)
        if not np.all(np.isfinite(g)) or not np.isfinite(A[0]):
            return 1e10, np.zeros_like(v)
        return float(A[0]) / scale, g[:, 0] / scale

    r = optimize.minimize(fg, X[1:, 0], jac=True, method="L-BFGS-B",
                          bounds=list(zip(lo[1:], hi[1:])),
                          options={"maxiter": maxiter, "ftol": 1e-16, "gtol": gtol, "maxcor": 30})
    Xf = np.concatenate([[m], r.x])[:, None]
    g, A = _grad_vec(K, Xf, prm, zero_T, spec, False)
    v = r.x
    fixed = ((v <= np.asarray(lo[1:]) + 1e-14) & (g[:, 0] > 0)) | ((v >= np.asarray(hi[1:]) - 1e-14) & (g[:, 0] < 0))
    pg = float(np.max(np.abs(np.where(fixed, 0.0, g[:, 0])))) / scale
    return Xf, A, np.array([pg]), np.array([pg <= 1e2 * gtol]), count[0]
