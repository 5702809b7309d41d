r"""Dense Hebbian (alpha, T) grid at 1RSB, fast: exact scalings, batched continuation.

The thermodynamic state at each grid point is selected as in ``pspin.solve_states`` (the
retrieval state if its A = -beta f exceeds that of the m = 0 sector, whose A is the minimum over
its stationary points), but the 1RSB work is organised so that a 100 x 100 grid costs a few
hundred 1RSB solves instead of tens of thousands of multi-start ones:

* RS for every point and branch: one batched Newton call (``pspin.solve_rs``);
* the m = 0 sector depends on b = beta sqrt(alpha/P!) only (exact): A_0^1RSB(b) is solved on a
  one-dimensional b grid by continuation (:mod:`.fast1rsb`) and interpolated by a cubic spline
  in ln b on either side of the static transition b_s (the paramagnet A = ln 2 + b^2/2 below
  it, exact); the spline error is measured on midpoints and returned (``a0_spline_error``);
* the retrieval state needs RSB only where its RS saddle is AT-unstable (replicon > 1) or absent
  at low T: there the 1RSB retrieval saddle is followed along each alpha line upwards in T from
  the T = 0 1RSB family (Broyden-Newton with the previous point's Jacobian and a secant
  predictor), until the breaking disappears.  Elsewhere 1RSB retrieval is RS.
"""
import math

import numpy as np
from scipy.interpolate import CubicSpline

from ..pspin import LN2, RSB_BOUNDS, _scaled, is_broken, pspin_glass_constants, solve_rs
from .fast1rsb import broyden, continue_lines


def _glass_parts(E, X, prm):
    """m = 0, q0 = 0 1RSB glass of the scaled P-spin model: the outer average is trivial (the outer
    field is 0 exactly), so only the inner tilted average at w = 0 is needed.  X = (q1, x)."""
    q1, x = X
    beta = prm["beta"]
    v1 = np.maximum(E.xi(q1, prm, 1), 0.0)
    w = np.zeros((q1.size, 1))
    bb = lambda a: np.asarray(a, float)[:, None]
    inn = E._inner(w, bb(np.sqrt(v1)), bb(beta), bb(x), want=("lnZ", "t2", "lc"))
    lnZ, t2, lc = inn["lnZ"][:, 0], inn["t2"][:, 0], inn["lc"][:, 0]
    D = q1 * E.xi(q1, prm, 1) - E.xi(q1, prm)
    gx = -lnZ / x ** 2 + lc / x - 0.5 * beta ** 2 * D
    A = (LN2 + lnZ / x + 0.5 * beta ** 2 * (E.xi(1.0, prm) - E.xi(q1, prm) - (1 - q1) * E.xi(q1, prm, 1)
                                            - x * D))
    return t2, gx, A


def _glass_map(E):
    def F(X, p):
        t2, gx, _ = _glass_parts(E, X, p)
        return np.stack([t2, X[1] - gx / (p["beta"] ** 2 * E.xi(1.0, p, 1))])
    return F


def a0_curve(P, b, n=400):
    """A of the m = 0 sector at 1RSB on the values b (any shape): exact paramagnet below b_s, the
    1RSB glass (q0 = 0, the minimum of A there) above, solved on 2n+1 log-spaced b by continuation
    and spline-interpolated in ln b.  Returns (A_0, spline error measured on half the nodes)."""
    b = np.asarray(b, float)
    c = pspin_glass_constants(P)
    bs = c["b_s"]
    A = LN2 + 0.5 * b * b
    hi = b > bs
    if not hi.any():
        return A, 0.0
    bg = np.geomspace(bs * (1 + 1e-6), max(b[hi].max(), bs * 1.01) * 1.01, 2 * n + 1)
    E, prm = _scaled(P, bg, 0.0)
    pg = {k: v[None, :] for k, v in prm.items()}
    X0 = np.array([[c["q1_s"]], [1.0 - 1e-6]])
    out = continue_lines(_glass_map(E), pg, X0, bounds=([0.0, 1e-9], [1.0, 1.0]))
    _, _, Ag = _glass_parts(E, out["x"][:, 0, :], prm)
    ok = out["converged"][0] & np.isfinite(Ag) & (out["x"][1, 0, :] < 1 - 1e-9)
    lb = np.log(bg)
    ev, od = np.arange(0, bg.size, 2), np.arange(1, bg.size, 2)
    spl = CubicSpline(lb[ev][ok[ev]], Ag[ev][ok[ev]])
    err = float(np.max(np.abs(spl(lb[od][ok[od]]) - Ag[od][ok[od]])))
    spl = CubicSpline(lb[ok], Ag[ok])
    A = np.where(hi, np.minimum(spl(np.log(np.where(hi, b, bs * 1.01))), A), A)
    return A, err


def _t0_family(P):
    """T = 0 1RSB retrieval family on its stable side (r above the fold): alpha, m, q0 and the
    scaled y and C, sorted by alpha."""
    from ..dense import _rsb0_table
    tab = _rsb0_table(P)
    al = P * tab[:, 4] ** (2 * P - 2) / (math.factorial(P - 1) * tab[:, 0] ** 2)
    j = int(np.argmax(al))
    st, a = tab[j:], al[j:]
    o = np.argsort(a)
    return a[o], st[o]


