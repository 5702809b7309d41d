"""Branches of the field-space model: continuation in alpha, the curve alpha(R), spinodals and
the first-order transition.

At beta_T = 20 the RS solutions form an S-shaped curve in (alpha, R): a low-R branch from
alpha = 0, an unstable middle branch, and a high-R (well-generalising) branch. Along the
curve R is monotone, so the curve is computed as alpha(R): at fixed R the three unknowns
(q, Q, alpha) solve q = E<m>^2, Q = E<m^2>, R = E<m> (Newton, :func:`alpha_at_R`). Then

* ``alpha_sp_low`` = the local maximum of alpha(R): upper spinodal, where the low branch ends;
* ``alpha_sp`` = the local minimum of alpha(R) at larger R: lower spinodal, where the high-R
  branch ends (it exists for alpha >= alpha_sp only);
* ``alpha_c`` in between: Phi_low(alpha_c) = Phi_high(alpha_c) (first-order transition).

For single points (``solve``) the branches are followed by continuation in alpha:
:func:`low_branch` from the exact alpha = 0 solution, :func:`high_branch` from the
well-generalising start (q, R, Q) = (0.97, 0.98, 0.975), continued downwards from the nearest
larger alpha where Newton converges from it. A continuation step is accepted only if Newton
converges within ``JUMP`` of the secant prediction (else the step is halved, down to
``MIN_STEP``): a branch that ends (spinodal) is reported as not converged instead of silently
jumping onto the other one.
"""
import numpy as np
from scipy import optimize

from ..core.solver import FixedPointResult, solve_fixed_point

HIGH_START = (0.97, 0.98, 0.975)
JUMP = 0.05          # largest accepted distance of a continuation step from its prediction
MIN_STEP = 1.0 / 64  # smallest continuation step in alpha
BOUNDS = ([0.0, -1.0, 0.0], [1.0, 1.0, 1.0])


def _params(alpha, beta, gamma1):
    return {"alpha": np.array([float(alpha)]), "beta": np.array([float(beta)]),
            "gamma1": np.array([float(gamma1)])}


def newton(fmap, alpha, beta, gamma1, x0, maxiter=60, tol=1e-10):
    return solve_fixed_point(fmap, np.asarray(x0, float).reshape(3, 1), _params(alpha, beta, gamma1),
                             bounds=BOUNDS, tol=tol, maxiter=maxiter)


def follow(fmap, a0, x0, a1, beta, gamma1, step=0.25):
    """Continue a solution x0 at a0 to a1 (secant predictor, Newton corrector). A step is
    accepted if Newton converges within ``JUMP`` of the predicted point (a jump onto another
    branch is refused); otherwise the step is halved, down to ``MIN_STEP``. Returns
    (FixedPointResult at the last accepted point, alpha reached); the result is converged iff
    alpha reached == a1."""
    a, x, h = a0, np.asarray(x0, float), (min(step, 0.125) if a0 == 0 else step)
    prev = None                 # (alpha, x) of the point before the current one
    last = None
    its = 0
    sgn = 1.0 if a1 >= a0 else -1.0
    while sgn * (a1 - a) > 1e-14:
        an = a1 if abs(a1 - a) <= h * (1 + 1e-12) else a + sgn * h
        pred = x if prev is None else x + (x - prev[1]) * (an - a) / (a - prev[0])
        pred = np.clip(pred, BOUNDS[0], BOUNDS[1])
        r = newton(fmap, an, beta, gamma1, pred, maxiter=20)   # <= 8 from a good prediction
        its += int(r.iterations[0])
        if r.converged[0] and (prev is None or np.max(np.abs(r.x[:, 0] - pred)) <= JUMP):
            prev, a, x, last = (a, x), an, r.x[:, 0], r
            # steps of ``step`` up to alpha = 20 * step, then 5 % of alpha (core.path's rule):
            # the number of solves grows like log(alpha) at large loads
            h = min(max(step, 0.05 * abs(a)), 2 * h)
            continue
        if h <= MIN_STEP:
            break
        h = max(h / 2, MIN_STEP)
    if last is None:
        last = newton(fmap, a, beta, gamma1, x, maxiter=0)
    return FixedPointResult(x=last.x, residual=last.residual,
                            converged=last.converged & (abs(a - a1) <= 1e-14),
                            iterations=np.array([its])), a


