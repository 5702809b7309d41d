"""Exact enumeration for small systems (N <= 20) and the exact finite-N Curie-Weiss sum.

:func:`enumerate_exact` visits all 2^N states of any :class:`~.models.MCModel` and returns
log Z, energy, free energy, site magnetisations <s_i>, and the exact distributions of the
Mattis overlap with the first pattern (or the magnetisation), of the energy, and of the
two-replica overlap q.  P(q) uses the XOR-convolution identity
P(tau) = sum_s p(s) p(s xor tau), computed with a Walsh-Hadamard transform in O(N 2^N).
"""
import math

import numpy as np

from ..core.errors import ParameterError, beta_from, check_int
from .models import esym_poly_binary

MAX_N = 20


def all_states(N):
    """(2^N, N) int8 array of all spin configurations (bit k of the index -> spin k)."""
    idx = np.arange(2 ** N, dtype=np.int64)
    bits = (idx[:, None] >> np.arange(N, dtype=np.int64)) & 1
    return (1 - 2 * bits).astype(np.int8)


def _wht(a):
    """Unnormalised Walsh-Hadamard transform (length 2^N), in place on a copy."""
    a = a.copy()
    h = 1
    n = a.shape[0]
    while h < n:
        a = a.reshape(-1, 2, h)
        x = a[:, 0, :].copy()
        y = a[:, 1, :]
        a[:, 0, :] = x + y
        a[:, 1, :] = x - y
        a = a.reshape(n)
        h *= 2
    return a


def enumerate_exact(model, T=None, beta=None, chunk=2 ** 16):
    """Exact Boltzmann averages of ``model`` (N <= 20) at temperature T (> 0)."""
    N = model.N
    if N > MAX_N:
        raise ParameterError(f"exact enumeration needs N <= {MAX_N}, got N={N}")
    b = beta_from(T, beta)
    if math.isinf(b):
        raise ParameterError("exact enumeration needs T > 0")
    n = 2 ** N
    S = all_states(N)       # the only bit extraction: E, P(q) popcounts and m all use S
    E = np.empty(n)
    for s0 in range(0, n, chunk):       # chunked: model.energy works in float64
        E[s0:s0 + chunk] = model.energy(S[s0:s0 + chunk])
    lw = -b * E
    lmax = lw.max()
    w = np.exp(lw - lmax)
    Z = w.sum()
    p = w / Z
    logZ = float(np.log(Z) + lmax)
    energy = float(p @ E)
    track = model.patterns[:, 0].astype(np.float64) if model.patterns is not None else np.ones(N)
    mvals = (S @ track) / N
    ssum = S.sum(1, dtype=np.int64)
    mag = ssum / N
    # P(q): q = 1 - 2 popcount(tau)/N, popcount(tau) = (N - sum_k s_k(tau)) / 2
    pq_tau = _wht(_wht(p) ** 2) / n
    pop = (N - ssum) // 2
    qv = 1.0 - 2.0 * np.arange(N + 1) / N
    Pq = np.bincount(pop, weights=pq_tau, minlength=N + 1)
    order = np.argsort(qv)
    return dict(
        N=N, T=1.0 / b, beta=b, logZ=logZ, free_energy=float(-logZ / (b * N)),
        energy=energy / N, energy2=float(p @ (E * E)) / N ** 2,
        m=float(p @ mvals), abs_m=float(p @ np.abs(mvals)), m2=float(p @ mvals ** 2),
        mag=float(p @ mag), abs_mag=float(p @ np.abs(mag)),
        site_mag=(p @ S.astype(np.float64)),
        q2=float(Pq @ qv ** 2), abs_q=float(Pq @ np.abs(qv)),
        q_values=qv[order], P_q=Pq[order],
        p=p, E=E, m_values=mvals, mag_values=mag,
    )


def distribution(values, p, support=None):
    """Exact distribution of a discrete observable: (support, probabilities)."""
    v = np.round(np.asarray(values, dtype=np.float64), 12)
    sup = np.unique(v) if support is None else np.asarray(support)
    idx = np.searchsorted(sup, v)
    return sup, np.bincount(idx, weights=p, minlength=len(sup))


def curie_weiss_exact(N, P=2, T=None, beta=None, variant="distinct"):
    """Exact finite-N averages of the P-spin Curie-Weiss magnet (binomial sum over M).

    H = -N^(1-P) e_P(s) (distinct) or -(N^(1-P)/P!) M^P (all-tuples), M = sum_i s_i.
    Returns logZ, energy and free energy per spin, ``<|m|>``, <m^2>, and P(m) on m = M/N.
    """
    N = check_int("N", N, lo=2)
    P = check_int("P", P, lo=2)
    b = beta_from(T, beta)
    M = np.arange(-N, N + 1, 2)
    if variant == "distinct":
        c = esym_poly_binary(P, N)
    else:
        c = [0] * P + [1]
    F = sum(float(ck) * M.astype(np.float64) ** k for k, ck in enumerate(c))
    E = -float(N) ** (1 - P) * F / math.factorial(P)
    k = (N - M) // 2
    logC = np.array([math.lgamma(N + 1) - math.lgamma(x + 1) - math.lgamma(N - x + 1) for x in k])
    lw = logC - b * E
    lmax = lw.max()
    w = np.exp(lw - lmax)
    Z = w.sum()
    p = w / Z
    m = M / N
    logZ = float(np.log(Z) + lmax)
    return dict(N=N, P=P, beta=b, logZ=logZ, free_energy=-logZ / (b * N), energy=float(p @ E) / N,
                abs_m=float(p @ np.abs(m)), m2=float(p @ m ** 2), m4=float(p @ m ** 4),
                m_values=m, P_m=p, E_values=E)
