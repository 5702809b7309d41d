r"""k-step RSB of the Hopfield model (AGS), generalising Crisanti-Amit-Gutfreund / Steffan-Kuehn.

Convention of :mod:`statmech_nn.theory.hopfield`: H = -(1/2N) sum_{i!=j} sum_mu xi xi s s,
alpha = K/N, f per spin.  Parisi matrices Q (diagonal 1, levels q_0 <= ... <= q_k) and R
(levels r_0 <= ... <= r_k), exponents x_1 <= ... <= x_k, y_l = beta x_l, c = beta (1 - q_k).
Derived in ``derivations/krsb.py`` from (1/n) Tr ln(I - beta Q) and (1/n) sum_{a!=b} r q for
hierarchical matrices (checked there against explicit finite-n Parisi matrices)::

    D_k = 1 - c,   D_{l-1} = D_l - y_l (q_l - q_{l-1})                         (l = k, ..., 1)
    f = alpha/2 + m^2/2 + alpha/(2 beta) ln D_k + sum_l alpha/(2 y_l) ln(D_{l-1}/D_l) - (alpha/2) q_0/D_0
        + (alpha/2) [r_k c + y_k r_k q_k - sum_{l=0}^{k-1} (y_{l+1} - y_l) r_l q_l] - ln2/beta - Phi,

Phi the Ising recursion of :mod:`.chain` at the outer field m with variances
Delta_0 = alpha r_0 and Delta_l = alpha (r_l - r_{l-1}).  Stationarity in q (r eliminated)::

    r_0 = q_0 / D_0^2,     r_l - r_{l-1} = (q_l - q_{l-1}) / (D_{l-1} D_l);

stationarity in r: q_l = E_l[M_l^2] (l < k), c = beta E_k[sech^2(beta u)] (T = 0: c = C, twice the
tilted density of u_k at 0), m = E_0[M_0]; and in y::

    df/dy_l = -alpha/(2 y_l^2) ln(D_{l-1}/D_l) - (alpha/2)(q_l - q_{l-1})(r_l + 1/(y_l D_l))
              + (alpha/2)(r_l q_l - r_{l-1} q_{l-1}) - (E_l[phi_l] - E_{l-1}[phi_{l-1}]) / y_l.

k = 1 is the 1RSB theory of ``hopfield.py`` (its rsb_free_energy_parts), k = 0 the AGS RS one.
T = 0: q_k = 1 with c and y finite; the ln D_k/beta and ln2/beta terms vanish, e = f and
s0 = -(alpha/2)[ln(1 - c) + c/(1 - c)].  Energy at T > 0 (envelope theorem):
e = alpha/2 + m^2/2 + (alpha/2) dL/dbeta + alpha [r_k c + ...] - E_k[u tanh(beta u)].
Innermost replicon (within-state AT eigenvalue, stable < 1): alpha beta^2 E_k[sech^4]/D_k^2.
The physical saddle maximises f over the glass parameters (f_RS <= f_1RSB <= f_2RSB ...).

State rows: (m, q_0, ..., q_{k-1}, c, y_1, ..., y_k) at every T.
"""
import math

import numpy as np

from .chain import LN2, grid_spec, run_batched

_C_MAX = 1.0 - 1e-10


def unpack(X, k):
    X = np.asarray(X, float)
    return X[0], X[1:1 + k], X[1 + k], X[2 + k:2 + 2 * k]


def geometry(X, alpha, beta, k):
    """q (k+1 rows, q_k = 1 - c/beta), D (k+1 rows), r (k+1 rows) and chain variances."""
    m, q, c, y = unpack(X, k)
    fin = np.isfinite(beta)
    binv = np.where(fin, 1.0 / np.where(fin, beta, 1.0), 0.0)
    c = np.clip(c, 0.0, _C_MAX)
    qk = np.clip(1.0 - c * binv, 0.0, 1.0)
    qf = np.concatenate([np.clip(q, 0.0, 1.0), qk[None]], 0)
    D = np.empty_like(qf)
    D[k] = 1.0 - c
    for l in range(k, 0, -1):
        D[l - 1] = D[l] - y[l - 1] * (qf[l] - qf[l - 1])
    r = np.empty_like(qf)
    with np.errstate(divide="ignore", invalid="ignore"):
        r[0] = qf[0] / D[0] ** 2
        for l in range(1, k + 1):
            r[l] = r[l - 1] + (qf[l] - qf[l - 1]) / (D[l - 1] * D[l])
    Delta = np.concatenate([alpha * r[:1], alpha * np.diff(r, axis=0)], 0)
    return dict(m=m, q=qf, c=c, y=y, D=D, r=r, Delta=Delta, binv=binv, fin=fin)


