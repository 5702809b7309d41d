"""Peak-centred rule for Gaussian expectations with a log-concave tilt, vectorised.

E_x[e^{t(x)} F(x)], x ~ N(0, 1), with t concave (t'' <= 0): H(g)^beta = e^{beta ln H(g)},
e^{beta x c}, Gaussian tilts. The log-integrand ell(x) = -x^2/2 + t(x) has ell'' <= -1, so

* its peak x* is the root of ell' = -x + t'(x), bracketed by [x0, x0 + ell'(x0)] (ell' falls at
  least as fast as -x) and found by safeguarded Newton;
* ell(x) <= ell(x*) - (x - x*)^2 / 2, so the window where the integrand exceeds e^{-depth} of
  its peak lies inside x* +- sqrt(2 depth);
* panel edges are the points where ell = ell* - L for L in ``_LEVELS`` and L = depth, on each
  side, found by Newton started outside (monotone from outside for a concave function, so
  every iterate is a safe, if wider, edge). Each panel thus spans a known drop of the
  integrand whatever its profile (a narrow peak, a Gaussian, or the exponential tail
  e^{-x* (x - x*)} where the tilt has saturated); ``n_panel`` Gauss-Legendre nodes each.

The window thus follows the peak wherever it is (e.g. x* ~ -beta c d/(1 + beta d^2) far
outside ``|x| <= 9`` for H(c + d x)^beta at large beta and large ``|c|``) and is as narrow as the peak.
Mass lost outside the window: < e^{-depth} (1e-20 at the default depth 46) of the integral.
Node counts follow :func:`statmech_nn.core.quaderr.refinement` (nodes per panel and depth).
"""
import math
from dataclasses import dataclass

import numpy as np

from .quadrature import legendre
from .quaderr import nodes, window_levels

LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
DEPTH = 46.0
#: panel levels below the peak (Gaussian profile: fraction sqrt(L/depth) of the side)
_LEVELS = np.array([0.15, 0.5, 1.1, 2.0, 3.2, 4.8, 6.8, 9.2, 12.0, 15.5, 19.5, 24.0, 29.0, 34.5, 40.0])


@dataclass
class PeakRule:
    """Nodes of one peak-centred rule (batch shape ``S``, n nodes).

    x: (S + (n,)) nodes; p: (S + (n,)) tilted probabilities (sum 1 over the last axis);
    log_norm: (S) ln E_x e^{t(x)}; peak: (S) x*; curvature: (S) -ell''(x*) >= 1;
    tilt: (t, t', t'') at the nodes (so that callers need not evaluate them again)."""
    x: np.ndarray
    p: np.ndarray
    log_norm: np.ndarray
    peak: np.ndarray
    curvature: np.ndarray
    tilt: tuple = ()

    def expect(self, values):
        """Tilted average sum p F over the nodes."""
        return np.sum(self.p * values, -1)


def _find_peak(tilt, x0, maxiter=100):
    """Safeguarded Newton for ell'(x) = -x + t'(x) = 0; returns x*, t(x*), t''(x*).
    The root stays bracketed ([x0, x0 + ell'(x0)] at the start, since ell'' <= -1); a Newton
    step that leaves the bracket is replaced by bisection; converged elements are frozen."""
    x = np.array(x0, float)
    t, t1, t2 = (v[..., 0] for v in tilt(x[..., None]))
    g = -x + t1
    lo, hi = np.minimum(x, x + g), np.maximum(x, x + g)
    done = g == 0
    for _ in range(maxiter):
        xn = x + g / (1.0 - t2)                     # Newton: ell'' = t'' - 1 <= -1
        xn = np.where((xn < lo) | (xn > hi), 0.5 * (lo + hi), xn)
        xn = np.where(done, x, xn)
        tn, t1n, t2n = (v[..., 0] for v in tilt(xn[..., None]))
        gn = -xn + t1n
        lo = np.where(~done & (gn > 0), xn, lo)
        hi = np.where(~done & (gn <= 0), xn, hi)
        done = done | (np.abs(xn - x) <= 1e-13 * (1.0 + np.abs(xn))) | (gn == 0)
        x, g, t, t2 = xn, gn, tn, t2n
        if np.all(done):
            break
    return x, t, t2


