"""Input validation with messages that name the parameter and the allowed range.

Infinity and NaN: one policy, applied here for every number a user gives.

* NaN is never accepted.
* Infinity is accepted only where it is itself a documented limit, and the range says so with
  a closed bracket: ``beta`` in (0, inf], where beta = inf is T = 0, the analytic ground-state
  limit. A range written ``[lo, inf)`` excludes infinity, so ``T = inf``, ``alpha = inf`` and
  ``M = inf`` are rejected with the range. (``T = inf`` would be the infinite-temperature
  paramagnet; it is not computed. ``M -> inf`` is ``rho = 0`` with ``law='gaussian'``.)
* Booleans are not numbers (``alpha=True`` is refused, not read as 1.0).
* A huge integer is refused where a float cannot represent it (OverflowError becomes a
  ParameterError).
"""
import math


class ParameterError(ValueError):
    """A parameter outside its allowed range. Subclass of ValueError."""


class NotAvailableError(ParameterError, NotImplementedError):
    """A method the model does not have (``capacity`` of SK): bad input, so a ParameterError,
    and still a NotImplementedError for code that asks for it that way."""


class NotConvergedWarning(RuntimeWarning):
    """A solver stopped before the undamped-map residual fell below tolerance."""


def shown(value):
    """``value`` as the user wrote it: numpy scalars as plain Python numbers (``-0.1``, not
    ``np.float64(-0.1)``), strings quoted."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    return repr(value)


def _is_bool(value):
    t = type(value)
    return isinstance(value, bool) or (t.__module__ == "numpy" and t.__name__ in ("bool", "bool_"))


def _interval(lo, hi, lo_open, hi_open):
    """The range as written in messages: an infinite end is open unless it is allowed."""
    lo_s = "-inf" if lo is None else f"{float(lo):g}"
    hi_s = "inf" if hi is None else f"{float(hi):g}"
    left = "(" if (lo_open or lo is None) else "["
    right = ")" if (hi_open or hi is None) else "]"
    return f"{left}{lo_s}, {hi_s}{right}"


def check_range(name, value, lo=None, hi=None, lo_open=False, hi_open=False, allowed=""):
    """Return ``float(value)`` or raise ParameterError naming ``name`` and its range.

    ``lo``/``hi`` = None is an unbounded end (infinity excluded); ``hi=math.inf`` with
    ``hi_open=False`` admits +inf (likewise ``lo=-math.inf``), see the module docstring."""
    if _is_bool(value):
        raise ParameterError(f"{name} must be a number, got {shown(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name} must be a number, got {shown(value)}") from None
    bad = math.isnan(v)
    if math.isinf(v):
        ok_inf = (v > 0 and hi == math.inf and not hi_open) or (v < 0 and lo == -math.inf and not lo_open)
        bad |= not ok_inf
    if lo is not None:
        bad |= v < lo or (lo_open and v == lo)
    if hi is not None:
        bad |= v > hi or (hi_open and v == hi)
    if bad:
        allowed = allowed or _interval(lo, hi, lo_open, hi_open)
        raise ParameterError(f"{name}={shown(value)} is outside the allowed range {allowed}")
    return v


def check_int(name, value, lo=None, hi=None, even=False, allowed=""):
    """Return ``int(value)`` or raise ParameterError (range, and parity when ``even``)."""
    if _is_bool(value):
        raise ParameterError(f"{name} must be an integer, got {shown(value)}")
    try:
        iv = int(value)
        if iv != float(value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name} must be an integer, got {shown(value)}") from None
    if (lo is not None and iv < lo) or (hi is not None and iv > hi) or (even and iv % 2):
        if not allowed:
            parts = []
            if even:
                parts.append("even")
            parts.append(f"integer >= {lo}" if hi is None else f"integer in [{lo}, {hi}]")
            allowed = " ".join(parts)
        raise ParameterError(f"{name}={shown(value)} is not allowed; {name} must be an {allowed}")
    return iv


def check_choice(name, value, choices):
    if value not in choices:
        raise ParameterError(f"{name}={shown(value)} is not one of {', '.join(map(str, choices))}")
    return value


def beta_from(T=None, beta=None):
    """Inverse temperature from exactly one of T in [0, inf) or beta in (0, inf]; T = 0 -> inf.

    beta = inf is the documented T = 0 limit; T = inf is refused (see the module docstring),
    and so is a beta so small that T = 1/beta overflows."""
    if T is not None and beta is not None:
        raise ParameterError("give either T or beta, not both")
    if T is None and beta is None:
        raise ParameterError("a temperature is required: give T >= 0 or beta > 0")
    if beta is not None:
        b = check_range("beta", beta, lo=0.0, lo_open=True, hi=math.inf,
                        allowed="(0, inf] (beta = inf is T = 0)")
        if math.isinf(1.0 / b):
            raise ParameterError(f"beta={shown(beta)} is too small: T = 1/beta is not a finite "
                                 "number (allowed: beta in (0, inf] with 1/beta finite)")
        return b
    t = check_range("T", T, lo=0.0, allowed="[0, inf) (T = 0 is the ground state; T = inf is "
                    "not computed)")
    return math.inf if t == 0.0 else 1.0 / t


def temperature(T=None, beta=None):
    """``{'beta': ..., 'T': ...}`` from exactly one of T or beta (see :func:`beta_from`)."""
    b = beta_from(T, beta)
    return {"beta": b, "T": 0.0 if math.isinf(b) else 1.0 / b}


def check_temperature_array(T=None, beta=None):
    """Grid version of :func:`beta_from`: the beta array from a T array (or a beta array),
    element-wise under the same policy (T in [0, inf), beta in (0, inf] with 1/beta finite)."""
    import numpy as np
    if T is not None:
        T = np.asarray(T, float)
        bad = ~(T >= 0) | np.isinf(T)
        if np.any(bad):
            raise ParameterError(f"T={shown(T[bad].ravel()[0])} on the grid is outside the allowed "
                                 "range [0, inf)")
        with np.errstate(divide="ignore"):
            return np.where(T == 0, np.inf, 1.0 / np.where(T == 0, 1.0, T))
    b = np.asarray(beta, float)
    with np.errstate(divide="ignore", over="ignore"):
        bad = ~(b > 0) | ~np.isfinite(1.0 / np.where(b > 0, b, 1.0))
    if np.any(bad):
        raise ParameterError(f"beta={shown(b[bad].ravel()[0])} on the grid is outside the allowed "
                             "range (0, inf] (1/beta finite)")
    return b
