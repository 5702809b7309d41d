"""Gaussian expectations E_z[F(a + b z)], z ~ N(0, 1), vectorised over a batch.

Two rules with the same signature, both returning nodes ``h`` and weights ``w``
of shape ``batch + (n,)`` with ``sum(w, -1) == 1`` (to 1e-15):

* :func:`hermite_nodes` -- Gauss-Hermite (probabilists'), exact for polynomials of
  degree < 2n in z. Right for smooth integrands (finite beta * b).
* :func:`kink_nodes` -- composite Gauss-Legendre in z with extra breakpoints
  where h = a + b z crosses the kink of F at h = 0 on the scale ``width``
  (``1/beta`` for tanh(beta h), log cosh(beta h), ...). Right at any beta,
  including beta * b -> inf, where Gauss-Hermite stops converging.

:func:`normal_nodes` picks one of them per batch element by ``beta * b``.
Integrands tilted by a log-concave weight (H(g)^beta, e^{beta x ...}) whose peak leaves the
window ``|z| <= 9`` use the peak-centred rule of :mod:`statmech_nn.core.peak`; the 1RSB cosh^x
tilts are averaged exactly re-centred in :mod:`statmech_nn.core.tilted`.
Every node count is multiplied by the refinement factor of
:func:`statmech_nn.core.quaderr.refinement` (which also widens the fixed window ``|z| <= 9``);
error estimates are in :mod:`statmech_nn.core.quaderr`.
The T -> 0 closed forms (erf, log-Phi) live in the models; helpers here:
:func:`log_2cosh`, :func:`log_cosh`, :func:`log_Phi`.
"""
from functools import lru_cache

import numpy as np
from scipy import special

from .quaderr import nodes, window_levels

LN2 = float(np.log(2.0))
SQRT2 = np.sqrt(2.0)
SQRT2PI = np.sqrt(2.0 * np.pi)

#: fixed breakpoints in z that resolve the Gaussian weight itself
_Z_BREAKS = np.array([-9.0, -6.5, -4.5, -3.0, -1.6, -0.5, 0.5, 1.6, 3.0, 4.5, 6.5, 9.0])
#: breakpoints in units of ``width`` around the kink at h = 0
_KINK_BREAKS = np.array([-40.0, -12.0, -4.0, -1.2, -0.3, 0.0, 0.3, 1.2, 4.0, 12.0, 40.0])


@lru_cache(maxsize=32)
def hermite(n):
    """Gauss-Hermite nodes z and weights w for E_z with z ~ N(0,1); sum(w) = 1."""
    z, w = special.roots_hermitenorm(int(n))
    w = w / w.sum()
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


@lru_cache(maxsize=32)
def legendre(n):
    x, w = special.roots_legendre(int(n))
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def hermite_nodes(a, b, n=128):
    """Nodes h = a + b z_k and weights for E_z F(a + b z) by Gauss-Hermite (n times the
    refinement factor)."""
    return _hermite_nodes(a, b, nodes(n))


def _hermite_nodes(a, b, n):
    z, w = hermite(n)
    a = np.asarray(a, float)[..., None]
    b = np.asarray(b, float)[..., None]
    h = a + b * z
    return h, np.broadcast_to(w, h.shape)


