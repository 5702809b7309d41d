"""Numba kernels for Hebbian (pairwise and dense P-body) networks in Mattis-overlap form.

Hamiltonian (one pattern set, site-major patterns ``xi[i, mu]``, x_i = xi_i sigma_i):

    H = pref * sum_mu w_mu F(x^mu) - sum_i field_i sigma_i

with F = e_P (elementary symmetric polynomial, the distinct-index sum) or p_1^P / P!
(all index tuples).  ``pref = -N^(1-P)``.  Nothing here builds a coupling tensor: a flip
costs O(K) (binary patterns, integer overlaps) or O(K P^2) (real patterns, power sums).

Binary patterns (``sweep_int``): the overlaps M_mu = sum_i xi_i^mu sigma_i are kept as
int64.  For +-1 entries P! e_P is an integer polynomial F(M) with N-dependent integer
coefficients (Newton identities with p_odd = M, p_even = N); the flip of site i changes
the pattern-mu term by G(u) = F(u - 2) - F(u) with u = xi_i^mu sigma_i M_mu, an integer
polynomial of degree P-1, so the energy difference is an exact integer times
``pref * w / P!`` (the caller folds w / P! into ``pref``).

Real patterns (``sweep_real``): odd power sums p_k = sum_i xi_i^k sigma_i (k odd <= P) are
kept per pattern, the even ones are constants; e_P follows from Newton's identities.
F(p^mu) of the current state is cached per pattern, so an attempt evaluates F once per
pattern (for the flipped state).
"""
import math

import numpy as np
from numba import njit

from ._kernel_cache import CACHE

from .kernels_rng import uniform


@njit(inline="always", cache=CACHE)
def accept(dE, beta, rule, rng):
    """Metropolis (rule 0) or heat-bath (rule 1) acceptance of an energy change dE."""
    if rule == 0:
        if dE <= 0.0:
            return True
        return uniform(rng) < math.exp(-beta * dE)
    x = beta * dE if dE != 0.0 else 0.0
    if x > 700.0:
        return False
    return uniform(rng) * (1.0 + math.exp(x)) < 1.0


@njit(cache=CACHE)
def _dsum_deg1(xr, gco, ov, s):
    y = 0
    for mu in range(ov.shape[0]):
        y += xr[mu] * ov[mu]
    return gco[0] * ov.shape[0] + gco[1] * s * y


@njit(cache=CACHE)
def _dsum_deg3(xr, gco, ov, s):
    g0 = gco[0]
    g1 = gco[1]
    g2 = gco[2]
    g3 = gco[3]
    tot = 0
    for mu in range(ov.shape[0]):
        u = s * xr[mu] * ov[mu]
        tot += g0 + u * (g1 + u * (g2 + u * g3))
    return tot


@njit(cache=CACHE)
def _dsum_generic(xr, gco, ov, s):
    deg = gco.shape[0] - 1
    tot = 0
    for mu in range(ov.shape[0]):
        u = s * xr[mu] * ov[mu]
        acc = gco[deg]
        for k in range(deg - 1, -1, -1):
            acc = acc * u + gco[k]
        tot += acc
    return tot


@njit(cache=CACHE)
def _update_overlaps(xr, ov, two_s):
    for mu in range(ov.shape[0]):
        ov[mu] -= two_s * xr[mu]