def low_branch(fmap, alpha, beta, gamma1, exact_zero):
    """The low branch at alpha: continuation from the exact alpha = 0 solution."""
    x0 = exact_zero(beta, gamma1)
    if alpha == 0:
        return newton(fmap, 0.0, beta, gamma1, x0, maxiter=0), 0.0
    return follow(fmap, 0.0, x0, alpha, beta, gamma1)


def high_branch(fmap, alpha, beta, gamma1, tries=8, up=0.25):
    """The high branch at alpha: Newton from :data:`HIGH_START` at alpha; where that fails,
    from the nearest alpha + k*up (k <= tries) where it converges, continued down to alpha
    (``tries=0``: the direct start only)."""
    for k in range(tries + 1):
        a = alpha + k * up
        r = newton(fmap, a, beta, gamma1, HIGH_START, maxiter=6)
        if not r.converged[0] and r.residual[0] < 1e-3 and r.x[2, 0] < 1 - 1e-6:
            # on its way (it converges in <= 10 steps where the branch exists; a failing start
            # runs into the boundary Q -> 1 or stalls far from a solution)
            r2 = newton(fmap, a, beta, gamma1, r.x[:, 0], maxiter=10)
            r = FixedPointResult(x=r2.x, residual=r2.residual, converged=r2.converged,
                                 iterations=r.iterations + r2.iterations)
        if r.converged[0]:
            return (r, a) if k == 0 else follow(fmap, a, r.x[:, 0], alpha, beta, gamma1)
    return r, alpha + tries * up


# ---- the curve alpha(R) -----------------------------------------------------------------
def alpha_at_R(fmap, R, beta, gamma1, x0, tol=1e-10, maxiter=60):
    """Solve for (q, Q, alpha) at fixed R; x0 = (q, Q, alpha). Returns the FixedPointResult
    on (q, Q, alpha)."""
    def G(X, p):
        q, Q, a = X
        x = np.stack([q, np.full_like(q, R), Q])
        F = fmap(x, {"alpha": np.maximum(a, 0.0), "beta": p["beta"], "gamma1": p["gamma1"]})
        return np.stack([F[0], F[2], a + (F[1] - R)])
    return solve_fixed_point(G, np.asarray(x0, float).reshape(3, 1),
                             {"beta": np.array([beta]), "gamma1": np.array([gamma1])},
                             bounds=([0.0, 0.0, 0.0], [1.0, 1.0, 50.0]), tol=tol, maxiter=maxiter)


def _extremum(fmap, beta, gamma1, Rs, xs, kind, xtol=1e-5):
    """Refine a bracketed extremum of alpha(R) (kind 'max' | 'min') by bounded Brent."""
    i = int(np.argmax([x[2] for x in xs]) if kind == "max" else np.argmin([x[2] for x in xs]))
    lo, hi = Rs[max(i - 1, 0)], Rs[min(i + 1, len(Rs) - 1)]
    start = {"x": xs[i]}

    def f(R):
        r = alpha_at_R(fmap, R, beta, gamma1, start["x"])
        if not r.converged[0]:
            raise RuntimeError(f"alpha(R) did not converge at R={R}")
        start["x"] = r.x[:, 0]
        return r.x[2, 0] if kind == "min" else -r.x[2, 0]
    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": xtol})
    f(res.x)
    q, Q, a = start["x"]
    return {"alpha": float(a), "R": float(res.x), "x": (float(q), float(res.x), float(Q))}