def _chain(g, beta, zero_T, forward=True, spec=None):
    return run_batched(g["m"], np.maximum(g["Delta"], 0.0), np.maximum(g["y"], 1e-300),
                       beta=None if zero_T else beta, zero_T=zero_T, forward=forward, spec=spec)


def spec(X, alpha, beta, k, zero_T, margin=1.3):
    """Per-point grid (du, lo, hi) frozen during a Newton solve (see :meth:`.ising.KRSB.spec`)."""
    g = geometry(X, np.asarray(alpha, float), beta, k)
    D = np.where(np.isfinite(g["Delta"]), np.maximum(g["Delta"], 0.0), 1.0)
    du, lo, hi = grid_spec(np.nan_to_num(g["m"]), D, np.maximum(np.nan_to_num(g["y"], nan=1.0), 1e-300),
                           beta, zero_T)
    w = 0.5 * (hi - lo) * (margin - 1.0)
    return du / margin, lo - w, hi + w


def parts(X, alpha, beta, k, zero_T, spec=None):
    """Free energy, df/dy (k rows), the chain averages and the geometry at state X."""
    alpha = np.asarray(alpha, float)
    g = geometry(X, alpha, beta, k)
    av = _chain(g, beta, zero_T, spec=spec)
    q, D, r, y, c, m = g["q"], g["D"], g["r"], g["y"], g["c"], g["m"]
    with np.errstate(divide="ignore", invalid="ignore"):
        lnD = np.log(D)
        bracket = r[k] * c + y[k - 1] * r[k] * q[k] - sum((y[l] - (y[l - 1] if l else 0.0)) * r[l] * q[l]
                                                          for l in range(k))
        f = (alpha / 2 + m * m / 2 + 0.5 * alpha * g["binv"] * lnD[k]
             + sum(alpha / (2 * y[l - 1]) * (lnD[l - 1] - lnD[l]) for l in range(1, k + 1))
             - 0.5 * alpha * q[0] / D[0] + 0.5 * alpha * bracket - LN2 * g["binv"] - av["phi0"])
        dfdy = np.stack([-alpha / (2 * y[l - 1] ** 2) * (lnD[l - 1] - lnD[l])
                         - 0.5 * alpha * (q[l] - q[l - 1]) * (r[l] + 1.0 / (y[l - 1] * D[l]))
                         + 0.5 * alpha * (r[l] * q[l] - r[l - 1] * q[l - 1])
                         - (av["Ephi"][l] - av["Ephi"][l - 1]) / y[l - 1] for l in range(1, k + 1)])
    return f, dfdy, av, g, bracket


def hmap(X, p, k, zero_T):
    """Undamped map (m, q_0..q_{k-1}, c, y) -> (m^, Q_0..Q_{k-1}, c', y + df/dy); ``p``: alpha,
    beta, fixm (1: the m = 0 sector) and optionally a frozen grid _du, _lo, _hi."""
    sp = (p["_du"], p["_lo"], p["_hi"]) if "_du" in p else None
    f, dfdy, av, g, _ = parts(X, p["alpha"], p["beta"], k, zero_T, spec=sp)
    cnew = av["C"] if zero_T else p["beta"] * av["s2"]
    return np.concatenate([(av["mhat"] * (1.0 - p["fixm"]))[None], av["Q"][:k], cnew[None],
                           g["y"] + dfdy], 0)


