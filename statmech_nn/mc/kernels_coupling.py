"""Numba kernels for pairwise models in coupling form with maintained local fields.

H = -scale * sum_{i<j} J_ij sigma_i sigma_j - sum_i field_i sigma_i, J symmetric with zero
diagonal.  ``hl[i] = sum_j J_ij sigma_j`` is kept up to date: an attempt costs O(1), an
accepted flip O(N) along the contiguous row J[i] (J is symmetric).  Used for SK (Gaussian J,
scale 1) and for Hopfield (integer Hebb couplings sum_mu xi_i xi_j, scale 1/N, so the local
fields stay exact integers in float64).
"""
from numba import njit

from ._kernel_cache import CACHE

from .kernels_hebb import accept
from .kernels_rng import uniform


@njit(cache=CACHE)
def sweep_coupling(J, scale, field, sig, hl, beta, rule, order, rng):
    N = sig.shape[0]
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        if order == 0:
            i = t
        else:
            i = int(uniform(rng) * N)
        s = sig[i]
        dE = 2.0 * s * (scale * hl[i] + field[i])
        if accept(dE, beta, rule, rng):
            sig[i] = -s
            two_s = 2.0 * s
            for j in range(N):
                hl[j] -= two_s * J[i, j]
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@njit(cache=CACHE)
def energy_coupling(scale, field, sig, hl):
    e = 0.0
    for i in range(sig.shape[0]):
        e -= (0.5 * scale * hl[i] + field[i]) * sig[i]
    return e
