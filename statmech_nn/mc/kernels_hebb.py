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

Acceptance (``accept``, also used by the coupling kernel): an exp-free pre-test settles
most attempts at ``|beta dE| > 2`` and the exact test decides the rest; for P = 2 the driver
also keeps a table of exact acceptance thresholds per energy change
(``sweep_int_deg1_memo``).  Both give the decisions and random draws of the plain test
bit for bit.
"""
import math

import numpy as np
from numba import njit

from ._kernel_cache import CACHE

from .kernels_rng import uniform


# exp-free pre-test of ``accept``: for x >= 0, e^x >= T4(x) = 1 + x + x^2/2 + x^3/6 + x^4/24,
# so u * T4(x) >= 1 (with a margin far above the rounding errors of the few operations
# and of libm's exp, < 1 ulp) proves u >= exp(-x) as computed, i.e. the exact test would
# reject; likewise for heat-bath in both directions.  Where the pre-test is inconclusive
# the exact test runs as before, so every decision and every random number drawn are those
# of the plain test.  It is used only for |beta dE| > _XB: there it leaves undecided at
# most 1.15% of the draws besides the accepted ones (the gap 1/T4(x) - exp(-x), largest
# at x = 3.3; heat-bath 1.07%); below _XB it would mostly be undecided (measured: no gain,
# slower heat-bath at high acceptance).  Saves the exp (~7-10 ns) on most attempts of a
# low-temperature chain.
_XB = 2.0
_MARGIN = 1e-12


@njit(inline="always", cache=CACHE)
def _t4(x):
    return 1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0))))


@njit(inline="always", cache=CACHE)
def _metro_rejects(u, x):
    """True only if u < exp(-x) (as computed) is certainly false (x = beta dE > 0)."""
    return x > _XB and u * _t4(x) >= 1.0 + _MARGIN


@njit(inline="always", cache=CACHE)
def _hb_sure(u, x):
    """Heat-bath u (1 + exp(x)) < 1 without exp where certain: 0 no, 1 yes, 2 undecided."""
    if x > _XB:
        if u * (1.0 + _t4(x)) >= 1.0 + _MARGIN:
            return 0
    elif x < -_XB:
        p = _t4(-x)                      # u (1 + 1/p) < 1 proves u (1 + exp(x)) < 1
        if u * (1.0 + p) < p * (1.0 - _MARGIN):
            return 1
    return 2


@njit(inline="always", cache=CACHE)
def accept(dE, beta, rule, rng):
    """Metropolis (rule 0) or heat-bath (rule 1) acceptance of an energy change dE.

    Draws one uniform unless the outcome is certain (Metropolis dE <= 0; heat-bath
    beta dE > 700); the decision is u < exp(-beta dE), resp. u (1 + exp(beta dE)) < 1.
    """
    if rule == 0:
        if dE <= 0.0:
            return True
        u = uniform(rng)
        if _metro_rejects(u, beta * dE):
            return False
        return u < math.exp(-beta * dE)
    x = beta * dE if dE != 0.0 else 0.0
    if x > 700.0:
        return False
    u = uniform(rng)
    c = _hb_sure(u, x)
    if c != 2:
        return c == 1
    return u * (1.0 + math.exp(x)) < 1.0


# The products xi_i^mu * (...) in the energy differences are written as selections: the
# entries are +-1 (the models check it) and the int64 multiply was the slowest part of the
# vector loop (measured 1.3-1.6x per attempt at K = 100); the integers, so dE, are the same.
@njit(inline="always", cache=CACHE)
def _dsum_deg1(xr, g0K, g1, ov, s):
    y = 0
    for mu in range(ov.shape[0]):
        o = ov[mu]
        y += o if xr[mu] > 0 else -o
    return g0K + g1 * s * y


@njit(inline="always", cache=CACHE)
def _dsum_deg3(xr, g0K, g1, g2, g3, ov, s):
    tot = 0
    for mu in range(ov.shape[0]):
        o = ov[mu]
        u = o if xr[mu] == s else -o          # u = s xi_i^mu M_mu
        tot += u * (g1 + u * (g2 + u * g3))
    return g0K + tot


@njit(inline="always", cache=CACHE)
def _dsum_generic(xr, gco, ov, s):
    deg = gco.shape[0] - 1
    tot = 0
    for mu in range(ov.shape[0]):
        o = ov[mu]
        u = o if xr[mu] == s else -o
        acc = gco[deg]
        for k in range(deg - 1, -1, -1):
            acc = acc * u + gco[k]
        tot += acc
    return tot


@njit(inline="always", cache=CACHE)
def _update_overlaps(xr, ov, two_s):
    # a product here (a selection was slower at high acceptance, measured)
    for mu in range(ov.shape[0]):
        ov[mu] -= two_s * xr[mu]


# One sweep loop per polynomial degree (the degree branch inside the attempt loop costs
# ~20 ns per attempt, measured); the three bodies are identical apart from the dsum line.
# The helpers are inlined (numba IR): called, each costs a few ns per attempt at small K.
@njit(cache=CACHE)
def _sweep_int_deg1(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    N = sig.shape[0]
    g0K = gco[0] * ov.shape[0]
    g1 = gco[1]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        f = field[i]
        n = _dsum_deg1(xi[i], g0K, g1, ov, s)
        dE = pref * n + 2.0 * s * f
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def _sweep_int_deg3(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    N = sig.shape[0]
    g0K = gco[0] * ov.shape[0]
    g1 = gco[1]
    g2 = gco[2]
    g3 = gco[3]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        f = field[i]
        n = _dsum_deg3(xi[i], g0K, g1, g2, g3, ov, s)
        dE = pref * n + 2.0 * s * f
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
        f = field[i]
        n = _dsum_generic(xi[i], gco, ov, s)
        dE = pref * n + 2.0 * s * f
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def sweep_int(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    """One sweep (N attempted flips) on binary (+-1) patterns; returns (accepted, sum of dE)."""
    deg = gco.shape[0] - 1
    if deg == 1:
        return _sweep_int_deg1(xi, gco, pref, field, sig, ov, beta, rule, order, rng)
    if deg == 3:
        return _sweep_int_deg3(xi, gco, pref, field, sig, ov, beta, rule, order, rng)
    return _sweep_int_generic(xi, gco, pref, field, sig, ov, beta, rule, order, rng)


# ---- memoised acceptance (Hopfield, P = 2) ---------------------------------------------
# For P = 2 the energy change dE = pref * n + 2 s field_i takes few distinct values (n =
# 4K - 4 s sum_mu xi_i^mu M_mu moves in steps of 8), so the driver keeps, per temperature,
# a direct-mapped table ``acache[slot] = (dE, t)`` of the number t that the exact test
# compares u with (exp(-beta dE), resp. 1 + exp(beta dE)), slot = Fibonacci hash of n (and
# of the spin where the field is nonzero).  A hit needs the stored dE to equal the current
# one, so t is the value the exact test computes, bit for bit; a miss runs the pre-test and,
# where that is inconclusive, the exact test, and stores t.  Draws and decisions are those
# of ``accept``.  Measured per attempt (N = 1000, T = 0.5, table kept across sweeps): 7-18%
# below the pre-test alone at K = 4-100.  Not used for P >= 3: there dE rarely repeats
# (20% hits at P = 4, K = 10) and the lookups cost more than they save (+12%).
# A table is valid for one beta and one rule; ``new_acache`` makes empty ones.
ACACHE_BITS = 10
_SLOT_SHIFT = 64 - ACACHE_BITS
_SLOT_MASK = (1 << ACACHE_BITS) - 1
_FIB = -7046029254386353131     # 0x9E3779B97F4A7C15 (2^64 / golden ratio) as an int64


@njit(cache=CACHE)
def new_acache(L):
    """L empty acceptance tables, shape (L, 2^ACACHE_BITS, 2); NaN keys match no dE."""
    return np.full((L, 1 << ACACHE_BITS, 2), np.nan)


@njit(inline="always", cache=CACHE)
def _acache_slot(n, s, f):
    key = n + n + (1 if (f != 0.0 and s > 0) else 0)
    return ((key * _FIB) >> _SLOT_SHIFT) & _SLOT_MASK


# The table code is written out in the loop: moved into a helper taking ``acache`` and
# ``rng``, numba keeps reference-count updates of the arrays per attempt (measured 2-3x).
@njit(cache=CACHE)
def sweep_int_deg1_memo(xi, gco, pref, field, sig, ov, beta, rule, order, rng, acache):
    """:func:`sweep_int` for P = 2 (``gco`` of degree 1) with the acceptance table
    ``acache`` (2^ACACHE_BITS, 2) of this beta and rule, updated in place."""
    N = sig.shape[0]
    g0K = gco[0] * ov.shape[0]
    g1 = gco[1]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        f = field[i]
        n = _dsum_deg1(xi[i], g0K, g1, ov, s)
        dE = pref * n + 2.0 * s * f
        if rule == 0:
            if dE <= 0.0:
                ok = True
            else:
                u = uniform(rng)
                h = _acache_slot(n, s, f)
                if acache[h, 0] == dE:
                    ok = u < acache[h, 1]
                elif _metro_rejects(u, beta * dE):
                    ok = False
                else:
                    th = math.exp(-beta * dE)
                    acache[h, 0] = dE
                    acache[h, 1] = th
                    ok = u < th
        else:
            x = beta * dE if dE != 0.0 else 0.0
            if x > 700.0:
                ok = False
            else:
                u = uniform(rng)
                h = _acache_slot(n, s, f)
                if acache[h, 0] == dE:
                    ok = u * acache[h, 1] < 1.0
                else:
                    c = _hb_sure(u, x)
                    if c != 2:
                        ok = c == 1
                    else:
                        th = 1.0 + math.exp(x)
                        acache[h, 0] = dE
                        acache[h, 1] = th
                        ok = u * th < 1.0
        if ok:
            sig[i] = -s
            _update_overlaps(xi[i], ov, 2 * s)
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def energy_int(fco, pref, field, sig, ov, zero_field=False):
    """Total energy from the integer overlaps (F evaluated in float64).

    ``zero_field``: the caller knows field == 0 everywhere (see :func:`_field_term`)."""
    K = ov.shape[0]
    deg = fco.shape[0] - 1
    tot = 0.0
    for mu in range(K):
        x = float(ov[mu])
        acc = fco[deg]
        for k in range(deg - 1, -1, -1):
            acc = acc * x + fco[k]
        tot += acc
    return _field_term(pref * tot, field, sig, zero_field)


@njit(inline="always", cache=CACHE)
def _field_term(e, field, sig, zero_field):
    """e - sum_i field_i sig_i, accumulated in order.  With a zero field every step is
    e - (+-0.0), which leaves e unchanged unless e is a zero (whose sign it can flip), so
    the loop (a serial chain of N float subtractions) is skipped for e != 0: same value."""
    if zero_field and e != 0.0:
        return e
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
def energy_real(w, P, variant, pref, field, sig, ps, zero_field=False):
    fact = 1.0
    for k in range(2, P + 1):
        fact *= k
    tot = 0.0
    ework = np.zeros(P + 1)
    for mu in range(ps.shape[0]):
        tot += w[mu] * _esym(ps[mu], P, variant, fact, ework)
    return _field_term(pref * tot, field, sig, zero_field)
