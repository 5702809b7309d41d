"""The perceptron output channel of the Gibbs measure exp(-beta E(w)), E = #violated patterns.

For one pattern with (label-folded, normalised) stability u = y w.x/sqrt(N) Gaussian with
mean s and variance V (the cavity field of AMP / TAP), the channel partition function is

    Z_out(s, V) = E_z[ e^{-beta} + (1 - e^{-beta}) theta(s + sqrt(V) z - kappa) ]
                = e^{-beta} + (1 - e^{-beta}) Phi(x),        x = (s - kappa)/sqrt(V),

(beta = inf: Z_out = Phi(x), the version-space channel; kappa = 0 for training errors).
AMP uses g = d ln Z_out/ds and dg = d^2 ln Z_out/ds^2:

    r = (1 - e^{-beta}) phi(x)/Z_out,   g = r/sqrt(V),   dg = -(x r + r^2)/V,

and the heat-equation identity d ln Z_out/dV = (dg + g^2)/2 (derivations/perceptron_amp.py
checks all three against SymPy). Evaluated in log space: stable for any x and beta.
"""
import math

import numpy as np
from scipy import special

LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
#: floor on the cavity variance V (reached only when every weight is frozen to +-1)
V_MIN = 1e-300


def channel(s, V, beta, kappa=0.0):
    """(ln Z_out, g, dg, violation probability) at cavity means s and variances V.

    ``beta`` may be an array and may be inf. The violation probability is the
    tilted-measure probability that the pattern is violated, e^{-beta} Phi(-x)/Z_out
    (0 at beta = inf)."""
    s = np.asarray(s, np.float64)
    V = np.maximum(np.asarray(V, np.float64), V_MIN)
    beta = np.asarray(beta, np.float64)
    sv = np.sqrt(V)
    x = (s - kappa) / sv
    lphi = -0.5 * x * x - LOG_SQRT2PI
    lPhi = special.log_ndtr(x)
    l1 = np.log1p(-np.exp(-beta))                 # ln(1 - e^{-beta}); 0 at beta = inf
    lz = np.logaddexp(-beta, l1 + lPhi)          # = ln Phi(x) at beta = inf
    r = np.exp(l1 + lphi - lz)
    viol = np.exp(-beta + special.log_ndtr(-x) - lz)
    g = r / sv
    dg = -r * (x + r) / V
    return lz, g, dg, viol


def naive_field_terms(s, V, kappa=0.0):
    """Order-1 (naive mean-field) pattern terms: for x = (s - kappa)/sqrt(V), the derivative
    of -H(x) = -Phi(-x) w.r.t. s is phi(x)/sqrt(V), and w.r.t. V it is -x phi(x)/(2V).
    Returns (phi(x)/sqrt(V), -x phi(x)/(2V), H(x))."""
    V = np.maximum(np.asarray(V, np.float64), V_MIN)
    sv = np.sqrt(V)
    x = (np.asarray(s, np.float64) - kappa) / sv
    ph = np.exp(-0.5 * x * x - LOG_SQRT2PI)
    return ph / sv, -x * ph / (2.0 * V), special.ndtr(-x)
