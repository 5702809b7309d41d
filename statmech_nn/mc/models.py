"""Model definitions for the Monte Carlo engine (immutable; no sampler state here).

Every model is an :class:`MCModel`: N Ising spins, a Hamiltonian stated exactly, and the
arrays a kernel needs.  Conventions (identical to the theory modules):

* ``hopfield``: H = -(1/2N) sum_{i != j} sum_mu xi_i xi_j s_i s_j
  = -(N/2) sum_mu (m_mu^2 - 1/N); load alpha = K/N.
* ``dense-hebbian`` (even P >= 4): H = -N^(1-P) sum_mu sum_{i1<...<iP} prod xi s
  (distinct indices; = -N^(1-P) sum_mu e_P(x^mu), x_i = xi_i s_i), K = alpha N^(P-1).
  ``variant='all-tuples'``: H = -(N^(1-P)/P!) sum_mu (sum_i xi_i s_i)^P = -(N/P!) sum m^P
  (includes the repeated-index terms; different physics at K ~ N^(P-1)).
* ``sk``: H = -sum_{i<j} J_ij s_i s_j, J_ij ~ N(0, 1/N).
* ``curie-weiss``: the dense model with K = 1 and the pattern (1, ..., 1): a P-spin
  ferromagnet H = -N^(1-P) sum_{i1<...<iP} s...s (P = 2: the usual Curie-Weiss magnet,
  -(N/2)(m^2 - 1/N)).
* :func:`weighted_patterns`: any real patterns xi[i, mu] (site-major) with weights w_mu,
  H = -N^(1-P) sum_mu w_mu e_P(x^mu) (or the all-tuples form).

Every model may carry an external field: H -> H - sum_i h_i s_i.
"""
import math
from dataclasses import dataclass, field as dc_field
from fractions import Fraction

import numpy as np

from ..core.errors import ParameterError, check_choice, check_int, check_range

MAX_BYTES = 2 * 1024 ** 3      # refuse pattern/coupling arrays larger than this
VARIANTS = ("distinct", "all-tuples")


# ---------------------------------------------------------------------------------------
# polynomials for binary patterns: P! e_P as an exact integer polynomial in the overlap M
# ---------------------------------------------------------------------------------------
def _padd(a, b):
    n = max(len(a), len(b))
    return [(a[k] if k < len(a) else 0) + (b[k] if k < len(b) else 0) for k in range(n)]


