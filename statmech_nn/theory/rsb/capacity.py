r"""T = 0 k-RSB retrieval capacity of the dense Hebbian network (P-spin Hopfield), any k.

Scaled problem (exact; :mod:`statmech_nn.theory.dense`): with c = alpha/P! the glass
parameters of the retrieval state at T = 0 depend only on the field r = a0 P m^{P-1}/sqrt(c)
acting on an Ising spin in the pure P-spin glass xi(q) = q^P.  At each r the k-RSB glass
parameters minimise A/beta = -e0 over (q_0..q_{k-1}, y_1..y_k) (:mod:`.minimize`), the
overlap is m = m^ = E_0[M_0] and the load on that ray is

    tau = alpha (P-1)! = P m^{2P-2} / r^2.

The capacity (AGS definition: the retrieval spinodal) is the maximum of tau(r) along the
family of minimisers.  The family is followed by continuation in r, downwards from a field
above the 1RSB fold (where RSB is already clearly visible), with warm starts; the k-RSB family
is seeded at the start field from the (k-1)-RSB solution by level insertion
(:func:`.solve.insert_starts`), keeping the lowest non-degenerate minimum; the fold is
refined by a bounded Brent maximisation of tau(r).
"""
import math

import numpy as np
from scipy import special
from scipy.optimize import minimize_scalar

from ..pspin import _scaled
from .ising import KRSB, unpack
from .minimize import minimize_glass
from .solve import degenerate, insert_starts, newton, ordered, rs_starts, solve_from_starts


def _point(P, k, r, X):
    """k-RSB minimiser at field r from the state X: (X, m, tau, -e, ok)."""
    E, prm = _scaled(P, np.array([np.inf]), r)
    K = KRSB(E, k)
    Xm, At, pg, cv, _ = minimize_glass(K, prm, X, True)
    Xn, res, conv, _ = newton(K, prm, Xm, True, fix_m=True)
    ok = bool(conv[0] and ordered(Xn, k, True, prm["beta"])[0]
              and not degenerate(Xn, k, True, prm["beta"])[0]
              and np.max(np.abs(Xn[1:] - Xm[1:])) < 1e-3)
    av = K.averages(Xn, prm, True)
    m = float(av["mhat"][0])
    At = float(K.pressure(Xn, prm, True, av)[0])
    return Xn, m, P * m ** (2 * P - 2) / r ** 2, At, ok, float(res[0])


def _seed(P, k, r, prev_X):
    """k-RSB minimiser at r seeded from the (k-1)-RSB state prev_X (RS for k = 1)."""
    E, prm = _scaled(P, np.array([np.inf]), r)
    if k == 1:
        mrs = special.erf(r / math.sqrt(2 * P))
        starts = rs_starts(np.array([mrs]), np.ones(1), np.inf, E.xi(1.0, prm, 1), True)
    else:
        m, q, y = unpack(prev_X, k - 1, True)
        starts = insert_starts(m, q, y, np.inf, True)
    out = solve_from_starts(E, prm, k, starts, True, fix_m=True)
    if not out["converged"][0] or out["collapsed"][0]:
        return None
    return out["state"]


def capacity_krsb(P, k, r_start=None, dr=0.02, tol=1e-9, previous=None):
    """T = 0 k-RSB retrieval capacity of the dense model with interaction order P.

    Returns a dict: ``tau_c`` (= alpha_c (P-1)!), ``alpha_c``, ``r``, ``m``, ``q`` (q_0..q_{k-1}),
    ``y`` (scaled: multiply by 1/sqrt(alpha_c/P!) for the model's y), ``e_scaled`` (retrieval
    energy per sqrt(c) at the fold), ``converged``, ``residual``, ``family`` (r, tau) table,
    ``state`` (for seeding k + 1).  ``previous``: the (k-1)-RSB result (its ``r`` and state seed
    the start); default: computed recursively from 1RSB."""
    if k > 1 and previous is None:
        previous = capacity_krsb(P, k - 1, dr=dr, tol=tol)
    if r_start is None:
        r_start = (previous["r"] + 0.3) if previous is not None else 2.9
    seed_prev = None
    if previous is not None:
        rr, XX = previous["family_states"]
        seed_prev = XX[int(np.argmin(np.abs(rr - r_start)))]
        r_start = float(rr[int(np.argmin(np.abs(rr - r_start)))])
    X = _seed(P, k, r_start, seed_prev)
    if X is None:
        raise RuntimeError(f"dense P={P} {k}RSB: no non-degenerate T = 0 solution at r = {r_start:.4g}")
    table = {}

    def at(r, X0):
        key = round(float(r), 13)
        if key not in table:
            table[key] = _point(P, k, float(r), X0)
        return table[key]

    rs, taus, states = [], [], []
    r = r_start
    while r > 0.3:
        Xn, m, tau, At, ok, res = at(r, X)
        if not ok:
            break
        rs.append(r), taus.append(tau), states.append(Xn)
        X = Xn
        if len(taus) >= 3 and taus[-1] < taus[-2] < taus[-3]:
            break
        r -= dr
    if len(taus) < 3:
        raise RuntimeError(f"dense P={P} {k}RSB: the T = 0 family could not be followed from r = {r_start:.4g}")
    i = int(np.argmax(taus))
    if i in (0, len(taus) - 1):
        raise RuntimeError(f"dense P={P} {k}RSB: tau(r) has no interior maximum on the followed family")

    def neg_tau(rv):
        j = int(np.argmin(np.abs(np.asarray(rs) - rv)))
        d = at(rv, states[j])
        return -d[2] if d[4] else 0.0
    opt = minimize_scalar(neg_tau, bounds=(rs[i + 1], rs[i - 1]), method="bounded",
                          options={"xatol": tol})
    Xc, m, tau, At, ok, res = at(opt.x, states[i])
    q = Xc[1:1 + k, 0]
    y = Xc[1 + k:, 0]
    c = tau / math.factorial(P - 1) / math.factorial(P)
    return {"P": P, "k": k, "tau_c": tau, "alpha_c": tau / math.factorial(P - 1), "r": float(opt.x),
            "m": m, "q": q, "y": y, "e_scaled": -At + float(opt.x) * m * (P - 1) / P,
            "y_model": y / math.sqrt(c), "converged": ok, "residual": res,
            "family": (np.array(rs), np.array(taus)),
            "family_states": (np.array(rs), states)}
