r"""The 1RSB tilted averages, shared by hopfield, pspin (dense, SK) and learning.

Inner (z1) averages of the one-step RSB theory at an outer field w: with u = w + sigma z1,

    Z1 = E_z1 cosh^x(beta u),     <F> = E_z1[cosh^x(beta u) F(u)] / Z1.

The weight ``cosh^x(beta u) = e^{y|u|} g(u)``, ``g = ((1 + e^{-2 beta |u|})/2)^x``, y = beta x, grows
like ``e^{y|u|}`` and shifts the mass to u ~ +-y sigma^2, out of a window centred on w when y sigma
is large. It is therefore averaged *exactly re-centred* (no mass is lost however large y sigma):

    E_z1[e^{y abs(u)} g(u) F(u)] = sum_{s=+-1} e^{s y w + y^2 sigma^2/2} E_z[1(s h > 0) g(h) F(h)],
    h = w + s y sigma^2 + sigma z,

each half a Gaussian average with a cut at h = 0 (kink rule of width 1/beta, h = 0 a panel edge).
As beta -> inf (y finite) g -> 1 and the halves are normal CDFs: :func:`inner_T0` gives
``ln E e^{y|u|}``, ``<sgn u>``, ``<|u|>`` and the tilted density of u at 0 in closed form.

The outer (z0) averages of these, with w = mean + s0 z0 (kink rule on the scale
sqrt(sigma^2 + 1/beta^2), resp. sigma at T = 0), are :func:`averages` and :func:`averages_T0`.
Node counts follow :func:`statmech_nn.core.quaderr.refinement`.
"""
import math

import numpy as np

from .quadrature import expect, kink_nodes, log_Phi

LN2 = math.log(2.0)
LN_SQRT2PI = 0.5 * math.log(2.0 * math.pi)

#: moments of the inner tilted measure (computed from e = exp(-2 beta |u|) once per node)
MOMENTS = ("t", "t2", "lc", "s2", "s4", "ht")   # <tanh>, <tanh^2>, <ln cosh>, <sech^2>, <sech^4>, <u tanh>


def _moments(hs, bh, e, l1, want):
    """tanh, tanh^2, ln cosh, sech^2, sech^4, u tanh of beta u from bh = beta|u|, e = exp(-2 bh),
    l1 = log1p(e) (no cancellation, one exponential per node)."""
    d = 1.0 / (1.0 + e)
    t = np.copysign((1.0 - e) * d, hs)
    out = {}
    if "t" in want:
        out["t"] = t
    if "t2" in want:
        out["t2"] = t * t
    if "lc" in want:
        out["lc"] = bh + l1 - LN2
    if "s2" in want or "s4" in want:
        s2 = 4.0 * e * d * d
        out["s2"], out["s4"] = s2, s2 * s2
    if "ht" in want:
        out["ht"] = hs * t
    return out


def inner(w, sig, beta, x, want=("t", "t2", "lc", "s4"), n_panel=8):
    """Tilted inner averages at outer fields ``w`` (arrays broadcast to one shape).

    Returns dict with ``lnZ`` = ln E_z1 cosh^x(beta u) and the tilted averages of ``want``
    (names in :data:`MOMENTS`)."""
    w, sig, beta, x = np.broadcast_arrays(*(np.asarray(v, float) for v in (w, sig, beta, x)))
    y = beta * x
    width = 1.0 / beta
    lnZs, parts = [], []
    for s in (1.0, -1.0):
        hs, wz = kink_nodes(w + s * y * sig ** 2, sig, width, n_panel=n_panel)
        ind = (hs >= 0) if s > 0 else (hs < 0)
        bh = beta[..., None] * np.abs(hs)
        e = np.exp(-2.0 * bh)
        l1 = np.log1p(e)
        g = np.where(ind, np.exp(x[..., None] * (l1 - LN2)), 0.0) * wz
        Ig = g.sum(-1)
        with np.errstate(divide="ignore"):
            lnZs.append(s * y * w + 0.5 * y * y * sig ** 2 + np.log(Ig))
        parts.append((hs, bh, e, l1, g, Ig))
    lnZ = np.logaddexp(lnZs[0], lnZs[1])
    out = {"lnZ": lnZ}
    with np.errstate(invalid="ignore"):
        p_plus = np.exp(lnZs[0] - lnZ)
        p_minus = np.exp(lnZs[1] - lnZ)
    acc = {k: 0.0 for k in want}
    for (hs, bh, e, l1, g, Ig), pw in zip(parts, (p_plus, p_minus)):
        with np.errstate(invalid="ignore", divide="ignore"):
            gn = np.where(Ig[..., None] > 0, g / np.where(Ig > 0, Ig, 1.0)[..., None], 0.0)
        mom = _moments(hs, bh, e, l1, want)
        for k in want:
            acc[k] = acc[k] + pw * np.sum(gn * mom[k], -1)
    out.update(acc)
    return out


