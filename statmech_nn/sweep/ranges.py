"""Axis specifications: ``start:stop:count`` (inclusive linspace), a single value, or a
comma-separated list. Bad input raises :class:`~statmech_nn.core.errors.ParameterError`."""
import math

import numpy as np

from ..core.budget import check_alloc
from ..core.errors import ParameterError


def _num(name, text, s):
    try:
        v = float(s)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={text!r}: {s!r} is not a number "
                             f"(use start:stop:count, a single value or a comma list)") from None
    if not math.isfinite(v):
        raise ParameterError(f"{name}={text!r}: values must be finite")
    return v


def parse_range(name, text):
    """``'0.01:0.16:40'`` -> ``np.linspace(0.01, 0.16, 40)``; ``'0.5'`` -> ``0.5`` (a
    fixed parameter, not an axis); ``'0.1,0.2,0.4'`` -> that array."""
    if isinstance(text, (bool, np.bool_)):
        raise ParameterError(f"{name}={text!r} is not a number")
    if isinstance(text, (int, float, np.number)):
        return _num(name, text, text)
    if isinstance(text, (list, tuple, np.ndarray)):
        vals = np.asarray([_num(name, text, v) for v in np.ravel(text)], float)
        if vals.size == 0:
            raise ParameterError(f"{name} is an empty list")
        return _distinct(name, text, vals)
    text = str(text).strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ParameterError(f"{name}={text!r} is not a range; use start:stop:count "
                                 f"(e.g. 0.01:0.16:40)")
        start, stop = _num(name, text, parts[0]), _num(name, text, parts[1])
        try:
            count = int(parts[2])
        except ValueError:
            count = None
        if count is None or count < 1:
            raise ParameterError(f"{name}={text!r}: count must be an integer >= 1, got {parts[2]!r}")
        if count == 1 and start != stop:
            raise ParameterError(f"{name}={text!r}: a count of 1 needs start == stop "
                                 f"(or give a single value)")
        if count > 1 and start == stop:
            raise ParameterError(f"{name}={text!r}: start == stop would repeat one value "
                                 f"{count} times; give a single value")
        check_alloc(count * 8, f"the axis {name}={text!r}", f"use fewer than {count} points")
        return np.linspace(start, stop, count)
    if "," in text:
        parts = text.split(",")
        if any(not p.strip() for p in parts):
            raise ParameterError(f"{name}={text!r}: empty entry in the list (write a,b,c)")
        return _distinct(name, text, np.asarray([_num(name, text, p) for p in parts], float))
    if not text:
        raise ParameterError(f"{name}='' is empty; give start:stop:count, a value or a list")
    return _num(name, text, text)


def _distinct(name, text, vals):
    """An axis lists each value once (a repeated value would be solved twice and make the
    dataset's coordinate ambiguous)."""
    u, counts = np.unique(vals, return_counts=True)
    if np.any(counts > 1):
        raise ParameterError(f"{name}={text!r}: the value {u[counts > 1][0]:g} appears more than "
                             "once; axis values must be distinct")
    return vals