def dense_grid(P, alpha, T):
    """Thermodynamic 1RSB state of the dense model on the grid alpha (nA,) x T (nT,), T > 0.

    Returns dict of (nA, nT) arrays: free_energy, m, q0, q1, x, branch ('retrieval', 'spin-glass',
    'paramagnet'), converged, rsb (retrieval broken), and scalars a0_spline_error, n_rsb_solves."""
    from ..dense import DenseHebbian
    alpha = np.asarray(alpha, float)
    T = np.asarray(T, float)
    if np.any(T <= 0):
        raise ValueError("dense_grid: T > 0 (the T = 0 row is the capacity computation)")
    fP = math.factorial(P)
    Ag, Tg = np.meshgrid(alpha, T, indexing="ij")
    beta = 1.0 / Tg
    E = DenseHebbian().engine(P)
    prm = DenseHebbian.prm(P, beta.ravel(), Ag.ravel())
    n = Ag.size
    # RS retrieval for every point
    rr = solve_rs(E, prm, np.ones(n), np.ones(n))
    ret_ok = rr["converged"] & (rr["m"] > 1e-3)
    A_R = np.where(ret_ok, -rr["free_energy"] * beta.ravel(), -np.inf)
    out = {k: np.full(n, np.nan) for k in ("m", "q0", "q1", "x")}
    out["m"] = np.where(ret_ok, rr["m"], np.nan)
    out["q0"] = np.where(ret_ok, rr["q"], np.nan)
    out["q1"] = out["q0"].copy()
    out["x"] = np.where(ret_ok, 1.0, np.nan)
    rsb = np.zeros(n, bool)
    conv_R = ret_ok.copy()
    # retrieval 1RSB along alpha lines, upwards in T, where RS retrieval is AT-unstable or absent
    need = (~ret_ok | (rr["replicon"] > 1.0)).reshape(Ag.shape)
    a_fam, fam = _t0_family(P)
    n_solves = 0
    lines = np.nonzero(need[:, 0] & (alpha > 0) & (alpha <= a_fam[-1]))[0]
    if lines.size:
        sc = np.sqrt(alpha[lines] / fP)
        cols = [np.interp(alpha[lines], a_fam, fam[:, k]) for k in (4, 1, 2, 3)]
        m0, q00, ys, Cs = cols
        b0 = 1.0 / T[0]
        X = np.stack([m0, q00, np.clip(1 - Cs / sc / b0, 0.5, 1.0), np.clip(ys / sc / b0, 1e-4, 0.95)])
        Jall = np.zeros((lines.size, 4, 4))
        have_J = np.zeros(lines.size, bool)
        alive = np.ones(lines.size, bool)
        for j in range(T.size):
            sel = np.nonzero(alive & need[lines, j])[0]
            if sel.size == 0:
                break
            rows = lines[sel]
            p = DenseHebbian.prm(P, np.full(rows.size, 1.0 / T[j]), alpha[rows])
            J0 = Jall[sel] if have_J[sel].all() else None
            res = broyden(E.rsb_map, X[:, sel], p, J0=J0, bounds=RSB_BOUNDS)
            n_solves += rows.size
            sol = {"converged": res["converged"], "q0": res["x"][1], "q1": res["x"][2], "x": res["x"][3]}
            good = is_broken(sol) & (res["x"][0] > 0.3)
            th = E.rsb_thermo(*res["x"], p)
            idx = rows * T.size + j
            for kk, v in zip(("m", "q0", "q1", "x"), res["x"]):
                out[kk][idx[good]] = v[good]
            A_R[idx[good]] = th["pressure"][good]
            rsb[idx[good]] = True
            conv_R[idx[good]] = True
            X[:, sel[good]] = res["x"][:, good]
            Jall[sel[good]] = res["J"][good]
            have_J[sel[good]] = True
            alive[sel[~good]] = False     # the breaking has disappeared (or the saddle is lost)
    # m = 0 sector from the b scaling
    b = beta.ravel() * np.sqrt(Ag.ravel() / fP)
    A_0, err = a0_curve(P, b)
    bs = pspin_glass_constants(P)["b_s"]
    retrieval = np.isfinite(A_R) & (A_R > A_0)
    A = np.where(retrieval, A_R, A_0)
    branch = np.where(retrieval, "retrieval", np.where(b > bs, "spin-glass", "paramagnet")).astype(object)
    f = -A / beta.ravel()
    for kk in out:
        out[kk] = np.where(retrieval, out[kk], np.nan if kk != "m" else 0.0)
    res = {k: v.reshape(Ag.shape) for k, v in out.items()}
    res.update(free_energy=f.reshape(Ag.shape), branch=branch.reshape(Ag.shape),
               converged=np.where(retrieval, conv_R, True).reshape(Ag.shape), rsb=rsb.reshape(Ag.shape),
               a0_spline_error=err, n_rsb_solves=n_solves)
    return res