def _pmul(a, b):
    out = [Fraction(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def esym_poly_binary(P, N):
    """Integer coefficients c_k (ascending) with P! e_P(x) = sum_k c_k M^k for x in {-1,1}^N,
    M = sum_i x_i (Newton: p_odd = M, p_even = N)."""
    p = {k: ([Fraction(0), Fraction(1)] if k % 2 else [Fraction(N)]) for k in range(1, P + 1)}
    e = [[Fraction(1)]]
    for k in range(1, P + 1):
        acc = [Fraction(0)]
        for j in range(1, k + 1):
            term = _pmul(e[k - j], p[j])
            acc = _padd(acc, [(-1) ** (j - 1) * t for t in term])
        e.append([t / k for t in acc])
    c = [t * math.factorial(P) for t in e[P]]
    assert all(t.denominator == 1 for t in c)
    return [int(t) for t in c]


def flip_poly(fco):
    """Coefficients of G(u) = F(u - 2) - F(u) (degree len(fco) - 2)."""
    deg = len(fco) - 1
    g = [0] * (deg + 1)
    for k, ck in enumerate(fco):           # ck [(u-2)^k - u^k]
        for j in range(k):
            g[j] += ck * math.comb(k, j) * (-2) ** (k - j)
    return g[:deg] if deg > 0 else [0]


def _poly_abs_bound(coef, x):
    return sum(abs(c) * x ** k for k, c in enumerate(coef))


# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MCModel:
    """An Ising Hamiltonian in the form the kernels use.

    ``form`` is 'hebbian' (patterns, P, variant, weights) or 'coupling' (J, scale).
    ``binary`` hebbian models keep integer overlaps.  ``track`` (N, T) float64 are the
    patterns whose Mattis overlaps are recorded (the first patterns; for SK the
    magnetisation only).
    """
    name: str
    N: int
    form: str
    P: int = 2
    variant: str = "distinct"
    patterns: np.ndarray | None = None     # (N, K) int8 (binary) or float64
    weights: np.ndarray | None = None      # (K,) float64
    binary: bool = True
    J: np.ndarray | None = None            # (N, N) float64, zero diagonal
    scale: float = 1.0
    field: np.ndarray = dc_field(default=None)
    params: dict = dc_field(default_factory=dict)
    convention: str = ""
    track_patterns: np.ndarray | None = None   # (N, T) overlaps to record (default: pattern 1)

    @property
    def K(self):
        return 0 if self.patterns is None else self.patterns.shape[1]

    # ---- numpy energies (reference implementations, vectorised over states) ----------
    def energy(self, sigma):
        """Total energy of state(s) ``sigma`` (..., N) from the definition (NumPy)."""
        s = np.asarray(sigma, dtype=np.float64)
        f = self.field if self.field is not None else np.zeros(self.N)
        e = -(s @ f)
        if self.form == "coupling":
            return e - 0.5 * self.scale * np.einsum("...i,ij,...j->...", s, self.J, s)
        xi = self.patterns.astype(np.float64)
        w = self.weights
        pref = -float(self.N) ** (1 - self.P)
        if self.variant == "all-tuples":
            M = s @ xi
            return e + pref / math.factorial(self.P) * ((M ** self.P) @ w)
        # power sums p_k = sum_i (xi_i s_i)^k, Newton -> e_P
        p = [None] + [s @ (xi ** k) if k % 2 else np.broadcast_to((xi ** k).sum(0), s.shape[:-1] + (xi.shape[1],))
                      for k in range(1, self.P + 1)]
        ek = [np.ones_like(p[1])]
        for k in range(1, self.P + 1):
            acc = 0.0
            for j in range(1, k + 1):
                acc = acc + (-1) ** (j - 1) * ek[k - j] * p[j]
            ek.append(acc / k)
        return e + pref * (ek[self.P] @ w)

    def energy_bruteforce(self, sigma):
        """Energy from the explicit index sum (tiny N only; for tests)."""
        import itertools
        s = np.asarray(sigma, dtype=np.float64)
        f = self.field if self.field is not None else np.zeros(self.N)
        e = -float(s @ f)
        if self.form == "coupling":
            return e - self.scale * sum(self.J[i, j] * s[i] * s[j]
                                        for i in range(self.N) for j in range(i + 1, self.N))
        pref = -float(self.N) ** (1 - self.P)
        tot = 0.0
        for mu in range(self.K):
            x = self.patterns[:, mu].astype(float) * s
            if self.variant == "all-tuples":
                t = sum(np.prod(x[list(ix)]) for ix in itertools.product(range(self.N), repeat=self.P))
                t /= math.factorial(self.P)
            else:
                t = sum(np.prod(x[list(ix)]) for ix in itertools.combinations(range(self.N), self.P))
            tot += self.weights[mu] * t
        return e + pref * tot

    @property
    def track(self):
        if self.track_patterns is not None:
            return np.ascontiguousarray(self.track_patterns, dtype=np.float64)
        if self.patterns is None:
            return np.zeros((self.N, 0))
        return np.ascontiguousarray(self.patterns[:, :1], dtype=np.float64)

    # ---- what the kernels need --------------------------------------------------------
    def int_coefficients(self):
        """(fco, gco, pref) for the binary kernel, or None if int64 could overflow or the
        weights are not uniform."""
        if self.form != "hebbian" or not self.binary:
            return None
        w = self.weights
        if not np.all(w == w[0]):
            return None
        P, N = self.P, self.N
        fco = [0] * P + [1] if self.variant == "all-tuples" else esym_poly_binary(P, N)
        gco = flip_poly(fco)
        if _poly_abs_bound(gco, N + 2) * max(self.K, 1) >= 2 ** 62:
            return None
        pref = -float(N) ** (1 - P) * float(w[0]) / math.factorial(P)
        return (np.array(fco, dtype=np.float64), np.array(gco, dtype=np.int64), pref)


def _field(N, field):
    if field is None:
        return np.zeros(N)
    f = np.asarray(field, dtype=np.float64)
    if f.ndim == 0:
        f = np.full(N, float(f))
    if f.shape != (N,) or not np.all(np.isfinite(f)):
        raise ParameterError(f"field must be a finite number or an array of length N={N}")
    return f


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def _binary_patterns(patterns, N=None, name="patterns"):
    xi = np.asarray(patterns)
    if xi.ndim == 1:
        xi = xi[:, None]
    if xi.ndim != 2 or xi.size == 0:
        raise ParameterError(f"{name} must be a non-empty (N, K) array (site-major)")
    if not np.all(np.isin(xi, (-1, 1))):
        raise ParameterError(f"{name} must have entries +1/-1 for a binary model "
                             "(use mc.weighted_patterns for real-valued patterns)")
    if N is not None and xi.shape[0] != N:
        raise ParameterError(f"{name} must have N={N} rows (site-major (N, K)), got {xi.shape[0]}")
    return np.ascontiguousarray(xi, dtype=np.int8)


def _check_size(N, K, bytes_per=1, what="patterns"):
    if N * K * bytes_per > MAX_BYTES:
        raise ParameterError(f"N={N}, K={K}: the {what} need {N * K * bytes_per / 1e9:.1f} GB; "
                             f"the limit is {MAX_BYTES / 1e9:.1f} GB")


def _load_to_K(N, P, K, alpha):
    if (K is None) == (alpha is None):
        raise ParameterError("give exactly one of K (number of patterns) or alpha (load)")
    if K is not None:
        return check_int("K", K, lo=1)
    a = check_range("alpha", alpha, lo=0.0, lo_open=True, allowed="(0, inf)")
    K = int(round(a * float(N) ** (P - 1)))
    if K < 1:
        raise ParameterError(f"N={N} is too small for alpha={alpha}: K = round(alpha N^{P - 1}) "
                             f"= {K}; increase N or alpha (K >= 1 needed)")
    return K


def hopfield(N, K=None, alpha=None, seed=0, patterns=None, field=None):
    """Pairwise Hopfield network with K Rademacher patterns (or the ones given)."""
    N = check_int("N", N, lo=2)
    if patterns is not None:
        xi = _binary_patterns(patterns, N)
    else:
        K = _load_to_K(N, 2, K, alpha)
        _check_size(N, K)
        xi = _rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(N, K))
    K = xi.shape[1]
    return MCModel("hopfield", N, "hebbian", P=2, patterns=xi, weights=np.ones(K),
                   field=_field(N, field), params=dict(N=N, K=K, alpha=K / N),
                   convention="H = -(1/2N) sum_{i!=j} sum_mu xi_i xi_j s_i s_j; alpha = K/N")


def dense_hebbian(N, P=4, K=None, alpha=None, seed=0, variant="distinct", patterns=None,
                  field=None):
    """Dense P-body Hebbian network (even P >= 4 for the theory; any P >= 2 accepted here)."""
    N = check_int("N", N, lo=2)
    P = check_int("P", P, lo=2)
    variant = check_choice("variant", variant, VARIANTS)
    if variant == "distinct" and N < P:
        raise ParameterError(f"N={N} is too small for P={P} (distinct indices need N >= P)")
    if patterns is not None:
        xi = _binary_patterns(patterns, N)
    else:
        K = _load_to_K(N, P, K, alpha)
        _check_size(N, K)
        xi = _rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(N, K))
    K = xi.shape[1]
    conv = ("H = -N^(1-P) sum_mu sum_{i1<..<iP} prod xi s" if variant == "distinct" else
            "H = -(N^(1-P)/P!) sum_mu (sum_i xi_i s_i)^P (all index tuples)")
    return MCModel("dense-hebbian", N, "hebbian", P=P, variant=variant, patterns=xi,
                   weights=np.ones(K), field=_field(N, field),
                   params=dict(N=N, K=K, P=P, alpha=K / float(N) ** (P - 1), variant=variant),
                   convention=conv + "; K = alpha N^(P-1)")