def _level_points(tilt, xs, ls, curv, levels, iters=16):
    """Points on both sides of the peak where ell = ell* - L for each L in ``levels``
    (shape S + (2, k)), by Newton from outside. Start: the quadratic guess x* -+ sqrt(2L/curv)
    where it is outside the level set, else x* -+ sqrt(2L) (always outside, since ell'' <= -1).
    For a concave function the iterates then stay outside and move monotonically inwards, so
    every iterate is a safe, if wider, panel edge."""
    side = np.array([-1.0, 1.0])[:, None]
    xp = xs[..., None, None]
    target = ls[..., None, None] - levels
    shape = xs.shape + (2 * levels.size,)

    def f_d(x):
        t, t1, _ = tilt(x.reshape(shape))
        t, t1 = t.reshape(x.shape), t1.reshape(x.shape)
        return -0.5 * x * x + t - target, -x + t1
    curv = np.where(np.isfinite(curv), np.maximum(curv, 1.0), 1.0)   # >= 1 by concavity
    guess = xp + side * np.sqrt(2.0 * levels / curv[..., None, None])
    f, d = f_d(guess)
    safe = xp + side * np.sqrt(2.0 * levels)
    ok = f <= 0
    xe = np.where(ok, guess, safe)
    if not np.all(ok):
        f2, d2 = f_d(safe)
        f, d = np.where(ok, f, f2), np.where(ok, d, d2)
    for _ in range(iters):
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = xe - f / d
        xn = np.where(np.isfinite(xn), xn, xe)
        xn = np.where(side < 0, np.clip(xn, xe, xp), np.clip(xn, xp, xe))
        if np.all(np.abs(xn - xe) <= 1e-3 * np.abs(xe - xp) + 1e-12):
            break
        xe = xn
        f, d = f_d(xe)
    return xe


def peak_rule(tilt, shape, x0=None, n_panel=8, depth=DEPTH, breaks=None):
    """Peak-centred nodes for E_x[e^{t(x)} F(x)], x ~ N(0, 1), batched over ``shape``.

    ``tilt(x)`` gets x of shape ``shape + (k,)`` and returns (t, t', t'') of that shape; t must
    be concave. ``breaks`` (optional, ``shape + (k,)``): extra panel edges where the tilt
    changes on a short scale (e.g. where g = c + d x crosses 0 for H(-g) with d >> 1); those
    inside the window are added. Returns a :class:`PeakRule`. ``n_panel`` (nodes per panel)
    and ``depth`` grow under :func:`~statmech_nn.core.quaderr.refinement`."""
    depth = depth + 12.0 * window_levels()
    x0 = np.zeros(shape) if x0 is None else np.broadcast_to(np.asarray(x0, float), shape)
    xs, ts, t2s = _find_peak(tilt, x0)
    ls = -0.5 * xs * xs + ts
    lev = np.append(_LEVELS[_LEVELS < depth], depth)
    pts = _level_points(tilt, xs, ls, 1.0 - t2s, lev)                                  # (S, 2, k)
    left, right = pts[..., 0, ::-1], pts[..., 1, :]
    edges = np.concatenate([left, xs[..., None], right], -1)
    if breaks is not None:
        b = np.broadcast_to(np.asarray(breaks, float), shape + np.shape(breaks)[-1:])
        b = np.clip(np.where(np.isfinite(b), b, xs[..., None]), left[..., :1], right[..., -1:])
        edges = np.sort(np.concatenate([edges, b], -1), -1)
    lo, hi = edges[..., :-1], edges[..., 1:]
    u, wl = legendre(nodes(n_panel))
    half = 0.5 * (hi - lo)
    x = ((0.5 * (hi + lo))[..., None] + half[..., None] * u).reshape(shape + (-1,))
    wgl = (half[..., None] * wl).reshape(shape + (-1,))
    tv = tilt(x)
    t = tv[0]
    lw = -0.5 * x * x + t - ls[..., None]
    with np.errstate(divide="ignore"):
        lw = lw + np.log(wgl)
    # relative to the largest node (= the peak up to round-off; robust if it is not)
    top = np.max(lw, -1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(lw - top)
    Z = w.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return PeakRule(x=x, p=w / Z[..., None], log_norm=ls + top[..., 0] + np.log(Z) - LOG_SQRT2PI, peak=xs,
                    curvature=1.0 - t2s, tilt=tv)