def thermo(X, alpha, beta, k, zero_T):
    """f, e, s, df/dy, the innermost replicon and the derived order parameters (q_k, r's, x's)."""
    alpha = np.asarray(alpha, float)
    f, dfdy, av, g, bracket = parts(X, alpha, beta, k, zero_T)
    q, D, r, y, c, m = g["q"], g["D"], g["r"], g["y"], g["c"], g["m"]
    out = dict(free_energy=f, dfdy=dfdy, q=q, r=r, D=D, c=c, y=y, m=m, mhat=av["mhat"],
               Q=av["Q"], error=av["error"])
    if zero_T:
        out.update(energy=f, entropy=-alpha / 2 * (np.log(1 - c) + c / (1 - c)),
                   x=np.zeros_like(y), replicon=np.where(alpha > 0, np.inf, 0.0))
        return out
    b = beta
    # dL/dbeta at fixed (q, x): sum_j dL/dD_j (D_j - 1)/beta - q_0/D_0
    dL = (1.0 / b - 1.0 / y[k - 1]) * (D[k] - 1) / D[k]
    dL = dL + sum((1.0 / y[j] - 1.0 / y[j - 1]) * (D[j] - 1) / D[j] for j in range(1, k))
    dL = dL + (1.0 / y[0] + q[0] / D[0]) * (D[0] - 1) / D[0] - q[0] / D[0]
    e = alpha / 2 + m * m / 2 + 0.5 * alpha * dL + alpha * bracket - av["uM"]
    out.update(energy=e, entropy=b * (e - f), x=y / b,
               replicon=alpha * b * b * av["s4"] / D[k] ** 2)
    return out


def bounds(k):
    lo = [-1.0] + [0.0] * k + [0.0] + [1e-6] * k
    hi = [1.0] + [1.0] * k + [_C_MAX] + [1e6] * k
    return lo, hi


def valid(X, th, k, beta, eps=1e-7):
    """Ordered (q's, y's; x_k < 1 at T > 0) and non-degenerate (no two levels merged)."""
    q, y = th["q"], th["y"]
    ok = np.all(np.diff(q, axis=0) > eps, axis=0) & (y[0] > eps)
    if k > 1:
        ok &= np.all(np.diff(y, axis=0) > eps * y[1:], axis=0)
    fin = np.isfinite(beta)
    ok &= ~fin | (y[-1] / np.where(fin, beta, 1.0) < 1 - 1e-6)
    return ok & np.all(np.isfinite(X), axis=0) & np.isfinite(th["free_energy"])


def insert_level(X, k):
    """(k+1)-RSB starts from a k-RSB state (columns): a new level in each place (see solve.py)."""
    from .solve import insert_starts
    m, q, c, y = unpack(X, k)
    out = []
    for mm, qn, yn in insert_starts(m, q, y, np.inf, True):
        out.append(np.concatenate([mm[None], qn, c[None], yn], 0))
    return out


def solve_fixed_y(k, m, y, x0, maxiter=60, rounds=3):
    """T = 0 saddle at fixed m and fixed exponents y (k,): Newton on (alpha, q_0..q_{k-1}, c) (the
    m-equation sets alpha), the field grid frozen per Newton run.  Returns (x = (alpha, q's, c),
    converged, residual, df/dy (k,), f)."""
    from ...core.solver import solve_fixed_point
    inf1 = np.full(1, np.inf)
    yy = np.asarray(y, float)

    def F(v, p):
        al = np.maximum(v[0], 1e-8)
        X = np.concatenate([p["m"][None], v[1:], np.stack([p[f"y{j}"] for j in range(k)])], 0)
        G = hmap(X, {"alpha": al, "beta": np.full(al.shape, np.inf), "fixm": np.zeros(al.shape),
                     "_du": p["_du"], "_lo": p["_lo"], "_hi": p["_hi"]}, k, True)
        return np.concatenate([(v[0] + (G[0] - p["m"]))[None], G[1:k + 2]], 0)
    lo, hi = bounds(k)
    x = np.asarray(x0, float)[:k + 2]
    for _ in range(rounds):
        X = np.concatenate([[m], x[1:], yy])[:, None]
        du, glo, ghi = spec(X, x[:1], inf1, k, True)
        pr = {"m": np.array([m]), "_du": du, "_lo": glo, "_hi": ghi}
        pr.update({f"y{j}": yy[j:j + 1] for j in range(k)})
        r = solve_fixed_point(F, x[:, None], pr,
                              tol=1e-13, maxiter=maxiter,
                              bounds=([1e-8] + lo[1:k + 2], [1.0] + hi[1:k + 2]))
        x = r.x[:, 0]
        X = np.concatenate([[m], x[1:], yy])[:, None]
        du2, _, _ = spec(X, x[:1], inf1, k, True, margin=1.0)
        if not r.converged[0] or du2[0] >= du[0]:
            break
    f, dfdy, _, _, _ = parts(X, x[:1], inf1, k, True, spec=(du, glo, ghi))
    return x, bool(r.converged[0]), float(r.residual[0]), dfdy[:, 0], float(f[0])


