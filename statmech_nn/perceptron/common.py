"""Shared helpers for the perceptron family: Gaussian and single-site quadrature,
stable special functions, the explicit sign convention.

All integrals are deterministic quadrature rules with fixed node placement given
the parameters, so every result is reproducible bit-for-bit and smooth in the
parameters.
"""
import math
from functools import lru_cache

import numpy as np
from scipy import special

from ..core.quaderr import nodes, window_levels
from ..core.quadrature import H, kink_nodes, legendre, log_2cosh, log_cosh, log_H  # noqa: F401 (re-exported)

LOG_SQRT2PI = 0.5 * np.log(2.0 * np.pi)


def sign(x):
    """sign with the package-wide tie-break sign(0) = +1 (returns int8 for arrays)."""
    x = np.asarray(x)
    return np.where(x >= 0, 1, -1).astype(np.int8)


def log_phi(x):
    """ln of the standard normal density."""
    return -0.5 * np.asarray(x) ** 2 - LOG_SQRT2PI


def mills(x):
    """phi(x)/H(x) (the inverse Mills ratio), stable for any x."""
    return np.exp(log_phi(x) - log_H(x))


def z_rule(width=1.0, n_panel=10):
    """Nodes/weights for E_z f(z), z ~ N(0,1), with extra resolution on scale
    ``width`` around z = 0 (where step-like integrands such as H(-a z), a = 1/width,
    switch). Batched over ``width``."""
    w = np.asarray(width, float)
    return kink_nodes(np.zeros_like(w), np.ones_like(w), w, n_panel=n_panel)


def t_panel(kappa, A=None):
    """Panel width for the central region ``|t| < 4`` given the entropic weight kappa S(m) and the
    quadratic coefficient A m^2 of the site measure: the density has curvature
    -2A + kappa/(1 - m^2) >= max(kappa, -2A) in m, i.e. width <= 1/sqrt(max(kappa, -2A)) in t,
    resolved by <= 2/sqrt(.) panels of 8 nodes (error 7e-11 at kappa = 20; 0.5-wide panels would
    give 2e-5 at kappa = 100). Computed from the largest value over the batch."""
    k = float(np.max(kappa)) if np.size(kappa) else 0.0
    if A is not None and np.size(A):
        k = max(k, float(np.max(-2.0 * np.asarray(A, float))))
    return None if k <= 16.0 else round(max(min(0.5, 2.0 / math.sqrt(k)), 0.005), 4)


def t_rule(t_max=22.0, panel=0.5, n=8, fine=None):
    """Composite Gauss-Legendre nodes in t = atanh(m) (see :func:`_t_rule`); ``n`` nodes per
    panel times the refinement factor, and the window grows by 4 per doubling."""
    return _t_rule(t_max + 4.0 * window_levels(), panel, nodes(n), fine)


@lru_cache(maxsize=16)
def _t_rule(t_max, panel, n, fine):
    """Composite Gauss-Legendre nodes in t = atanh(m) on [-t_max, t_max] with t = 0 a
    panel edge (so sign(m) is integrated exactly).

    A flat measure dm on [-1, 1] becomes (1 - tanh^2 t) dt. In t the single-site
    densities exp(A m^2 + h m + k S(m)) have O(1) structure even when the
    fields are large (the edge layers of width 1/h in m are stretched), which is
    what makes one fixed grid accurate at every field. Returns (t, log of the
    weights including the Jacobian, m = tanh t)."""
    x, wl = legendre(n)
    edges = np.arange(-t_max, t_max + 0.5 * panel, panel)
    if fine is not None:  # finer panels on |t| < 4 (see t_panel)
        core = np.arange(0.0, 4.0, fine)
        core = np.concatenate([-core[::-1][:-1], core, [4.0]])
        core = np.concatenate([-core[core > 0][::-1], core[core >= 0]])
        edges = np.unique(np.concatenate([edges[np.abs(edges) > 4.0], core, [-4.0, 4.0]]))
    lo, hi = edges[:-1], edges[1:]
    half = 0.5 * (hi - lo)
    t = ((0.5 * (hi + lo))[:, None] + half[:, None] * x).ravel()
    wt = (half[:, None] * wl).ravel()
    m = np.tanh(t)
    logw = np.log(wt) + np.log(4.0) - 2.0 * log_2cosh(t)      # ln of the Jacobian sech^2 t
    for a in (t, logw, m):
        a.setflags(write=False)
    return t, logw, m


def binary_entropy(m):
    """S(m) = -(1+m)/2 ln((1+m)/2) - (1-m)/2 ln((1-m)/2) in nats (S(+-1) = 0)."""
    m = np.asarray(m, float)
    a, b = 0.5 * (1 + m), 0.5 * (1 - m)
    return -special.xlogy(a, a) - special.xlogy(b, b)


def binary_entropy_t(t):
    """S(tanh t) written in t (stable for large |t|): ln(2 cosh t) - t tanh t."""
    return log_2cosh(t) - t * np.tanh(t)


def eps_from_overlap(p):
    """Generalisation error arccos(p)/pi of a student with teacher overlap p."""
    return np.arccos(np.clip(p, -1.0, 1.0)) / np.pi