def curie_weiss(N, P=2, variant="distinct", field=None):
    """P-spin Curie-Weiss ferromagnet = dense model with K = 1 and pattern (1, ..., 1)."""
    N = check_int("N", N, lo=2)
    m = dense_hebbian(N, P=P, variant=variant, patterns=np.ones((N, 1), dtype=np.int8), field=field)
    return MCModel("curie-weiss", N, "hebbian", P=m.P, variant=variant, patterns=m.patterns,
                   weights=m.weights, field=m.field, params=dict(N=N, P=m.P, variant=variant),
                   convention=m.convention.replace("sum_mu ", "").replace("; K = alpha N^(P-1)", "")
                   + " with xi = 1 (P-spin ferromagnet)")


def sk(N, seed=0, J=None, field=None):
    """Sherrington-Kirkpatrick model, J_ij ~ N(0, 1/N) symmetric, zero diagonal."""
    N = check_int("N", N, lo=2)
    _check_size(N, N, 8, "couplings")
    if J is None:
        g = _rng(seed).standard_normal((N, N)) / math.sqrt(N)
        J = np.triu(g, 1)
        J = J + J.T
    else:
        J = np.array(J, dtype=np.float64)
        if J.shape != (N, N) or not np.allclose(J, J.T) or not np.all(np.isfinite(J)):
            raise ParameterError("J must be a finite symmetric (N, N) array")
        np.fill_diagonal(J, 0.0)
    return MCModel("sk", N, "coupling", J=np.ascontiguousarray(J), scale=1.0,
                   field=_field(N, field), params=dict(N=N),
                   convention="H = -sum_{i<j} J_ij s_i s_j, J_ij ~ N(0, 1/N)")


