"""Quadrature errors: a global refinement knob, error estimates, and the log a solve reads.

* :func:`refinement` multiplies every node count of every rule in the package (and widens
  the fixed windows) inside a ``with`` block; nested blocks multiply. The contract test
  ``tests/test_contract_quadrature.py`` solves every registered model twice, once inside
  ``refinement(2)``, and compares.
* :func:`estimate` evaluates an averaging function twice, with the current rules and with
  every node count doubled, returns the first value and records the difference (mixed
  absolute/relative: ``|a - b| / max(1, |b|)``, NaN ignored) as the quadrature error of that
  call. Models call it where an integral is evaluated at the solution (not in the Newton hot
  loop), so the estimate costs about two extra evaluations per solve.
* :func:`error_log` opens a scope collecting the largest error recorded inside it (inner
  scopes pass their maximum to the outer one). :class:`~statmech_nn.theory.base.TheoryModel`
  runs ``solve``, ``capacity`` and ``threshold`` in such a scope, and
  :func:`~statmech_nn.core.result.make_result` reports it as ``quadrature_error``; a result
  whose error exceeds ``quadrature_tol`` (default :data:`QUADRATURE_TOL`) is
  ``converged=False``.
"""
import contextvars
import math
from contextlib import contextmanager

import numpy as np

#: default tolerance on the estimated quadrature error of the integrals at a solution
QUADRATURE_TOL = 1e-8

_FACTOR = contextvars.ContextVar("statmech_nn_quadrature_factor", default=1)
_LOG = contextvars.ContextVar("statmech_nn_quadrature_log", default=None)


@contextmanager
def refinement(factor=2):
    """Inside the block every rule uses ``factor`` times its nodes (``factor`` an int >= 1)."""
    f = int(factor)
    if f < 1 or f != factor:
        raise ValueError(f"refinement factor must be an integer >= 1, got {factor!r}")
    token = _FACTOR.set(_FACTOR.get() * f)
    try:
        yield _FACTOR.get()
    finally:
        _FACTOR.reset(token)


def node_factor():
    """The current refinement factor (1 outside any :func:`refinement` block)."""
    return _FACTOR.get()


def nodes(n):
    """A rule's node count ``n`` times the current refinement factor."""
    return int(n) * _FACTOR.get()


def window_levels():
    """Number of doublings of the current factor (0, 1, 2, ...): fixed windows grow with it."""
    return int(round(math.log2(_FACTOR.get())))


class QuadratureLog:
    """Largest quadrature error recorded in one scope, and where it was met."""

    def __init__(self):
        self.error = 0.0
        self.where = ""

    def record(self, err, where=""):
        err = float(err)
        if err > self.error:
            self.error, self.where = err, where


@contextmanager
def error_log():
    """Collect the errors recorded in the block; yields the :class:`QuadratureLog`."""
    parent = _LOG.get()
    log = QuadratureLog()
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)
        if parent is not None:
            parent.record(log.error, log.where)


def record_error(err, where=""):
    """Record ``err`` (a number or array: its NaN-free maximum) in the innermost log."""
    log = _LOG.get()
    if log is None:
        return
    a = np.asarray(err, float)
    a = a[np.isfinite(a)]
    if a.size:
        log.record(float(a.max()), where)


def collecting():
    """True inside an :func:`error_log` (an estimate made now will be reported)."""
    return _LOG.get() is not None


def logged_error():
    """The largest error recorded so far in the innermost open log (0.0 outside any log)."""
    log = _LOG.get()
    return 0.0 if log is None else log.error


def logged_where():
    log = _LOG.get()
    return "" if log is None else log.where


def _leaves(v):
    if isinstance(v, dict):
        for k in sorted(v):
            yield from _leaves(v[k])
    elif isinstance(v, (tuple, list)):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def difference(a, b):
    """Elementwise mixed difference ``|a - b| / max(1, |b|)`` over matching leaves of two results
    (arrays, or dicts / tuples of arrays), reduced over every axis but the first batch axis
    when the leaves share it. NaN where either value is not finite."""
    out = None
    for x, y in zip(_leaves(a), _leaves(b)):
        x, y = np.asarray(x, float), np.asarray(y, float)
        if x.shape != y.shape:
            continue
        with np.errstate(invalid="ignore"):
            d = np.abs(x - y) / np.maximum(1.0, np.abs(y))
        d = np.where(np.isfinite(x) & np.isfinite(y), d, np.nan)
        d = np.nanmax(d.reshape(d.shape[:1] + (-1,)), -1) if d.ndim > 1 and d.size else d
        if out is None:
            out = d
        elif np.shape(out) == np.shape(d):
            out = np.fmax(out, d)
        else:
            out = np.fmax(np.nanmax(out) if np.size(out) else np.nan, np.nanmax(d) if np.size(d) else np.nan)
    return np.nan if out is None else out


def estimate(fn, *args, where="", keep=None, **kwargs):
    """``fn(*args, **kwargs)`` with its quadrature error recorded.

    The same call is repeated inside ``refinement(2)``; the difference (:func:`difference`)
    is recorded with :func:`record_error` under ``where``. ``keep`` (optional) selects the
    part of the result that is compared (e.g. the keys that enter the map). Returns
    ``(value, error)`` with the value of the unrefined call, so results do not change. Outside
    any :func:`error_log` (where no result will report it) the refined call is skipped and the
    error is NaN."""
    v = fn(*args, **kwargs)
    if _LOG.get() is None:      # nobody collects it (e.g. phase-line continuation): skip the cost
        return v, float("nan")
    with refinement(2):
        v2 = fn(*args, **kwargs)
    if keep is not None:
        err = difference(keep(v), keep(v2))
    else:
        err = difference(v, v2)
    record_error(err, where or getattr(fn, "__qualname__", ""))
    return v, err