def solve_fixed_m(k, m, x0, ytol=1e-12):
    """T = 0 saddle at fixed m: the root in y of df/dy (at fixed alpha, with the other equations
    solved: the envelope of :func:`solve_fixed_y`).  x0 = (alpha, q's, c, y's).  Returns
    (x, converged, residual (max of the inner residual and ``|df/dy| y/alpha``))."""
    from scipy.optimize import root
    x0 = np.asarray(x0, float)
    state = {"x": x0[:k + 2].copy()}

    def g(ly):
        x, ok, res, dfdy, f = solve_fixed_y(k, m, np.exp(ly), state["x"])
        if not ok:
            return np.full(k, 1e3)
        state["x"] = x
        return dfdy * np.exp(ly) / x[0]      # d f / d ln y, in units of alpha
    sol = root(g, np.log(x0[k + 2:]), method="hybr", options={"xtol": ytol})
    y = np.exp(sol.x)
    x, ok, res, dfdy, f = solve_fixed_y(k, m, y, state["x"])
    gres = float(np.max(np.abs(dfdy * y / x[0])))
    return np.concatenate([x, y]), bool(ok and gres <= 1e-10), max(res, gres)


def capacity_krsb(k, previous=None, tol=1e-10):
    """T = 0 k-RSB retrieval capacity alpha_c = max over m of alpha(m), alpha(m) the load at which
    a k-RSB retrieval saddle with overlap m exists (:func:`solve_fixed_m`; the outer optimisation
    over y in the manner of ``hopfield.py``'s 1RSB).  ``previous``: the (k-1)-RSB result (the 1RSB
    capacity of ``hopfield.py`` seeds k = 1).  Returns a dict alpha_c, m, state (alpha, q's, c, y's),
    q (q_0..q_k), y, c, r, free_energy, converged, residual, collapsed."""
    if previous is None:
        if k == 1:
            from ..hopfield import _capacity_1rsb
            cap = _capacity_1rsb()
            op = cap.order_parameters
            return _refine_capacity(1, {"m": op["m"], "state": np.array(
                [cap.alpha_c, op["q0"], op["c1"], op["y"]])}, tol)
        previous = capacity_krsb(k - 1, tol=tol)
    st = previous["state"]
    Xp = np.concatenate([[previous["m"]], st[1:]])[:, None]
    best = None
    for Xs in insert_level(Xp, k - 1):
        x0 = np.concatenate([[previous["alpha_c"]], Xs[1:, 0]])
        if not np.all(np.isfinite(x0)) or np.any(np.diff(x0[1:k + 1]) <= 0):
            continue
        x, ok, res = solve_fixed_m(k, previous["m"], x0)
        X = np.concatenate([[previous["m"]], x[1:]])[:, None]
        if not ok:
            continue
        th = thermo(X, x[:1], np.full(1, np.inf), k, True)
        if not valid(X, th, k, np.inf)[0]:
            continue
        if best is None or th["free_energy"][0] > best[1]:
            best = (x, float(th["free_energy"][0]))
    if best is None:
        return dict(previous, k=k, collapsed=True)
    return _refine_capacity(k, {"m": previous["m"], "state": best[0]}, tol)


def _refine_capacity(k, start, tol):
    """Maximise alpha(m) over m (bounded Brent around the start, warm-started solves)."""
    from scipy.optimize import minimize_scalar
    state = {"x": np.asarray(start["state"], float)}
    m0 = float(start["m"])
    inf1 = np.full(1, np.inf)

    def neg_alpha(m):
        x, ok, _ = solve_fixed_m(k, m, state["x"])
        X = np.concatenate([[m], x[1:]])[:, None]
        if not ok or not valid(X, thermo(X, x[:1], inf1, k, True), k, np.inf)[0]:
            return 0.0
        state["x"] = x
        return -x[0]
    opt = minimize_scalar(neg_alpha, bracket=(m0 - 4e-3, m0, m0 + 4e-3), tol=tol)
    m = float(opt.x)
    x, ok, res = solve_fixed_m(k, m, state["x"])
    X = np.concatenate([[m], x[1:]])[:, None]
    th = thermo(X, x[:1], inf1, k, True)
    ok = ok and bool(valid(X, th, k, np.inf)[0])
    return {"k": k, "alpha_c": float(x[0]), "m": m, "state": x, "q": th["q"][:, 0],
            "y": th["y"][:, 0], "c": float(th["c"][0]), "r": th["r"][:, 0],
            "free_energy": float(th["free_energy"][0]), "converged": ok, "residual": res,
            "collapsed": False}


