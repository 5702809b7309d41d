"""Binary perceptrons as Monte Carlo models (immutable; no sampler state here).

Weights w in {-1, 1}^N, P = round(alpha N) patterns x_mu in R^N (Gaussian N(0, 1) entries,
the theory's inputs, or Rademacher +-1), labels y_mu = +-1. The Gibbs measure is
exp(-beta E(w)) with E the number of *violated* patterns:

* ``energy='errors'``: sign(w.x_mu) != y_mu, with sign(0) = +1 (the training errors);
* ``energy='stability'``: y_mu w.x_mu / sqrt(N) < kappa (margin violations; kappa = 0 counts
  y w.x < 0, so a zero field is never violated).

Models:

* ``perceptron-teacher`` (:func:`perceptron_teacher`): teacher w* uniform in {-1, 1}^N,
  y_mu = sign(w*.x_mu). T = 0 samples the version space (Bayes-optimal learning);
  T > 0 is the Gibbs measure with output noise e^{-beta} (not the teacher's channel, which
  is noiseless: see docs/perceptron.md, "AMP at T > 0").
* ``perceptron-storage`` (:func:`perceptron_storage`): random labels, ``stability`` energy
  with margin kappa (energy = number of patterns with stability below kappa).

The kernel layout (:mod:`.kernels_perceptron`): ``A[i, mu] = y_mu x_mu,i`` feature-major,
thresholds ``t`` per pattern. Data depend only on ``seed`` (``SeedSequence``).
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, check_choice, check_int, check_range

ENERGIES = ("errors", "stability")
INPUTS = ("gaussian", "rademacher")
#: memory budget for the stored patterns (bytes); larger requests are refused
MAX_BYTES = 2 * 1024 ** 3
TIE = float(np.nextafter(0.0, 1.0))      # u < TIE  <=>  u <= 0 for doubles


@dataclass(frozen=True, eq=False)
class PerceptronModel:
    """A binary perceptron Gibbs measure in kernel form.

    ``A`` (N, P) float64 label-folded patterns, ``t`` (P,) thresholds, ``teacher`` (N,)
    int8 or None (storage), ``X``/``y`` the raw (P, N) patterns and labels (kept for
    AMP and reference energies; ``X`` is a view of ``A``, no second copy)."""
    name: str
    N: int
    P: int
    A: np.ndarray
    t: np.ndarray
    y: np.ndarray
    teacher: np.ndarray | None
    energy_kind: str
    kappa: float
    inputs: str
    params: dict = field(default_factory=dict)
    convention: str = ""

    @property
    def alpha(self):
        return self.P / self.N

    @property
    def X(self):
        """Raw patterns (P, N): x_mu,i = y_mu A[i, mu] (a new array)."""
        return (self.A * self.y[None, :]).T

    def stabilities(self, w):
        """u_mu = y_mu w.x_mu for weight vector(s) w (..., N)."""
        return np.asarray(w, np.float64) @ self.A

    def energy(self, w):
        """Number of violated patterns of weight vector(s) w (..., N), from the definition."""
        return np.sum(self.stabilities(w) < self.t, axis=-1)

    def overlap(self, w):
        """Teacher overlap R = w.w*/N (NaN without a teacher)."""
        if self.teacher is None:
            return np.full(np.shape(w)[:-1], np.nan)
        return (np.asarray(w, np.int64) @ self.teacher.astype(np.int64)) / self.N


def _size(N, alpha, what="alpha"):
    N = check_int("N", N, lo=1)
    a = check_range(what, alpha, lo=0.0, allowed="[0, inf)")
    if not math.isfinite(a):
        raise ParameterError(f"{what}={alpha!r} must be finite")
    P = int(round(a * N))
    if a > 0 and P < 1:
        raise ParameterError(f"N={N} is too small for alpha={alpha}: P = round(alpha N) = 0 patterns; "
                             f"increase N to at least {math.ceil(0.5 / a)} or alpha")
    need = 8 * N * max(P, 1)
    if need > MAX_BYTES:
        raise ParameterError(f"N={N}, alpha={alpha}: the patterns need {need / 1e9:.2f} GB "
                             f"(8 N^2 alpha bytes); the memory budget is {MAX_BYTES / 1e9:.2f} GB")
    return N, P


def _data(N, P, seed, inputs):
    rng = np.random.default_rng(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed))
    if inputs == "gaussian":
        X = rng.standard_normal((P, N))
    else:
        X = rng.choice(np.array([-1.0, 1.0]), (P, N))
    return rng, X


def _build(name, X, y, teacher, energy, kappa, inputs, params, convention):
    P, N = X.shape
    A = np.ascontiguousarray((X * y[:, None]).T)
    if energy == "errors":
        t = np.where(y > 0, 0.0, TIE)
    else:
        t = np.full(P, kappa * math.sqrt(N))
    return PerceptronModel(name, N, P, A, np.ascontiguousarray(t, np.float64),
                           np.ascontiguousarray(y, np.float64), teacher, energy, float(kappa), inputs,
                           params, convention)


def perceptron_teacher(N, alpha, seed=0, inputs="gaussian", energy="errors", kappa=0.0):
    """Teacher-student data: w* uniform in {-1,1}^N, y = sign(w*.x) (sign(0) = +1)."""
    check_choice("inputs", inputs, INPUTS)
    check_choice("energy", energy, ENERGIES)
    kappa = check_range("kappa", kappa)
    if energy == "errors" and kappa != 0:
        raise ParameterError("kappa applies to energy='stability' only")
    N, P = _size(N, alpha)
    rng, X = _data(N, P, seed, inputs)
    ws = rng.choice(np.array([-1, 1], np.int8), N)
    y = np.where(X @ ws.astype(np.float64) >= 0, 1.0, -1.0)
    conv = ("E = #training errors (sign(w.x) != y, sign(0) = +1)" if energy == "errors" else
            f"E = #patterns with y w.x/sqrt(N) < kappa = {kappa:g}")
    return _build("perceptron-teacher", X, y, ws, energy, kappa, inputs,
                  dict(N=N, P=P, alpha=P / N, inputs=inputs, energy=energy, kappa=kappa),
                  conv + "; teacher w* uniform binary, y = sign(w*.x); alpha = P/N")


def perceptron_storage(N, alpha, kappa=0.0, seed=0, inputs="gaussian"):
    """Storage problem: random +-1 labels, energy = #patterns with stability < kappa."""
    check_choice("inputs", inputs, INPUTS)
    kappa = check_range("kappa", kappa)
    N, P = _size(N, alpha)
    rng, X = _data(N, P, seed, inputs)
    y = rng.choice(np.array([-1.0, 1.0]), P)
    return _build("perceptron-storage", X, y, None, "stability", kappa, inputs,
                  dict(N=N, P=P, alpha=P / N, inputs=inputs, kappa=kappa),
                  f"E = #patterns with y w.x/sqrt(N) < kappa = {kappa:g}; random labels; alpha = P/N")