def inner_T0(w, sig, y):
    """Closed-form T = 0 inner averages for u = w + sig z1 with weight ``e^{y|u|}``.

    Returns dict: ``lnZ`` = ``ln E e^{y|u|}``, ``sgn`` = ``<sgn u>``, ``absu`` = ``<|u|>``, ``rho`` =
    (density of u at 0)/Z (so that lim beta E0 <sech^2 beta u> = 2 E0 rho)."""
    w, sig, y = np.broadcast_arrays(*(np.asarray(v, float) for v in (w, sig, y)))
    S = np.maximum(sig, 1e-150)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ys = y * S
        lAp = y * w + log_Phi(w / S + ys)
        lAm = -y * w + log_Phi(-w / S + ys)
        L = np.logaddexp(lAp, lAm)
        lnZ = 0.5 * ys * ys + L
        sgn = np.tanh(0.5 * (lAp - lAm))
        lphi = -0.5 * (w / S) ** 2 - LN_SQRT2PI
        absu = ys * S + w * sgn + 2.0 * S * np.exp(lphi - 0.5 * ys * ys - L)
        rho = np.exp(lphi - lnZ) / S
    return {"lnZ": lnZ, "sgn": sgn, "absu": absu, "rho": rho}


def averages(mean, s0, sig, beta, x, want=("t", "t2", "lc", "s4"), n_outer=8, n_inner=8):
    """Outer averages E_z0 over w = mean + s0 z0 of the inner ones (batch arrays).

    Returns dict: ``lnZ`` = E0 ln Z1, ``tt`` = E0 <tanh>^2 (when 't' is wanted) and E0 <F> for
    each F in ``want``."""
    mean, s0, sig, beta, x = np.broadcast_arrays(*(np.asarray(v, float) for v in (mean, s0, sig, beta, x)))
    width = np.sqrt(sig ** 2 + 1.0 / beta ** 2)
    w, w0 = kink_nodes(mean, s0, width, n_panel=n_outer)
    bb = lambda a: np.broadcast_to(a[..., None], w.shape)
    inn = inner(w, bb(sig), bb(beta), bb(x), want=want, n_panel=n_inner)
    out = {k: expect(v, w0) for k, v in inn.items()}
    if "t" in inn:
        out["tt"] = expect(inn["t"] ** 2, w0)
    return out


def averages_T0(mean, s0, sig, y, n_outer=10):
    """T = 0 outer averages: E0 of lnZ, ``<sgn>`` ('t'), ``<sgn>^2`` ('tt'), ``<|u|>`` ('absu'), rho."""
    mean, s0, sig, y = np.broadcast_arrays(*(np.asarray(v, float) for v in (mean, s0, sig, y)))
    S = np.maximum(sig, 1e-150)
    w, w0 = kink_nodes(mean, s0, S, n_panel=n_outer)
    inn = inner_T0(w, S[..., None], y[..., None])
    E = lambda a: expect(a, w0)
    return {"lnZ": E(inn["lnZ"]), "t": E(inn["sgn"]), "tt": E(inn["sgn"] ** 2), "absu": E(inn["absu"]),
            "rho": E(inn["rho"])}