def solve_fixed_alpha(k, alpha, beta, x0, fixm=0.0):
    """k-RSB saddle at fixed (alpha, beta) (beta may be inf) from x0 = (m, q_0..q_{k-1}, c, y_1..y_k):
    Newton on (m, q's, c) at fixed y (the field grid frozen), and the roots in ln y of df/dy
    outside (:func:`solve_fixed_m` has the same structure).  ``fixm=1``: the m = 0 sector.
    Returns (X, converged, residual, thermo dict)."""
    from scipy.optimize import root

    from ...core.solver import solve_fixed_point
    zero_T = not np.isfinite(beta)
    b1 = np.array([beta], float)
    a1 = np.array([alpha], float)
    x0 = np.asarray(x0, float)
    state = {"x": x0[:k + 2].copy()}
    lo, hi = bounds(k)

    def inner(y):
        def F(v, p):
            X = np.concatenate([v, np.stack([p[f"y{j}"] for j in range(k)])], 0)
            G = hmap(X, {"alpha": p["al"], "beta": p["be"], "fixm": p["fm"], "_du": p["_du"],
                         "_lo": p["_lo"], "_hi": p["_hi"]}, k, zero_T)
            return G[:k + 2]
        X = np.concatenate([state["x"], y])[:, None]
        du, glo, ghi = spec(X, a1, b1, k, zero_T)
        pr = {"al": a1, "be": b1, "fm": np.array([fixm]), "_du": du, "_lo": glo, "_hi": ghi}
        pr.update({f"y{j}": y[j:j + 1] for j in range(k)})
        r = solve_fixed_point(F, state["x"][:, None], pr, tol=1e-12, maxiter=60,
                              bounds=(lo[:k + 2], hi[:k + 2]))
        X = np.concatenate([r.x[:, 0], y])[:, None]
        _, dfdy, _, _, _ = parts(X, a1, b1, k, zero_T, spec=(du, glo, ghi))
        return r.x[:, 0], bool(r.converged[0]), float(r.residual[0]), dfdy[:, 0]

    def g(ly):
        y = np.exp(ly)
        if not zero_T and y[-1] >= beta:
            return np.full(k, 1e3)
        x, ok, _, dfdy = inner(y)
        if not ok:
            return np.full(k, 1e3)
        state["x"] = x
        return dfdy * y / alpha
    sol = root(g, np.log(x0[k + 2:]), method="hybr")
    y = np.exp(sol.x)
    x, ok, res, dfdy = inner(y)
    X = np.concatenate([x, y])[:, None]
    gres = float(np.max(np.abs(dfdy * y / alpha)))
    th = thermo(X, a1, b1, k, zero_T)
    return X[:, 0], bool(ok and gres <= 1e-10), max(res, gres), th


def climb_fixed_alpha(k, alpha, beta, X1, fixm=0.0):
    """From a 1RSB state X1 = (m, q0, c, y) to k steps by level insertion at fixed (alpha, beta);
    within the sector the largest f among valid saddles (Parisi).  Returns (X, thermo, k reached)."""
    X, th, kk = np.asarray(X1, float), None, 1
    for kn in range(2, k + 1):
        best = None
        for Xs in insert_level(X[:, None], kn - 1):
            x0 = Xs[:, 0]
            if not np.all(np.isfinite(x0)) or np.any(np.diff(x0[1:kn + 1]) <= 0):
                continue
            Xn, ok, res, t = solve_fixed_alpha(kn, alpha, beta, x0, fixm)
            if ok and valid(Xn[:, None], t, kn, np.array([beta]))[0] and (
                    best is None or t["free_energy"][0] > best[1]["free_energy"][0]):
                best = (Xn, t, res)
        if best is None:
            break
        X, th, kk = best[0], best[1], kn
    return X, th, kk
