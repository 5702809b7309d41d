"""Exact Gibbs averages and distributions of a binary perceptron (N <= 20) by enumeration.

All 2^N weight vectors are visited by a Gray-code walk (one flip, O(P), per state;
:func:`.kernels_perceptron.gray_enumerate`), giving the integer energy E(w) and the teacher
overlap M(w) = w.w*. With p(w) = e^{-beta E}/Z (T = 0: uniform on the ground states, the
version space when it is non-empty) this returns <E>/N, <R>, and the exact distributions
of E, of R = M/N and of the two-replica overlap q = w.w'/N (XOR convolution via a
Walsh-Hadamard transform, O(N 2^N)): the references of the chi-square tests.
"""
import math

import numpy as np

from ..core.errors import ParameterError, beta_from
from .enumeration import _wht
from .kernels_perceptron import gray_enumerate
from .perceptron_model import PerceptronModel

MAX_N = 20


def perceptron_exact(model, T=None, beta=None):
    """Exact averages and distributions of ``model`` at temperature T (T = 0 allowed)."""
    if not isinstance(model, PerceptronModel):
        raise ParameterError("model must be a PerceptronModel")
    N = model.N
    if N > MAX_N:
        raise ParameterError(f"exact enumeration needs N <= {MAX_N}, got N={N}")
    b = beta_from(T, beta)
    teacher = model.teacher if model.teacher is not None else np.zeros(N, np.int8)
    E, M = gray_enumerate(model.A, model.t, teacher.astype(np.int64))
    Ef = E.astype(np.float64)
    emin = Ef.min()
    w = (Ef == emin).astype(np.float64) if math.isinf(b) else np.exp(-b * (Ef - emin))
    Z = w.sum()
    p = w / Z
    # bit k set <-> w_k = +1, so popcount(s xor s') = number of differing weights
    pop = np.zeros(1 << N, np.int64)
    for k in range(N):
        pop += (np.arange(1 << N) >> k) & 1
    ptau = _wht(_wht(p) ** 2) / (1 << N)
    Pq = np.bincount(N - pop, weights=ptau, minlength=N + 1)      # index j = #agreeing weights
    qv = (2.0 * np.arange(N + 1) - N) / N
    PE = np.bincount(E, weights=p, minlength=model.P + 1)
    PR = np.bincount((M + N) // 2, weights=p, minlength=N + 1)    # index j: R = (2j - N)/N
    out = dict(N=N, P=model.P, beta=b, log_Z=float(math.log(Z) - (0.0 if math.isinf(b) else b * emin)),
               energy=float(p @ Ef) / N, E_values=np.arange(model.P + 1), P_E=PE,
               q_values=qv, P_q=Pq, q2=float(Pq @ qv ** 2), abs_q=float(Pq @ np.abs(qv)),
               ground_state_energy=int(emin), p=p)
    if model.teacher is not None:
        out.update(R=float(p @ M) / N, R_values=qv.copy(), P_R=PR,
                   generalization_error=float(PR @ (np.arccos(qv) / np.pi)))
    return out
