"""Binary-perceptron Monte Carlo kernels (Numba; no Python objects inside).

Weights ``w`` in {-1, 1}^N (int8). Patterns are stored **feature-major and label-folded**:
``A[i, mu] = y_mu x_mu,i`` (float64, shape (N, P)), so the stabilities
``u_mu = y_mu sum_i x_mu,i w_i = sum_i A[i, mu] w_i`` (float64, shape (P,)) are kept up to
date and a flip of w_i reads one contiguous row ``A[i]``: O(P) per attempted flip.

Pattern mu is *violated* when ``u_mu < t_mu``; the per-pattern threshold ``t`` encodes the
energy (see :mod:`statmech_nn.mc.perceptron_model`): ``errors`` (sign(h) != y with
sign(0) = +1: t = 0 for y = +1 and t = 5e-324, the smallest double, for y = -1, so that
u = 0 counts as an error exactly) or ``stability`` (t = kappa sqrt(N)). The energy is the
integer number of violated patterns, so energy differences are exact integers.

Acceptance: a table ``pacc[dE + P]`` (one row per temperature) of acceptance
probabilities, built in Python (Metropolis min(1, e^{-beta dE}), heat bath
1/(1 + e^{beta dE}), beta = inf included); a uniform is drawn only when 0 < p < 1.
RNG: explicit xoshiro256** state (uint64[4], :mod:`.kernels_rng`).
"""
import numpy as np
from numba import njit

from ._kernel_cache import CACHE
from .kernels_rng import randint, uniform


@njit(cache=CACHE)
def perceptron_energy(h, y, mode, thr):
    """Violated patterns from raw fields h = X w and labels (the (P, N) reference layout):
    mode 0 errors (sign(h) != y, sign(0) = +1), mode 1 stability (y h < thr)."""
    e = 0.0
    for mu in range(h.shape[0]):
        if mode == 0:
            pred = 1.0 if h[mu] >= 0.0 else -1.0
            e += 1.0 if pred != y[mu] else 0.0
        else:
            e += 1.0 if y[mu] * h[mu] < thr else 0.0
    return e


@njit(cache=CACHE)
def enumerate_energies(X, y, mode, thr):
    """Energies of all 2^N weight vectors of the (P, N) layout (bit k set -> w_k = +1)."""
    P, N = X.shape
    n = 1 << N
    E = np.empty(n)
    h = np.empty(P)
    for s in range(n):
        for mu in range(P):
            acc = 0.0
            for k in range(N):
                acc += X[mu, k] if (s >> k) & 1 else -X[mu, k]
            h[mu] = acc
        E[s] = perceptron_energy(h, y, mode, thr)
    return E


@njit(cache=CACHE, nogil=True)
def violated(u, t):
    """Number of patterns with u_mu < t_mu."""
    e = 0
    for mu in range(u.shape[0]):
        if u[mu] < t[mu]:
            e += 1
    return e


@njit(cache=CACHE, nogil=True, boundscheck=False)
def flip_delta(A, u, t, i, wi):
    """Energy change (integer) if w_i = wi flips: u_mu -> u_mu - 2 wi A[i, mu]."""
    c = 2.0 * wi
    d = 0
    row = A[i]
    for mu in range(u.shape[0]):
        tm = t[mu]
        un = u[mu] - c * row[mu]
        d += (1 if un < tm else 0) - (1 if u[mu] < tm else 0)
    return d


@njit(cache=CACHE, nogil=True, boundscheck=False)
def sweep(A, t, w, u, pacc, order, rng):
    """One sweep of N single-weight attempts (order 0: sequential, 1: random sites).
    Mutates w, u, rng; returns (accepted flips, energy change)."""
    N, P = A.shape
    nacc = 0
    de = 0
    for k in range(N):
        i = k if order == 0 else randint(rng, N)
        wi = w[i]
        d = flip_delta(A, u, t, i, wi)
        p = pacc[d + P]
        if p >= 1.0:
            ok = True
        elif p <= 0.0:
            ok = False
        else:
            ok = uniform(rng) < p
        if ok:
            c = 2.0 * wi
            row = A[i]
            for mu in range(P):
                u[mu] -= c * row[mu]
            w[i] = -wi
            nacc += 1
            de += d
    return nacc, de