def curve(fmap, beta, gamma1, alpha_from=0.5, dR=0.03):
    """March along alpha(R) upwards in R from the low branch at ``alpha_from``.

    Returns dict: ``R``, ``x`` (list of (q, Q, alpha)), ``low`` (upper spinodal of the low
    branch: alpha, R, x = (q, R, Q)) and ``high`` (lower spinodal of the high branch), each None
    if alpha(R) has no such extremum (no S-shape at this beta, gamma1)."""
    r, reached = low_branch(fmap, alpha_from, beta, gamma1, exact_zero)
    if reached != alpha_from:
        raise RuntimeError(f"the low branch did not reach alpha={alpha_from}")
    q, R, Q = r.x[:, 0]
    Rs, xs = [R], [(q, Q, alpha_from)]
    found = {"low": None, "high": None}
    h = dR
    while Rs[-1] + h < 0.9995:
        R_next = Rs[-1] + h
        x0 = np.array(xs[-1])
        if len(Rs) >= 2:   # secant predictor
            x0 = x0 + (x0 - np.array(xs[-2])) * h / (Rs[-1] - Rs[-2])
        rr = alpha_at_R(fmap, R_next, beta, gamma1, np.clip(x0, 0.0, [1.0, 1.0, 50.0]))
        if not rr.converged[0]:
            if h <= dR / 32:
                break
            h /= 2
            continue
        Rs.append(R_next)
        xs.append(tuple(float(v) for v in rr.x[:, 0]))
        al = [x[2] for x in xs]
        if found["low"] is None and len(al) >= 3 and al[-1] < al[-2] >= al[-3]:
            found["low"] = _extremum(fmap, beta, gamma1, Rs[-3:], xs[-3:], "max")
        elif found["low"] is not None and al[-1] > al[-2] <= al[-3]:
            found["high"] = _extremum(fmap, beta, gamma1, Rs[-3:], xs[-3:], "min")
            break
        h = min(dR, 2 * h, 0.25 * (1 - R_next))
    return dict(found, R=Rs, x=xs)


def exact_zero(beta, gamma1):
    """Start of the low branch at alpha = 0 (the no-data solution is one map step away)."""
    return np.array([0.0, 0.0, 0.5])


def _branch_at(fmap, cv, kind, alpha, beta, gamma1):
    """Newton at alpha from the curve point of segment ``kind`` ('low': R below the low
    spinodal, 'high': R above the high one) nearest in alpha; the result must stay on it."""
    Rs, xs = np.array(cv["R"]), cv["x"]
    seg = Rs < cv["low"]["R"] if kind == "low" else Rs > cv["high"]["R"]
    idx = np.nonzero(seg)[0]
    j = idx[int(np.argmin([abs(xs[i][2] - alpha) for i in idx]))]
    q, Q, _ = xs[j]
    r = newton(fmap, alpha, beta, gamma1, (q, Rs[j], Q))
    R = r.x[1, 0]
    on = R < cv["low"]["R"] if kind == "low" else R > cv["high"]["R"]
    if not (r.converged[0] and on):
        raise RuntimeError(f"the {kind} branch was not reached at alpha={alpha}")
    return r


def transition(fmap, evaluate, beta, gamma1, xtol=1e-9):
    """First-order transition: alpha_c where Phi_low = Phi_high (between the spinodals).
    Returns (dict(alpha_c, low, high) with the observables of both branches, curve) or
    (None, curve) where alpha(R) is not S-shaped."""
    cv = curve(fmap, beta, gamma1)
    if cv["low"] is None or cv["high"] is None:
        return None, cv
    out = {}

    def dphi(a, errors=False):
        res = {}
        for br in ("low", "high"):
            r = _branch_at(fmap, cv, br, a, beta, gamma1)
            res[br] = dict(evaluate(r.x[:, 0], a, beta, gamma1, errors=errors),
                           residual=float(r.residual[0]), converged=bool(r.converged[0]))
        out[a] = res
        return res["high"]["phi"] - res["low"]["phi"]
    lo, hi = cv["high"]["alpha"], cv["low"]["alpha"]
    pts, vals = [], []
    for f in (0.02, 0.2, 0.4, 0.6, 0.8, 0.98):   # bracket the crossing (ends: near the folds)
        a = lo + f * (hi - lo)
        try:
            vals.append(dphi(a))
            pts.append(a)
        except RuntimeError:
            continue
        if len(vals) >= 2 and vals[-1] * vals[-2] <= 0:
            break
    else:
        return None, cv
    ac = optimize.brentq(dphi, pts[-2], pts[-1], xtol=xtol)
    dphi(ac, errors=True)          # the quadrature errors at the transition
    return {"alpha_c": ac, "low": out[ac]["low"], "high": out[ac]["high"]}, cv
