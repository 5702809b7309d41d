"""The matrix work of one AMP / naive-mean-field iteration in a single pass over A (Numba).

A is (N, P) row-major (feature-major: row i holds the P label-folded patterns of weight i;
the couplings are F = A/sqrt(N), the 1/sqrt(N) is applied to the vectors so A is never
copied). One iteration needs B = scale * A g + Lam * m, the new magnetisations
m' = (1 - d) m + d tanh(B) and the next pattern means s' = out_scale * A^T m'. Since m'_i depends only on row i, both products
are done row by row in one pass: the row is read once from memory (it stays in L1/L2
between the dot product and the update of s'), so an iteration costs about one
matrix-vector product instead of a pair. Single-threaded and deterministic (the BLAS
thread pool is not involved).
"""
import math

from numba import njit

from ._kernel_cache import CACHE


@njit(cache=CACHE, nogil=True, boundscheck=False, fastmath=False)
def amp_pass(F, g, scale, lam, m, damping, out_scale, s_out, B_out):
    """Update m in place; write s_out = out_scale * F^T m (new m) and B_out; return
    max abs(tanh(B) - m_old)."""
    N, P = F.shape
    for mu in range(P):
        s_out[mu] = 0.0
    res = 0.0
    for i in range(N):
        row = F[i]
        acc = 0.0
        for mu in range(P):
            acc += row[mu] * g[mu]
        b = scale * acc + lam[i] * m[i]
        B_out[i] = b
        t = math.tanh(b)
        r = abs(t - m[i])
        if r > res or r != r:
            res = r
        mi = t if damping == 1.0 else (1.0 - damping) * m[i] + damping * t
        m[i] = mi
        for mu in range(P):
            s_out[mu] += row[mu] * mi
    for mu in range(P):
        s_out[mu] *= out_scale
    return res


@njit(cache=CACHE, nogil=True, boundscheck=False)
def project(F, m, out_scale, s_out):
    """s_out = out_scale * F^T m (row-major F, one pass)."""
    N, P = F.shape
    for mu in range(P):
        s_out[mu] = 0.0
    for i in range(N):
        row = F[i]
        mi = m[i]
        for mu in range(P):
            s_out[mu] += row[mu] * mi
    for mu in range(P):
        s_out[mu] *= out_scale
