"""Input validation with messages that name the parameter and the allowed range."""
import math


class ParameterError(ValueError):
    """A parameter outside its allowed range. Subclass of ValueError."""


class NotConvergedWarning(RuntimeWarning):
    """A solver stopped before the undamped-map residual fell below tolerance."""


def check_range(name, value, lo=None, hi=None, lo_open=False, hi_open=False, allowed=""):
    """Return ``float(value)`` or raise ParameterError naming ``name`` and its range."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    bad = math.isnan(v)
    if lo is not None:
        bad |= v < lo or (lo_open and v == lo)
    if hi is not None:
        bad |= v > hi or (hi_open and v == hi)
    if bad:
        if not allowed:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            allowed = f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
        raise ParameterError(f"{name}={value!r} is outside the allowed range {allowed}")
    return v


def check_int(name, value, lo=None, hi=None, even=False, allowed=""):
    """Return ``int(value)`` or raise ParameterError (range, and parity when ``even``)."""
    try:
        iv = int(value)
        if iv != float(value):
            raise ValueError
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be an integer, got {value!r}") from None
    if (lo is not None and iv < lo) or (hi is not None and iv > hi) or (even and iv % 2):
        if not allowed:
            parts = []
            if even:
                parts.append("even")
            parts.append(f"integer >= {lo}" if hi is None else f"integer in [{lo}, {hi}]")
            allowed = " ".join(parts)
        raise ParameterError(f"{name}={value!r} is not allowed; {name} must be an {allowed}")
    return iv


def check_choice(name, value, choices):
    if value not in choices:
        raise ParameterError(f"{name}={value!r} is not one of {', '.join(map(str, choices))}")
    return value


def beta_from(T=None, beta=None):
    """Inverse temperature from exactly one of T (>= 0) or beta (> 0); T = 0 -> inf."""
    if T is not None and beta is not None:
        raise ParameterError("give either T or beta, not both")
    if T is None and beta is None:
        raise ParameterError("a temperature is required: give T >= 0 or beta > 0")
    if beta is not None:
        b = check_range("beta", beta, lo=0.0, lo_open=True, allowed="(0, inf]")
        return b
    t = check_range("T", T, lo=0.0, allowed="[0, inf)")
    return math.inf if t == 0.0 else 1.0 / t


def temperature(T=None, beta=None):
    """``{'beta': ..., 'T': ...}`` from exactly one of T or beta (see :func:`beta_from`)."""
    b = beta_from(T, beta)
    return {"beta": b, "T": 0.0 if math.isinf(b) else 1.0 / b}
