r"""The k-level Parisi recursion of an Ising spin in a hierarchical Gaussian field, batched.

In field units (phi = f/beta, exponents y_l = beta x_l, so that T = 0 is the same code)::

    phi_k(u) = (1/beta) ln cosh(beta u)          (T > 0),      phi_k(u) = |u|       (T = 0),
    phi_{l-1}(u) = (1/y_l) ln E_z exp(y_l phi_l(u + sqrt(Delta_l) z)),      l = k, ..., 1,
    Phi = E_z phi_0(H + sqrt(Delta_0) z).

The magnetisations M_l = d phi_l / du obey M_k = tanh(beta u) (sign u at T = 0) and
M_{l-1}(u) = <M_l>_l, the average over z tilted by exp(y_l phi_l).  The tilted ("Parisi")
measure of the fields u_l = H + sum_{j <= l} sqrt(Delta_j) z_j has densities::

    rho_0 = N(H, Delta_0),  rho_l(v) = int du rho_{l-1}(u) N(v - u; Delta_l) exp(y_l [phi_l(v) - phi_{l-1}(u)]),

and every derivative of Phi is an average over them (see :mod:`.ising`):
Q_l = E_rho_l[M_l^2], m^ = E_rho_0[M_0], E_rho_l[phi_l].

Numerics.  exp(y phi) grows like ``exp(y |u|)``; it is never formed.  With
``exp(y phi(v)) = 2 cosh(y v) R(v)``, ``R = exp(y (phi - |v|)) / (1 + exp(-2 y |v|))`` bounded and
smooth, and exp(+-y v) N(v; u, Delta) = exp(+-y u + y^2 Delta/2) N(v; u +- y Delta, Delta),
each level is two Gaussian convolutions of R (and of R M) at shifted points
(:mod:`.heat`), combined in log form; the forward densities are the transposed operation.
Outside the grid ``phi_l = |v| + c_+-`` and M_l = +-1 exactly (to 1e-16: the grid reaches
8.6 inner standard deviations and 18.5/beta beyond the kink at 0), which fills the padding.
At T = 0 the innermost level is closed form (normal CDF), as in the 1RSB engine.
Work per point: O(k N log N) for N grid points.
"""
import math

import numpy as np
from scipy import special

from .heat import SIGMA_PER_DU, Grid, convolve, kernel_halfwidth, pad_main, spectrum

LN2 = math.log(2.0)
LN_SQRT2PI = 0.5 * math.log(2.0 * math.pi)

#: grid spacing in units of the narrowest analytic strip (1/beta, 1/y, sqrt(Delta_k) at T = 0)
RESOLUTION = 0.22
#: reach of the grid beyond the kink / the outer density, in standard deviations
REACH = 8.6
#: largest number of grid points (finer requests are capped and show up in ``error``)
N_MAX = 2 ** 15
#: variances below this (relative to the total) are exact identities (q_l = q_{l-1})
DELTA_TINY = 1e-15


def grid_spec(H, Delta, y, beta, zero_T, resolution=RESOLUTION, n_max=N_MAX):
    """Per-point grid spacing ``du`` and extent ``(lo, hi)`` adequate for the chain with these
    parameters (see the module doc).  Delta: (k+1, B), Delta[0] the outer variance; y: (k, B);
    beta: (B,) (ignored at T = 0)."""
    H = np.asarray(H, float)
    Delta = np.maximum(np.asarray(Delta, float), 0.0)
    y = np.asarray(y, float)
    k = y.shape[0]
    tot = Delta.sum(0)
    tiny = DELTA_TINY * np.maximum(tot, 1e-300)
    v_in = Delta[1:].sum(0)
    drift = (y * Delta[1:]).sum(0)
    fft_levels = range(1, k) if zero_T else range(1, k + 1)
    scale = np.full(H.shape, np.inf)
    if not zero_T:
        scale = np.minimum(scale, 1.0 / beta)
    for l in range(1, k + 1):   # R_l has poles at +-i pi/(2 y_l); at T = 0 so has the closed form
        scale = np.minimum(scale, 1.0 / np.maximum(y[l - 1], 1e-300))
    if zero_T:
        scale = np.minimum(scale, np.where(Delta[k] > tiny, np.sqrt(Delta[k]), np.inf))
    du = resolution * scale
    for l in list(fft_levels) + [0]:
        s = np.sqrt(Delta[l])
        du = np.where(Delta[l] > tiny, np.minimum(du, s / SIGMA_PER_DU), du)
    Lf = REACH * np.sqrt(v_in) + (0.0 if zero_T else 18.5 / beta)
    Lr = REACH * np.sqrt(tot) + drift
    lo = np.minimum(-Lf, H - Lr)
    hi = np.maximum(Lf, H + Lr)
    du = np.maximum(du, (hi - lo) / (n_max - 1))
    du = np.where(np.isfinite(du) & (du > 0), du, (hi - lo) / 64.0)
    return du, lo, hi


