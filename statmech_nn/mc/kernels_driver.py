"""Numba driver: sweeps, measurements and parallel-tempering swaps for one chain group.

A *chain group* is R replica sets (R = 1, or 2 for the overlap q) of L copies each (L
temperatures; L = 1 without tempering), all with the same disorder.  ``slot[r, l]`` is the
copy (row of ``sig``) currently at inverse temperature ``betas[l]`` in replica set r.
``kind`` selects the representation: 0 binary Mattis overlaps, 1 real power sums,
2 coupling matrix with local fields.  Arrays not used by a kind are 1-element dummies.
One call runs ``n_sweeps`` sweeps of every copy, records per-sweep observables and
returns nothing (all outputs are written into the arrays passed in).
"""
import math

import numpy as np
from numba import njit

from ._kernel_cache import CACHE

from .kernels_coupling import energy_coupling, sweep_coupling
from .kernels_hebb import (energy_int, energy_real, new_acache, sweep_int,
                           sweep_int_deg1_memo, sweep_real)
from .kernels_rng import uniform


@njit(cache=CACHE)
def copy_energy(kind, c, fco, w, P, variant, pref, scale, field, sig, ov, ps, hl,
                zero_field=False):
    if kind == 0:
        return energy_int(fco, pref, field, sig[c], ov[c], zero_field)
    elif kind == 1:
        return energy_real(w, P, variant, pref, field, sig[c], ps[c], zero_field)
    return energy_coupling(scale, field, sig[c], hl[c])


@njit(cache=CACHE, nogil=True)
def run_group(kind, xi, gco, fco, xp, w, P, variant, pref, J, scale, field, trk,
              sig, ov, ps, hl, betas, slot, rule, order, n_sweeps, t0, rng, do_swap,
              ebook, last_end, E_out, m_out, mag_out, q_out, acc, swap_acc, swap_att, rt):
    R = slot.shape[0]
    L = slot.shape[1]
    C = sig.shape[0]
    N = sig.shape[1]
    T = trk.shape[1]
    ecur = ebook.copy()
    uniform_field = True
    zero_field = True
    for i in range(N):
        uniform_field = uniform_field and field[i] == field[0]
        zero_field = zero_field and field[i] == 0.0
    # P = 2 binary kernel with a uniform field: acceptance tables, one per temperature,
    # kept across the sweeps of this call (see kernels_hebb.sweep_int_deg1_memo)
    memo = kind == 0 and gco.shape[0] == 2 and uniform_field
    acache = new_acache(L if memo else 0)
    # Per-sweep measurements: with +-1 spins and integer tracked patterns every partial sum
    # of the float loops is an exact integer, so integer sums (vectorised; the float loops
    # are serial add chains, ~1.5 us per sweep each at N = 1000) give the same values.
    trk_int = True
    trk8 = np.zeros((T, N), np.int8)
    for k in range(T):
        for i in range(N):
            v = trk[i, k]
            if v == math.floor(v) and abs(v) <= 127.0:
                trk8[k, i] = int(v)
            else:
                trk_int = False
    for c in range(C):
        ecur[c] = copy_energy(kind, c, fco, w, P, variant, pref, scale, field, sig, ov, ps, hl,
                              zero_field)
    for t in range(n_sweeps):
        for r in range(R):
            for l in range(L):
                c = slot[r, l]
                b = betas[l]
                if memo:
                    na, de = sweep_int_deg1_memo(xi, gco, pref, field, sig[c], ov[c], b, rule,
                                                 order, rng, acache[l])
                elif kind == 0:
                    na, de = sweep_int(xi, gco, pref, field, sig[c], ov[c], b, rule, order, rng)
                elif kind == 1:
                    na, de = sweep_real(xp, w, P, variant, pref, field, sig[c], ps[c], b, rule,
                                        order, rng)
                else:
                    na, de = sweep_coupling(J, scale, field, sig[c], hl[c], b, rule, order, rng)
                acc[r, l] += na
                ebook[c] += de
                ecur[c] = copy_energy(kind, c, fco, w, P, variant, pref, scale, field, sig, ov,
                                      ps, hl, zero_field)
        # parallel-tempering swaps between neighbouring temperatures (alternating pairs)
        if do_swap and L > 1:
            start = (t0 + t) % 2
            for r in range(R):
                for l in range(start, L - 1, 2):
                    a = slot[r, l]
                    bb = slot[r, l + 1]
                    x = (betas[l] - betas[l + 1]) * (ecur[a] - ecur[bb])
                    swap_att[r, l] += 1
                    if x >= 0.0 or uniform(rng) < math.exp(x):
                        slot[r, l] = bb
                        slot[r, l + 1] = a
                        swap_acc[r, l] += 1
                # round trips: hot end (l = 0) -> cold end (l = L-1) -> hot end
                c0 = slot[r, 0]
                if last_end[c0] == 1:
                    rt[r] += 1
                last_end[c0] = 0
                c1 = slot[r, L - 1]
                if last_end[c1] == 0:
                    last_end[c1] = 1
        # measurements
        for r in range(R):
            for l in range(L):
                c = slot[r, l]
                E_out[t, r, l] = ecur[c] / N
                isum = 0
                for i in range(N):
                    isum += sig[c, i]
                mag_out[t, r, l] = float(isum) / N
                for k in range(T):
                    if trk_int:
                        isum = 0
                        for i in range(N):
                            isum += trk8[k, i] * sig[c, i]
                        m_out[t, r, l, k] = float(isum) / N
                    else:
                        ms = 0.0
                        for i in range(N):
                            ms += trk[i, k] * sig[c, i]
                        m_out[t, r, l, k] = ms / N
        if R >= 2:
            for l in range(L):
                a = slot[0, l]
                bb = slot[1, l]
                qs = 0
                for i in range(N):
                    qs += sig[a, i] * sig[bb, i]
                q_out[t, l] = qs / N
