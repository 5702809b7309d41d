r"""1RSB stability (the replicon of the innermost level) and the Gardner lines of the dense model.

The 1RSB state is stable towards further breaking inside its states while the replicon of the
innermost level, ``lambda_1 = beta^2 xi''(q_1) E_1[sech^4(beta u)]`` (E_1: the tilted 1RSB
measure; :meth:`.ising.KRSB.thermo`), is below 1.  The Gardner line is lambda_1 = 1.  Independent
check (tests): beyond it the k -> k+1 instability makes a genuine 2RSB minimum of A branch off the
1RSB one (q_2 - q_1 small, A_2 < A_1), found by the 2RSB minimiser, which knows nothing of the
replicon formula; before it the 2RSB minimiser collapses onto 1RSB.

Dense model (scaled problem of :mod:`statmech_nn.theory.dense`: xi = q^P, b = beta sqrt(alpha/P!),
field r):

* the m = 0 sector depends on b only, so its Gardner line is the ray T = sqrt(alpha/P!)/b_G
  (:func:`glass_gardner_b`; P = 4: b_G = 5.5311, 4.8 times colder than T_s);
* the broken 1RSB retrieval state has lambda_1 > 1 wherever it is broken (measured on rays
  b = 3 ... 25: lambda_1 = 1.09 ... 7.4, decreasing to 1 where the breaking vanishes on the AT line
  of RS retrieval), so its instability line is that AT line; :func:`retrieval_gardner_line`
  searches lambda_1(r) = 1 on the 1RSB retrieval family of each ray and finds crossings only next
  to the spinodal nose (e.g. alpha = 0.03828, T = 0.03743).
"""
import math

import numpy as np
from scipy.optimize import brentq

from ..pspin import _scaled, is_broken, pspin_glass_constants, solve_rsb
from .ising import KRSB, pack
from .solve import newton


def _polish_1rsb(P, b, r, start):
    """1RSB saddle of the scaled problem at (b, r) from ``start`` = (m, q0, q1, x), polished with
    the k-RSB engine; returns (X, thermo, ok)."""
    E, prm = _scaled(P, np.atleast_1d(float(b)), np.atleast_1d(float(r)))
    m, q0, q1, x = (np.atleast_1d(float(v)) for v in start)
    s = solve_rsb(E, prm, m, q0, q1, x, maxiter=60)
    K = KRSB(E, 1)
    X0 = pack(s["m"], np.stack([s["q0"], s["q1"]]), s["x"][None])
    X, res, conv, _ = newton(K, prm, X0, False)
    th = K.thermo(X, prm, False)
    ok = bool(conv[0] and is_broken({"converged": conv, "q0": X[1], "q1": X[2], "x": X[3]})[0])
    return X, th, ok, (E, prm)


def glass_replicon(P, b):
    """lambda_1 of the m = 0 1RSB glass (q0 = 0) of the pure P-spin model at b (> b_s)."""
    bs = pspin_glass_constants(P)["b_s"]
    X, th, ok, _ = _polish_1rsb(P, b, 0.0, (0.0, 0.0, 0.99, min(bs / b, 0.999)))
    if not ok:
        raise RuntimeError(f"no broken 1RSB glass at b = {b:.6g} (P = {P})")
    return float(th["replicon"][0]), X


def glass_gardner_b(P, b_hi=None):
    """b_G with lambda_1 = 1 on the m = 0 1RSB glass: the dense m = 0 Gardner line is the ray
    T = sqrt(alpha/P!)/b_G.  Returns (b_G, state)."""
    bs = pspin_glass_constants(P)["b_s"]
    lo = bs * 1.05
    hi = b_hi or bs * 2.0
    while glass_replicon(P, hi)[0] < 1.0:
        lo, hi = hi, hi * 1.5
        if hi > 200 * bs:
            raise RuntimeError("no Gardner point of the 1RSB glass found")
    bG = brentq(lambda b: glass_replicon(P, b)[0] - 1.0, lo, hi, xtol=1e-10, rtol=1e-12)
    return bG, glass_replicon(P, bG)[1]


def retrieval_gardner_point(P, b, r_lo, r_hi, start_lo, start_hi):
    """lambda_1(r) = 1 on the 1RSB retrieval family of the ray b between r_lo and r_hi (bracket
    with lambda_1 - 1 of opposite signs); returns (alpha, T, r, lambda_1 check) or None."""
    state = {"s": start_lo}

    def g(r):
        X, th, ok, _ = _polish_1rsb(P, b, r, state["s"])
        if not ok:
            return np.nan
        state["s"] = tuple(X[:, 0])
        return float(th["replicon"][0]) - 1.0
    g_lo, g_hi = g(r_lo), g(r_hi)
    if not (np.isfinite(g_lo) and np.isfinite(g_hi)) or g_lo * g_hi > 0:
        return None
    rG = brentq(g, r_lo, r_hi, xtol=1e-10)
    X, th, ok, _ = _polish_1rsb(P, b, rG, state["s"])
    m = float(X[0, 0])
    alpha = P * m ** (2 * P - 2) / (math.factorial(P - 1) * rG ** 2)
    return alpha, math.sqrt(alpha / math.factorial(P)) / b, rG, float(th["replicon"][0])


def retrieval_gardner_line(P, bs, r_grid=None):
    """Gardner line of the 1RSB retrieval state: on each ray b, the 1RSB retrieval family on an
    r grid (started from the T = 0 1RSB family) and the crossing lambda_1 = 1 refined by brentq.
    Returns dict alpha, T, b, r (converged points only) and ``skipped`` [(b, reason)]."""
    from ..dense import _rsb0_table
    tab = _rsb0_table(P)
    if r_grid is None:
        r_grid = np.linspace(tab[0, 0], tab[-1, 0], 40)
    pts, skipped = [], []
    for b in np.atleast_1d(bs):
        q0s, ys, Cs, ms = (np.interp(r_grid, tab[:, 0], tab[:, k]) for k in (1, 2, 3, 4))
        E, prm = _scaled(P, np.full(r_grid.size, b), r_grid)
        s = solve_rsb(E, prm, ms, q0s, np.clip(1 - Cs / b, 0.5, 1), np.clip(ys / b, 1e-4, 0.95), maxiter=40)
        ok = is_broken(s) & (s["m"] > 0.3)
        lam = np.where(ok, s["replicon"], np.nan) - 1.0
        k = np.nonzero(ok[:-1] & ok[1:] & (np.sign(lam[:-1]) != np.sign(lam[1:])))[0]
        if not k.size:
            skipped.append((float(b), "no lambda_1 = 1 crossing on the converged 1RSB retrieval family"))
            continue
        j = k[0]
        st = lambda i: (s["m"][i], s["q0"][i], s["q1"][i], s["x"][i])
        res = retrieval_gardner_point(P, b, r_grid[j], r_grid[j + 1], st(j), st(j + 1))
        if res is None:
            skipped.append((float(b), "crossing not confirmed on re-solved saddles"))
            continue
        pts.append((res[0], res[1], float(b), res[2]))
    a = np.array(pts, float).reshape(-1, 4)
    return {"alpha": a[:, 0], "T": a[:, 1], "b": a[:, 2], "r": a[:, 3], "skipped": skipped}