def grid_from_spec(H, du, lo, hi, Delta, y, zero_T):
    """The batch grid centred at the fields H with spacings ``du`` covering [lo, hi] per point,
    padded for the kernels of these (Delta, y)."""
    H = np.asarray(H, float)
    n_lo = int(np.ceil(np.max((H - lo) / du))) + 2
    n_hi = int(np.ceil(np.max((hi - H) / du))) + 2
    k = np.shape(y)[0]
    M = 1
    for l in (range(1, k) if zero_T else range(1, k + 1)):
        M = max(M, int(kernel_halfwidth(du, Delta[l], y[l - 1] * Delta[l]).max()))
    return Grid(H, du, n_lo, n_hi, M)


def make_grid(H, Delta, y, beta, zero_T, resolution=RESOLUTION, n_max=N_MAX):
    """:func:`grid_spec` and :func:`grid_from_spec` in one call."""
    du, lo, hi = grid_spec(H, Delta, y, beta, zero_T, resolution, n_max)
    return grid_from_spec(H, du, lo, hi, np.maximum(np.asarray(Delta, float), 0.0), y, zero_T)


def _extend(phi, Mg, grid):
    """phi, M on the extended grid from their main-grid values and the exact asymptotes."""
    M_, N = grid.M, grid.N
    ue = grid.u_ext
    cp = phi[:, -1] - np.abs(grid.u[:, -1])
    cm = phi[:, 0] - np.abs(grid.u[:, 0])
    phe = np.empty_like(ue)
    Me = np.empty_like(ue)
    phe[:, M_:M_ + N] = phi
    Me[:, M_:M_ + N] = Mg
    phe[:, :M_] = np.abs(ue[:, :M_]) + cm[:, None]
    phe[:, M_ + N:] = np.abs(ue[:, M_ + N:]) + cp[:, None]
    Me[:, :M_] = -1.0
    Me[:, M_ + N:] = 1.0
    return phe, Me


def _innermost_finite(u, beta):
    """phi_k = ln cosh(beta u)/beta and M_k = tanh(beta u) (any |u|)."""
    au = np.abs(u)
    b = beta[:, None]
    return au + (np.log1p(np.exp(-2.0 * b * au)) - LN2) / b, np.tanh(b * u)


def _innermost_zero(u, var, y):
    """T = 0 innermost level in closed form at fields u: phi_{k-1}, M_{k-1}, <|u|>, p0 = tilted
    density of u_k at 0 (y = y_k, var = Delta_k)."""
    S = np.sqrt(np.maximum(var, 1e-300))[:, None]
    Y = y[:, None]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lAp = Y * u + special.log_ndtr(u / S + Y * S)
        lAm = -Y * u + special.log_ndtr(-u / S + Y * S)
        L = np.logaddexp(lAp, lAm)
        lnZ = 0.5 * Y * Y * S * S + L
        sgn = np.tanh(0.5 * (lAp - lAm))
        lphi0 = -0.5 * (u / S) ** 2 - 0.5 * Y * Y * S * S - LN_SQRT2PI
        r0 = np.exp(lphi0 - L)
    absu = Y * S * S + u * sgn + 2.0 * S * r0
    return lnZ / Y, sgn, absu, r0 / S


