"""Energetic and entropic terms of the field-space model (RS), by deterministic quadrature.

Energetic term (teacher gauged to +1; g = c + d x, c = sqrt(q) z/sqrt(1-Q), d = sqrt(Q-q)/sqrt(1-Q))

    G_E = 2 E_z H(-a z) L(z),   a = R/sqrt(q - R^2),   L(z) = ln E_x H(-g)^beta.

The x-integrand phi(x) H(-g)^beta is a Gaussian tilted by the concave beta ln H(-g): for
z < 0 and beta d^2 >> 1 its peak sits near g = 0, x* ~ -c/d (about -beta c d/(1 + beta d^2)),
far outside any fixed window around x = 0. The x-average therefore uses the peak-centred
rule :func:`statmech_nn.core.peak.peak_rule` (extra panel edges where the tilt switches,
g in [-3, sqrt(2 ln(beta d^2)) + 1]). Derivatives of L are written after integration by parts
in x (E_t[x F] = E_t[t' F + F'] for the tilted measure), so that no 1/sqrt(Q - q) appears:

    dL/dq = beta/sqrt(1-Q) [ z E_t[M]/(2 sqrt q) - E_t[(beta - 1) M^2 - g M]/(2 sqrt(1-Q)) ],
    dL/dQ = beta (beta - 1) E_t[M^2] / (2 (1 - Q)),      M = phi(g)/H(-g)  (= d ln H(-g)/dg).

Entropic term: the single-site measure exp[(Qh - qh/2) m^2 + h m + k S(m)] dm on [-1, 1] in
t = atanh(m) (:func:`statmech_nn.perceptron.common.t_rule`), with finer panels on ``|t| < 4`` when
the measure is narrow there (entropic weight k or a large negative Qh - qh/2).
"""
import numpy as np
from scipy.special import logsumexp

from ..core.peak import peak_rule
from ..core.quadrature import expect, kink_nodes
from .common import H, binary_entropy_t, log_H, log_phi, mills, t_panel, t_rule, z_rule

#: values of g = c + d x where the tilt H(-g)^beta changes curvature (panel edges in x)
_G_BREAKS = np.array([-3.0, -1.5, -0.5, 0.0, 0.5, 1.5, 3.0])


def clamp(q, R, Q):
    """Keep (q, R, Q) inside 0 < q < Q < 1, ``|R| < sqrt(q)`` (the integrals' domain)."""
    Q = np.clip(Q, 1e-9, 1 - 1e-10)
    q = np.clip(q, 1e-12, Q * (1 - 1e-10))
    lim = np.sqrt(q) * (1 - 1e-10)
    R = np.clip(R, -lim, lim)
    return q, R, Q


def _tilt(c, d, beta):
    """x -> (t, t', t'') of t = beta ln H(-(c + d x)); c, d, beta of the batch shape."""
    def tilt(x):
        g = c[..., None] + d[..., None] * x
        lh = log_H(-g)
        M = np.exp(log_phi(g) - lh)
        b, dd = beta[..., None], d[..., None]
        return b * lh, b * dd * M, -b * dd * dd * M * (g + M)
    return tilt