@njit(cache=CACHE, nogil=True)
def run_group(A, t, teacher, has_teacher, w, u, E, pacc, betas, slot, order, n_sweeps, t0,
              rng, do_swap, E_out, R_out, q_out, acc, swap_acc, swap_att, rt, last_end):
    """``n_sweeps`` sweeps of one chain group: R replica sets x L temperatures.

    ``slot[r, l]`` is the copy (row of w, u, E) at inverse temperature ``betas[l]`` in
    replica set r; neighbouring temperatures swap configurations after every sweep
    (even/odd pairs alternating) with probability min(1, e^{(b_l - b_{l+1})(E_a - E_b)}).
    Per sweep it records the energy (violated patterns / N), the teacher overlap
    R = w.w*/N and, with R = 2 replica sets, q = w^1.w^2/N."""
    R = slot.shape[0]
    L = slot.shape[1]
    N = w.shape[1]
    for s in range(n_sweeps):
        for r in range(R):
            for l in range(L):
                c = slot[r, l]
                na, de = sweep(A, t, w[c], u[c], pacc[l], order, rng)
                acc[r, l] += na
                E[c] += de
        if do_swap and L > 1:
            start = (t0 + s) % 2
            for r in range(R):
                for l in range(start, L - 1, 2):
                    a = slot[r, l]
                    b = slot[r, l + 1]
                    x = (betas[l] - betas[l + 1]) * float(E[a] - E[b])
                    swap_att[r, l] += 1
                    if x >= 0.0 or uniform(rng) < np.exp(x):
                        slot[r, l] = b
                        slot[r, l + 1] = a
                        swap_acc[r, l] += 1
                c0 = slot[r, 0]            # round trips: hot end -> cold end -> hot end
                if last_end[c0] == 1:
                    rt[r] += 1
                last_end[c0] = 0
                c1 = slot[r, L - 1]
                if last_end[c1] == 0:
                    last_end[c1] = 1
        for r in range(R):
            for l in range(L):
                c = slot[r, l]
                E_out[s, r, l] = E[c] / N
                if has_teacher:
                    m = 0
                    for i in range(N):
                        m += teacher[i] * w[c, i]
                    R_out[s, r, l] = m / N
        if R >= 2:
            for l in range(L):
                a = slot[0, l]
                b = slot[1, l]
                m = 0
                for i in range(N):
                    m += w[a, i] * w[b, i]
                q_out[s, l] = m / N


@njit(cache=CACHE, nogil=True)
def gray_enumerate(A, t, teacher):
    """Energies and teacher overlaps M = w.w* of all 2^N weight vectors, by a Gray-code walk
    (one flip, O(P), per state). Index bit k set -> w_k = +1 (bit clear -> -1)."""
    N, P = A.shape
    n = 1 << N
    E = np.empty(n, np.int64)
    M = np.empty(n, np.int64)
    w = -np.ones(N, np.int64)
    u = np.zeros(P)
    for mu in range(P):
        for i in range(N):
            u[mu] -= A[i, mu]
    m = 0
    for i in range(N):
        m -= teacher[i]
    g = 0
    E[0] = violated(u, t)
    M[0] = m
    for k in range(1, n):
        j = 0
        while not (k >> j) & 1:       # the bit that changes in the Gray code at step k
            j += 1
        wj = w[j]
        for mu in range(P):
            u[mu] -= 2.0 * wj * A[j, mu]
        w[j] = -wj
        m -= 2 * wj * teacher[j]
        g ^= 1 << j
        E[g] = violated(u, t)
        M[g] = m
    return E, M