def run_chain(H, Delta, y, beta=None, zero_T=False, grid=None, forward=True):
    """Evaluate the recursion and, with ``forward``, the averages under the Parisi measure.

    Parameters: H (B,), Delta (k+1, B) [Delta_0 outer ... Delta_k innermost], y (k, B) [y_1..y_k],
    beta (B,) (finite, for T > 0) or ``zero_T=True``.  Returns a dict of (B,) arrays:
    ``phi0`` = Phi, ``mhat`` = E rho_0[M_0], ``Q`` (k+1, B) = E rho_l[M_l^2] (at T = 0 Q_k = 1),
    ``Ephi`` (k+1, B) = E rho_l[phi_l], ``s4``, ``s2`` = E rho_k[sech^4, sech^2 (beta u)] and
    ``uM`` = E rho_k[u tanh(beta u)] (T > 0) or ``C`` =
    2 x (tilted density of u_k at 0) (T = 0), ``error`` = largest kernel-normalisation or
    density-normalisation defect (a measured bound of the discretisation error), and the grid.
    """
    H = np.atleast_1d(np.asarray(H, float))
    Delta = np.maximum(np.asarray(Delta, float).reshape(-1, H.size), 0.0)
    y = np.asarray(y, float).reshape(-1, H.size)
    k = y.shape[0]
    if Delta.shape[0] != k + 1:
        raise ValueError("Delta must have k + 1 rows (outer variance first)")
    if not zero_T:
        beta = np.broadcast_to(np.asarray(beta, float), H.shape)
    if grid is None:
        grid = make_grid(H, Delta, y, beta, zero_T)
    u = grid.u
    au = np.abs(u)
    err = np.zeros(H.size)
    phis = [None] * (k + 1)
    Ms = [None] * (k + 1)
    keep = [None] * (k + 1)       # per level: (R_l on the main grid, c0, kernel spectra)
    extra = {}
    if zero_T:
        phi_km1, M_km1, absu, p0 = _innermost_zero(u, Delta[k], y[k - 1])
        phis[k - 1], Ms[k - 1] = phi_km1, M_km1
        extra["absu"], extra["p0"] = absu, p0
        top = k - 1
    else:
        phk, Mk = _innermost_finite(grid.u_ext, beta)
        phis[k], Ms[k] = grid.main(phk), grid.main(Mk)
        top = k
    # ---- backward: phi_{l-1}, M_{l-1} from phi_l, M_l --------------------------------------
    for l in range(top, 0, -1):
        yl, var = y[l - 1], Delta[l]
        if l == k and not zero_T:
            phe, Me = phk, Mk
        else:
            phe, Me = _extend(phis[l], Ms[l], grid)
        ue = np.abs(grid.u_ext)
        a = yl[:, None] * (phe - ue) - np.log1p(np.exp(-2.0 * yl[:, None] * ue))
        c0 = a.max(-1)
        R = np.exp(a - c0[:, None])
        Kp, ep = grid.kernel_spectrum(var, yl * var)
        Km = np.conj(Kp)                 # the kernel of the opposite shift
        err = np.maximum(err, ep)
        sR, sRM = spectrum(R, grid), spectrum(R * Me, grid)
        Ip, Im = convolve(sR, Kp, grid), convolve(sR, Km, grid)
        Jp, Jm = convolve(sRM, Kp, grid), convolve(sRM, Km, grid)
        e2 = np.exp(-2.0 * yl[:, None] * au)
        pos = u >= 0
        num = np.where(pos, Ip + e2 * Im, Im + e2 * Ip)
        nmj = np.where(pos, Jp + e2 * Jm, Jm + e2 * Jp)
        num = np.maximum(num, 1e-300)
        phis[l - 1] = au + 0.5 * (yl * var)[:, None] + (c0[:, None] + np.log(num)) / yl[:, None]
        Ms[l - 1] = nmj / num
        keep[l] = (grid.main(R), c0, Kp, Km)
    out = {"grid": grid, "phi": phis, "M": Ms}
    # ---- outer average ----------------------------------------------------------------------
    var0 = Delta[0]
    s0 = np.sqrt(var0)
    w0 = np.exp(-0.5 * ((u - H[:, None]) / np.where(s0 > 0, s0, 1.0)[:, None]) ** 2)
    w0 = w0 / np.where(s0 > 0, s0 * math.sqrt(2 * math.pi), 1.0)[:, None] * grid.du[:, None]
    delta0 = var0 <= DELTA_TINY * np.maximum(Delta.sum(0), 1e-300)
    w0[delta0] = 0.0
    w0[delta0, grid.i_centre] = 1.0
    err = np.maximum(err, np.abs(w0.sum(-1) - 1.0))
    out["phi0"] = (w0 * phis[0]).sum(-1)
    out["mhat"] = (w0 * Ms[0]).sum(-1)
    if not forward:
        out["error"] = err
        return out
    # ---- forward: weights omega_l = du rho_l on the grid ---------------------------------
    omegas = [w0]
    Q = np.empty((k + 1, H.size))
    Ephi = np.empty((k + 1, H.size))
    Q[0] = (w0 * Ms[0] ** 2).sum(-1)
    Ephi[0] = out["phi0"]
    for l in range(1, top + 1):
        yl, var = y[l - 1], Delta[l]
        R, c0, Kp, Km = keep[l]
        om = omegas[-1]
        a = -yl[:, None] * (phis[l - 1] - au)
        c1 = a.max(-1)
        base = om / grid.du[:, None] * np.exp(a - c1[:, None])
        gp = base * np.exp(-yl[:, None] * (au - u))        # s = +: exp(+y u) relative to exp(y|u|)
        gm = base * np.exp(-yl[:, None] * (au + u))
        Pp = convolve(spectrum(pad_main(gp, grid), grid), Km, grid)
        Pm = convolve(spectrum(pad_main(gm, grid), grid), Kp, grid)
        fac = np.exp(c0 + c1 + 0.5 * yl * yl * var)
        om_l = grid.du[:, None] * fac[:, None] * R * (Pp + Pm)
        om_l = np.maximum(om_l, 0.0)
        err = np.maximum(err, np.abs(om_l.sum(-1) - 1.0))
        omegas.append(om_l)
        Q[l] = (om_l * Ms[l] ** 2).sum(-1)
        Ephi[l] = (om_l * phis[l]).sum(-1)
    if zero_T:
        om = omegas[-1]
        Q[k] = 1.0
        Ephi[k] = (om * extra["absu"]).sum(-1)
        out["C"] = 2.0 * (om * extra["p0"]).sum(-1)
    else:
        b = beta[:, None]
        e = np.exp(-2.0 * b * au)
        s2 = 4.0 * e / (1.0 + e) ** 2
        out["s4"] = (omegas[-1] * s2 * s2).sum(-1)
        out["s2"] = (omegas[-1] * s2).sum(-1)
        out["uM"] = (omegas[-1] * u * Ms[k]).sum(-1)
    out.update(Q=Q, Ephi=Ephi, omega=omegas, error=err)
    return out