def from_data(X, y, teacher=None, energy="errors", kappa=0.0, name=None):
    """A model from given patterns X (P, N), labels y (P,) and optional teacher (N,)."""
    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.float64).ravel()
    if X.ndim != 2 or X.shape[0] != y.size or not np.all(np.isfinite(X)):
        raise ParameterError("X must be a finite (P, N) array and y a length-P array of labels")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ParameterError("labels y must be +1/-1")
    check_choice("energy", energy, ENERGIES)
    if teacher is not None:
        teacher = np.asarray(teacher, np.int8).ravel()
        if teacher.size != X.shape[1] or not np.all(np.isin(teacher, (-1, 1))):
            raise ParameterError(f"teacher must be a +-1 array of length N={X.shape[1]}")
    P, N = X.shape
    binary = bool(np.all(np.isin(X, (-1.0, 1.0))))
    name = name or ("perceptron-teacher" if teacher is not None else "perceptron-storage")
    return _build(name, X, y, teacher, energy, float(kappa), "rademacher" if binary else "real",
                  dict(N=N, P=P, alpha=P / N, energy=energy, kappa=float(kappa)), f"E = {energy} count")


def make_perceptron(name, N, alpha, seed=0, inputs="gaussian", energy=None, kappa=0.0):
    """Model by name: 'perceptron-teacher' or 'perceptron-storage'."""
    if alpha is None:
        raise ParameterError(f"{name} needs --alpha (load P/N)")
    if name == "perceptron-teacher":
        return perceptron_teacher(N, alpha, seed, inputs, energy or "errors", kappa)
    if name == "perceptron-storage":
        if energy not in (None, "stability"):
            raise ParameterError("perceptron-storage counts margin violations (energy='stability')")
        return perceptron_storage(N, alpha, kappa, seed, inputs)
    raise ParameterError(f"unknown perceptron model {name!r}")
