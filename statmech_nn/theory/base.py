"""The interface every saddle-point model fills (TRAMP-style: one method set).

A model is a stateless object describing a family (e.g. ``hopfield``); the physical
parameters are passed to its methods as keywords and validated against
``params``, a tuple of :class:`Param`. Temperature is given as ``T`` (``T=0`` is
the analytic ground-state limit) or ``beta``.

Methods a model implements:

``solve(level='rs', branch=None, init=None, **params) -> SaddleResult``
    One saddle point; ``branch`` picks a starting point ('retrieval',
    'spin-glass', 'paramagnet'); with ``branch=None`` the thermodynamically
    selected state is returned.
``solve_batch(level='rs', branch=None, init=None, **arrays) -> dict of arrays``
    Same, vectorised over broadcast parameter arrays (used by grids/sweeps).
    Every value has the broadcast shape. Keys: each order parameter (``m``,
    ``q``, ...), ``free_energy``, ``energy``, ``entropy`` (NaN where undefined),
    ``converged`` (bool), ``residual``, ``iterations`` (int), stability entries
    (e.g. ``replicon``) and ``branch`` (array of str). ``init`` is an optional
    dict of order-parameter arrays used as the starting point (warm start for
    continuation along a line).
``capacity(level='rs', **params) -> SaddleResult``
    With ``alpha_c`` and the order parameters at alpha_c (where defined).
``phase_lines(level='rs', ...) -> dict of arrays``
    Transition lines found by continuation/bisection.
"""
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, check_choice, check_int, check_range, temperature


@dataclass(frozen=True)
class Param:
    """A physical parameter: name, meaning, allowed range, default."""
    name: str
    help: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    kind: str = "float"          # 'float' | 'int' | 'even' | 'choice'
    choices: tuple = ()
    default: object = None
    allowed: str = ""            # human-readable range used in error messages

    def check(self, value):
        if self.kind == "choice":
            return check_choice(self.name, value, self.choices)
        if self.kind in ("int", "even"):
            return check_int(self.name, value, lo=self.lo, hi=self.hi, even=self.kind == "even",
                             allowed=self.allowed)
        return check_range(self.name, value, self.lo, self.hi, self.lo_open, self.hi_open,
                           allowed=self.allowed)


TEMPERATURE_HELP = "temperature T = 1/beta (T = 0: analytic ground-state limit)"


@dataclass
class TheoryModel:
    """Base class; subclasses set ``name``, ``levels``, ``params`` and the methods."""
    name: str = ""
    levels: tuple = ("rs",)
    params: tuple = field(default_factory=tuple)
    has_temperature: bool = True
    convention: str = ""

    # ---- validation -------------------------------------------------------------
    def check_level(self, level):
        level = str(level).lower()
        if level not in self.levels:
            raise ParameterError(f"level={level!r} does not exist for {self.name}; "
                                 f"choose one of {', '.join(self.levels)}")
        return level

    def check_params(self, params, require=True):
        """Validate keyword parameters; returns a clean dict with ``beta`` and ``T``."""
        params = dict(params)
        known = {p.name for p in self.params} | {"T", "beta"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for {self.name}; "
                                 f"known: {', '.join(sorted(known))}")
        out = {}
        for p in self.params:
            v = params.get(p.name, p.default)
            if v is None:
                if require:
                    raise ParameterError(f"{self.name} needs parameter {p.name} ({p.help})")
                continue
            out[p.name] = p.check(v)
        if self.has_temperature:
            out.update(temperature(params.get("T"), params.get("beta")))
        return out

    def check_arrays(self, arrays):
        """Validate broadcastable parameter arrays element-wise; returns dict of float arrays."""
        arrays = dict(arrays)
        if "T" in arrays and "beta" not in arrays:
            T = np.asarray(arrays.pop("T"), float)
            if np.any(~(T >= 0)):
                raise ParameterError("T must be >= 0 everywhere on the grid")
            with np.errstate(divide="ignore"):
                arrays["beta"] = np.where(T == 0, np.inf, 1.0 / np.where(T == 0, 1.0, T))
        for p in self.params:
            if p.name in arrays:
                for v in np.unique(np.asarray(arrays[p.name]).ravel()):
                    p.check(v)
            elif p.default is not None:
                arrays[p.name] = p.default
            else:
                raise ParameterError(f"{self.name} needs parameter {p.name} ({p.help})")
        return arrays

    # ---- interface (subclasses implement) ---------------------------------------
    def solve(self, level="rs", branch=None, init=None, **params):
        raise NotImplementedError

    def solve_batch(self, level="rs", branch=None, **arrays):
        raise NotImplementedError

    def capacity(self, level="rs", **params):
        raise NotImplementedError(f"{self.name} has no capacity")

    def phase_lines(self, level="rs", **params):
        raise NotImplementedError(f"{self.name} has no phase lines")