def x_rule(c, d, beta, n_panel=6):
    """Peak-centred rule in x for the tilt H(-g)^beta, g = c + d x (arrays of one shape)."""
    c, d, beta = np.broadcast_arrays(*(np.asarray(v, float) for v in (c, d, beta)))
    g_hi = np.sqrt(2.0 * np.log(np.maximum(beta * d * d, 1.0)))[..., None] * np.array([0.75, 1.0, 1.25]) + 1.0
    gb = np.concatenate([np.broadcast_to(_G_BREAKS, c.shape + _G_BREAKS.shape), g_hi], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        breaks = (gb - c[..., None]) / d[..., None]
    return peak_rule(_tilt(c, d, beta), c.shape, n_panel=n_panel, breaks=breaks)


def field_GE_integrand(z, x, q, R, Q, beta):
    """Pointwise pieces for G_E in the direct (not integrated-by-parts) form that
    derivations/perceptron.py checks against SymPy. z: (..., nz, 1), x: (..., nz, nx).
    Returns the z-integrands of G_E, dq, dR, dQ, E ln H and, separately, per-(z, x)
    the log-weight beta ln H(-g) and the x-integrands of dL/dq, dL/dQ (for checks)."""
    s2 = q - R * R
    s = np.sqrt(s2)
    a = R / s
    sQ = np.sqrt(1 - Q)
    sd = np.sqrt(Q - q)
    g = (np.sqrt(q) * z + sd * x) / sQ
    lh = log_H(-g)
    mg = mills(-g)  # d ln H(-g)/dg
    dg_dq = (z / (2 * np.sqrt(q)) - x / (2 * sd)) / sQ
    dg_dQ = x / (2 * sd * sQ) + g / (2 * (1 - Q))
    return dict(g=g, lh=lh, mg=mg, dg_dq=dg_dq, dg_dQ=dg_dQ, a=a,
                da_dR=q / (s2 * s), da_dq=-R / (2 * s2 * s))


def field_GE(q, R, Q, beta, n_panel=12):
    """(G_E, dG_E/dq, dG_E/dR, dG_E/dQ, E_z 2H(-az) <ln H(-g)>_x), batched (1-D arrays)."""
    q, R, Q, beta = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in (q, R, Q, beta)))
    q, R, Q = clamp(q, R, Q)
    s2 = q - R * R
    s = np.sqrt(s2)
    a = np.abs(R) / s
    z, wz = z_rule(1.0 / np.maximum(1.0, a), n_panel)              # (nb, nz)
    sQ = np.sqrt(1 - Q)[:, None]
    sq = np.sqrt(q)[:, None]
    c = sq * z / sQ
    d = np.broadcast_to((np.sqrt(Q - q)[:, None] / sQ), c.shape)
    b = np.broadcast_to(beta[:, None], c.shape)
    rule = x_rule(c, d, b)
    g = c[..., None] + d[..., None] * rule.x                         # (nb, nz, nx)
    lh = rule.tilt[0] / b[..., None]                                 # ln H(-g) at the nodes
    M = rule.tilt[1] / (b * d)[..., None]                            # phi(g)/H(-g)
    L = rule.log_norm                                                # (nb, nz)
    EM, EM2, EgM = rule.expect(M), rule.expect(M * M), rule.expect(g * M)
    dLq = b / sQ * (z * EM / (2 * sq) - ((b - 1) * EM2 - EgM) / (2 * sQ))
    dLQ = b * (b - 1) * EM2 / (2 * sQ * sQ)
    elh = rule.expect(lh)
    az = (R / s)[:, None] * z
    A = H(-az)
    pa = np.exp(log_phi(az))
    da_dR = (q / (s2 * s))[:, None]
    da_dq = (-R / (2 * s2 * s))[:, None]
    ge = expect(2 * A * L, wz)
    dR = expect(2 * z * pa * da_dR * L, wz)
    dq = expect(2 * (z * pa * da_dq * L + A * dLq), wz)
    dQ = expect(2 * A * dLQ, wz)
    e = expect(2 * A * elh, wz)
    return ge, dq, dR, dQ, e


def site_moments(qh, rh, Qh, kappa=0.0, extra_field=None, n_panel=10):
    """Single-site measure exp[(Qh - qh/2) m^2 + (sqrt(qh) z + rh) m + kappa S(m)] on [-1,1]
    (flat dm), averaged over z: returns E ln Z, E<m>, E<m>^2, E<m^2>, E<sign m>."""
    qh, rh, Qh, kappa = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in (qh, rh, Qh, kappa)))
    b = np.sqrt(np.maximum(qh, 0.0))
    h, wz = kink_nodes(rh, b, np.ones_like(b), n_panel=n_panel)     # (nb, nz) fields
    A = Qh - 0.5 * qh
    t, logw, m = t_rule(fine=t_panel(kappa, A))
    lw = logw + A[:, None, None] * m * m + h[..., None] * m + kappa[:, None, None] * binary_entropy_t(t)
    lz = logsumexp(lw, axis=-1)
    pm = np.exp(lw - lz[..., None])
    m1 = np.sum(pm * m, -1)
    m2 = np.sum(pm * m * m, -1)
    ms = np.sum(pm * np.where(t >= 0, 1.0, -1.0), -1)
    return expect(lz, wz), expect(m1, wz), expect(m1 * m1, wz), expect(m2, wz), expect(ms, wz)


def peak_offset(q, Q, beta, z):
    """Where the x-integrand of L(z) peaks (the issue-11 diagnostic: far outside ``|x| <= 9`` for
    z < 0 at large beta); from the peak-centred rule."""
    q, Q, beta, z = np.broadcast_arrays(*(np.asarray(v, float) for v in (q, Q, beta, z)))
    c = np.sqrt(q) * z / np.sqrt(1 - Q)
    d = np.sqrt(Q - q) / np.sqrt(1 - Q)
    return x_rule(c, d, beta).peak