def run_batched(H, Delta, y, beta=None, zero_T=False, spec=None, forward=True, max_elems=2 ** 21):
    """:func:`run_chain` for a heterogeneous batch: points are grouped by grid size (powers of
    two) and chunked, so one point needing a fine grid does not make the whole batch fine.
    ``spec`` = (du, lo, hi) per point (default: :func:`grid_spec`).  Non-finite inputs give NaN
    outputs.  Returns phi0, mhat, Q, Ephi, s4, s2, uM (T > 0) or C (T = 0), error, n_grid."""
    H = np.atleast_1d(np.asarray(H, float))
    B = H.size
    Delta = np.asarray(Delta, float).reshape(-1, B)
    y = np.asarray(y, float).reshape(-1, B)
    k = y.shape[0]
    beta = None if zero_T else np.broadcast_to(np.asarray(beta, float), (B,))
    ok = np.isfinite(H) & np.all(np.isfinite(Delta), 0) & np.all(np.isfinite(y), 0)
    if not zero_T:
        ok &= np.isfinite(beta) & (beta > 0)
    out = {"phi0": np.full(B, np.nan), "mhat": np.full(B, np.nan), "Q": np.full((k + 1, B), np.nan),
           "Ephi": np.full((k + 1, B), np.nan), "error": np.full(B, np.nan), "n_grid": np.zeros(B, int)}
    for key in (("C",) if zero_T else ("s4", "s2", "uM")):
        out[key] = np.full(B, np.nan)
    idx_ok = np.nonzero(ok)[0]
    if idx_ok.size == 0:
        return out
    bsub = None if zero_T else beta[idx_ok]
    if spec is None:
        du, lo, hi = grid_spec(H[idx_ok], Delta[:, idx_ok], y[:, idx_ok], bsub, zero_T)
    else:
        du, lo, hi = (np.asarray(a, float)[idx_ok] for a in spec)
    n = (hi - lo) / du
    bucket = np.ceil(np.log2(np.maximum(n, 16.0))).astype(int)
    for b in np.unique(bucket):
        sel = np.nonzero(bucket == b)[0]
        chunk = max(1, int(max_elems // (2 ** (b + 1))))
        for c0 in range(0, sel.size, chunk):
            s = sel[c0:c0 + chunk]
            g = idx_ok[s]
            Dg = np.maximum(Delta[:, g], 0.0)
            grid = grid_from_spec(H[g], du[s], lo[s], hi[s], Dg, y[:, g], zero_T)
            r = run_chain(H[g], Dg, y[:, g], None if zero_T else beta[g], zero_T, grid=grid,
                          forward=forward)
            out["n_grid"][g] = grid.N
            for key in ("phi0", "mhat", "error", "C", "s4", "s2", "uM"):
                if key in r and key in out:
                    out[key][g] = r[key]
            if forward:
                out["Q"][:, g] = r["Q"]
                out["Ephi"][:, g] = r["Ephi"]
    return out