# One sweep loop per polynomial degree (the degree branch inside the attempt loop costs
# ~20 ns per attempt, measured); the three bodies are identical apart from the call.
@njit(cache=CACHE)
def _sweep_int_deg1(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    N = sig.shape[0]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        dE = pref * _dsum_deg1(xi[i], gco, ov, s) + 2.0 * s * field[i]
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def _sweep_int_deg3(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    N = sig.shape[0]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        dE = pref * _dsum_deg3(xi[i], gco, ov, s) + 2.0 * s * field[i]
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def _sweep_int_generic(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    N = sig.shape[0]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        dE = pref * _dsum_generic(xi[i], gco, ov, s) + 2.0 * s * field[i]
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def sweep_int(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    """One sweep (N attempted flips) on binary patterns; returns (accepted, sum of dE)."""
    deg = gco.shape[0] - 1
    if deg == 1:
        return _sweep_int_deg1(xi, gco, pref, field, sig, ov, beta, rule, order, rng)
    if deg == 3:
        return _sweep_int_deg3(xi, gco, pref, field, sig, ov, beta, rule, order, rng)
    return _sweep_int_generic(xi, gco, pref, field, sig, ov, beta, rule, order, rng)


@njit(cache=CACHE)
def energy_int(fco, pref, field, sig, ov):
    """Total energy from the integer overlaps (F evaluated in float64)."""
    K = ov.shape[0]
    deg = fco.shape[0] - 1
    tot = 0.0
    for mu in range(K):
        x = float(ov[mu])
        acc = fco[deg]
        for k in range(deg - 1, -1, -1):
            acc = acc * x + fco[k]
        tot += acc
    e = pref * tot
    for i in range(sig.shape[0]):
        e -= field[i] * sig[i]
    return e


@njit(inline="always", cache=CACHE)
def _esym(p, P, variant, fact, e):
    """e_P from power sums p[1..P] (Newton), or p_1^P / P! for variant 1; ``e`` is work."""
    if variant == 1:
        return p[1] ** P / fact
    # e_0 = 1; e_k = (1/k) sum_{j=1}^k (-1)^(j-1) e_{k-j} p_j
    e[0] = 1.0
    for k in range(1, P + 1):
        acc = 0.0
        sgn = 1.0
        for j in range(1, k + 1):
            acc += sgn * e[k - j] * p[j]
            sgn = -sgn
        e[k] = acc / k
    return e[P]


# inlined: the call costs ~20-40 ns per attempt at small K (measured)
@njit(inline="always", cache=CACHE)
def dsum_real(xp, w, ps, fcur, fnew, i, s, P, variant, fact, buf, ework):
    """sum_mu w_mu [F(p after flipping i) - F(p)] for real patterns.

    ``fcur[mu]`` = F(ps[mu]) of the current state (cached by the caller); F after the
    flip goes to ``fnew[mu]`` so that an accepted flip needs no re-evaluation.
    """
    K = ps.shape[0]
    nodd = xp.shape[2]
    tot = 0.0
    for mu in range(K):
        for k in range(P + 1):
            buf[k] = ps[mu, k]
        for j in range(nodd):
            buf[2 * j + 1] -= 2.0 * s * xp[i, mu, j]
        f = _esym(buf, P, variant, fact, ework)
        fnew[mu] = f
        tot += w[mu] * (f - fcur[mu])
    return tot


@njit(cache=CACHE)
def sweep_real(xp, w, P, variant, pref, field, sig, ps, beta, rule, order, rng):
    """One sweep on real-valued weighted patterns; ``ps[mu, k]`` = power sum p_k."""
    N = sig.shape[0]
    K = ps.shape[0]
    nodd = xp.shape[2]
    fact = 1.0
    for k in range(2, P + 1):
        fact *= k
    buf = np.zeros(P + 1)
    ework = np.zeros(P + 1)
    # F(p^mu) of the current state, refreshed only on acceptance (the unflipped term was
    # half the work per attempt); the values are the ones a recomputation would give
    # bit for bit, since the accepted ps update repeats the arithmetic of buf.
    fcur = np.empty(K)
    fnew = np.empty(K)
    for mu in range(K):
        fcur[mu] = _esym(ps[mu], P, variant, fact, ework)
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        if order == 0:
            i = t
        else:
            i = int(uniform(rng) * N)
        s = sig[i]
        dE = (pref * dsum_real(xp, w, ps, fcur, fnew, i, s, P, variant, fact, buf, ework)
              + 2.0 * s * field[i])
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            for mu in range(K):
                for j in range(nodd):
                    ps[mu, 2 * j + 1] -= 2.0 * s * xp[i, mu, j]
                fcur[mu] = fnew[mu]
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def energy_real(w, P, variant, pref, field, sig, ps):
    fact = 1.0
    for k in range(2, P + 1):
        fact *= k
    tot = 0.0
    ework = np.zeros(P + 1)
    for mu in range(ps.shape[0]):
        tot += w[mu] * _esym(ps[mu], P, variant, fact, ework)
    e = pref * tot
    for i in range(sig.shape[0]):
        e -= field[i] * sig[i]
    return e