def weighted_patterns(patterns, P, weights=None, variant="distinct", field=None, name="patterns",
                      track=None):
    """Hebbian model from arbitrary (real or binary) site-major patterns and weights.

    H = -N^(1-P) sum_mu w_mu e_P(x^mu), x_i = xi_i^mu s_i (distinct indices), or
    H = -(N^(1-P)/P!) sum_mu w_mu (sum_i xi_i^mu s_i)^P with ``variant='all-tuples'``.
    ``patterns``: (N, K) array, site-major; ``weights``: (K,) (default 1).  Binary +-1
    patterns with uniform weights run on the exact integer kernel; anything else keeps the
    odd power sums sum_i xi_i^k s_i (k odd <= P) per pattern: O(K P^2) per attempted flip.
    ``track``: optional (N, T) array (e.g. archetypes that are not in H) whose overlaps
    (1/N) sum_i t_i s_i are recorded every sweep; default: the first pattern.
    """
    xi = np.asarray(patterns, dtype=np.float64)
    if xi.ndim == 1:
        xi = xi[:, None]
    if xi.ndim != 2 or xi.size == 0 or not np.all(np.isfinite(xi)):
        raise ParameterError("patterns must be a finite non-empty (N, K) array (site-major)")
    N, K = xi.shape
    P = check_int("P", P, lo=1, hi=16)
    variant = check_choice("variant", variant, VARIANTS)
    if variant == "distinct" and N < P:
        raise ParameterError(f"N={N} is too small for P={P} (distinct indices need N >= P)")
    w = np.ones(K) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape != (K,) or not np.all(np.isfinite(w)):
        raise ParameterError(f"weights must be a finite array of length K={K}")
    binary = bool(np.all(np.isin(xi, (-1.0, 1.0))))
    _check_size(N, K, 8 * ((P + 1) // 2) if not binary else 1)
    xi = np.ascontiguousarray(xi.astype(np.int8) if binary else xi)
    if track is not None:
        track = np.asarray(track, dtype=np.float64)
        track = track[:, None] if track.ndim == 1 else track
        if track.ndim != 2 or track.shape[0] != N or track.shape[1] < 1:
            raise ParameterError(f"track must be an (N, T) array with N={N} rows")
    return MCModel(name, N, "hebbian", P=P, variant=variant, patterns=xi, weights=w,
                   binary=binary, field=_field(N, field), track_patterns=track,
                   params=dict(N=N, K=K, P=P, variant=variant),
                   convention="H = -N^(1-P) sum_mu w_mu "
                   + ("e_P(xi^mu * s)" if variant == "distinct" else "(xi^mu . s)^P / P!"))


def make_model(name, N, K=None, alpha=None, P=None, seed=0, variant="distinct", field=None):
    """Model by name ('hopfield', 'dense-hebbian', 'sk', 'curie-weiss')."""
    if name == "hopfield":
        if P not in (None, 2):
            raise ParameterError("hopfield is the P = 2 model; use dense-hebbian for P >= 4")
        return hopfield(N, K=K, alpha=alpha, seed=seed, field=field)
    if name == "dense-hebbian":
        if P is not None:
            check_int("P", P, lo=4, even=True)     # the theory's model: even P >= 4
        return dense_hebbian(N, P=4 if P is None else P, K=K, alpha=alpha, seed=seed,
                             variant=variant, field=field)
    if name == "sk":
        if K is not None or alpha is not None:
            raise ParameterError("sk has no patterns: drop --K/--alpha")
        return sk(N, seed=seed, field=field)
    if name == "curie-weiss":
        if K not in (None, 1) or alpha is not None:
            raise ParameterError("curie-weiss has K = 1: drop --alpha/--K")
        return curie_weiss(N, P=2 if P is None else P, variant=variant, field=field)
    raise ParameterError(f"unknown MC model {name!r}; choose one of {', '.join(MODELS)}")


MODELS = ("hopfield", "dense-hebbian", "sk", "curie-weiss")