def kink_nodes(a, b, width, n_panel=10, breaks=None):
    """Nodes and weights for E_z F(a + b z) with F sharp at h = 0 on scale ``width``.

    ``breaks`` (optional, shape ``a.shape + (k,)``): further panel edges in z (e.g. at a second
    switch of F), clipped to the window.

    Composite Gauss-Legendre over z in [-9, 9]; panel edges are the fixed
    ``_Z_BREAKS`` plus the z where h = c * width for c in ``_KINK_BREAKS``. Under
    ``refinement(f)`` every panel has f times the nodes and the window grows by 3 per
    doubling (``|z| <= 12`` at f = 2), so a truncated tilted integrand shows up as an error.
    """
    a, b, width = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, width)))
    zb = _z_breaks()
    zmax = zb[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        zk = (_KINK_BREAKS * width[..., None] - a[..., None]) / b[..., None]
    zk = np.where(np.isfinite(zk), zk, -zmax)
    zk = np.clip(zk, -zmax, zmax)
    parts = [np.broadcast_to(zb, a.shape + zb.shape), zk]
    if breaks is not None:
        bk = np.asarray(breaks, float)
        parts.append(np.clip(np.where(np.isfinite(bk), bk, -zmax), -zmax, zmax) + 0.0 * a[..., None])
    edges = np.sort(np.concatenate(parts, -1), -1)
    lo, hi = edges[..., :-1], edges[..., 1:]
    x, wl = legendre(nodes(n_panel))
    half = 0.5 * (hi - lo)
    z = (0.5 * (hi + lo))[..., None] + half[..., None] * x
    w = half[..., None] * wl * np.exp(-0.5 * z * z) / SQRT2PI
    z = z.reshape(a.shape + (-1,))
    w = w.reshape(a.shape + (-1,))
    w = w / w.sum(-1, keepdims=True)  # removes the 1e-19 tail mass beyond |z| = 9
    return a[..., None] + b[..., None] * z, w


@lru_cache(maxsize=8)
def _z_breaks_at(levels):
    if levels == 0:
        return _Z_BREAKS
    ext = 9.0 + 3.0 * np.arange(1, levels + 1)
    zb = np.concatenate([-ext[::-1], _Z_BREAKS, ext])
    zb.setflags(write=False)
    return zb


def _z_breaks():
    return _z_breaks_at(window_levels())


def normal_nodes(a, b, beta, n_panel=10, switch=1.0):
    """Gauss-Hermite where beta*|b| < ``switch`` (smooth), else the kink rule.

    Measured on E ln cosh(beta(a + b z)) (tests/test_quadrature.py): Gauss-Hermite
    with 128 nodes is at 1e-16 for beta*b <= 1 but only 1e-5 at beta*b = 2.4 and
    1e-2 at beta*b = 16, while the kink rule with 10 nodes per panel (220 nodes)
    stays at 1e-14 for every beta.

    Both rules are evaluated with the same node count so that the choice can be
    made per batch element; ``beta`` may be inf (the kink rule with width 0 is
    then exact for piecewise-smooth F).
    """
    a, b, beta = np.broadcast_arrays(*(np.asarray(v, float) for v in (a, b, beta)))
    hk, wk = kink_nodes(a, b, np.where(np.isfinite(beta), 1.0 / beta, 0.0), n_panel=n_panel)
    m = hk.shape[-1]
    hh, wh = _hermite_nodes(a, b, m)
    smooth = (beta * np.abs(b) < switch)[..., None]
    return np.where(smooth, hh, hk), np.where(smooth, wh, wk)


def expect(values, w):
    """Sum over the last axis: the expectation given nodes' weights ``w``."""
    return np.sum(values * w, axis=-1)


def log_2cosh(u):
    """ln 2cosh(u) = ``|u| + log1p(exp(-2|u|))``, stable for any u."""
    au = np.abs(u)
    return au + np.log1p(np.exp(-2.0 * au))


def log_cosh(u):
    """ln cosh(u), stable for any u (:func:`log_2cosh` - ln 2)."""
    return log_2cosh(u) - LN2


def sech2(u):
    """1 - tanh(u)^2 without cancellation."""
    e = np.exp(-2.0 * np.abs(u))
    return 4.0 * e / (1.0 + e) ** 2


def Phi(x):
    """Standard normal CDF."""
    return special.ndtr(x)


def log_Phi(x):
    """ln Phi(x), accurate for x -> -inf."""
    return special.log_ndtr(x)


def H(x):
    """Gardner's H(x) = int_x^inf Dz = 1 - Phi(x) = Phi(-x)."""
    return special.ndtr(-np.asarray(x, float))


def log_H(x):
    """ln H(x), accurate for x -> +inf."""
    return special.log_ndtr(-np.asarray(x, float))


def gauss_density(x):
    return np.exp(-0.5 * np.asarray(x) ** 2) / SQRT2PI
