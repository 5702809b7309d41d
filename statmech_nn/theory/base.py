"""The interface every saddle-point model fills (TRAMP-style: one method set): the model contract.

A model is a stateless object describing a family (e.g. ``hopfield``); the physical
parameters are passed to its methods as keywords and validated against
``params``, a tuple of :class:`Param`. Temperature is given as ``T`` (``T=0`` is
the analytic ground-state limit) or ``beta``.

The contract:

``solve_batch(level='rs', branch=None, init=None, **arrays) -> dict of arrays``
    Saddle points on broadcast parameter arrays (used by grids/sweeps). Every value has the
    broadcast shape. Keys: each order parameter (``m``, ``q``, ...), ``free_energy``,
    ``energy``, ``entropy`` (NaN where undefined), ``converged`` (bool), ``residual``,
    ``iterations`` (int), stability entries (e.g. ``replicon``) and ``branch`` (array of str).
    ``init`` is an optional dict of order-parameter arrays used as the starting point (warm
    start for continuation along a line). ``branch`` starts on one branch ('retrieval',
    'spin-glass', 'paramagnet', ...); ``branch=None`` returns the thermodynamic state chosen by
    :mod:`statmech_nn.theory.states` (the one selection rule of the package).
    Truly batched models (``batched = True``) vectorise the Newton solves over the points;
    the others implement :meth:`TheoryModel.solve_point` and the base class loops.
``solve(level='rs', branch=None, init=None, **params) -> SaddleResult``
    ``solve_batch`` at size 1 (the base class does this; models supply
    :meth:`TheoryModel.point_result`, which turns the one row into a SaddleResult).
``capacity(level='rs', **params) -> Capacity``
    ``alpha_c`` and the state at alpha_c (``core.typed.Capacity``, a SaddleResult).
``phase_lines(level='rs', ...) -> PhaseLines``
    Named :class:`~statmech_nn.core.typed.Line` objects (two coordinate arrays, e.g. alpha and
    T, plus per-point ``converged``), found by continuation/bisection; ``to_dataset()``.
``threshold(...) -> Threshold``
    A threshold in another parameter (e.g. the learning threshold M_c).
``contract``
    A :class:`~statmech_nn.theory.contract.Contract`: representative parameter points and
    which registry-wide contract checks apply (``tests/test_contract*.py``).
"""
import functools
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import (NotAvailableError, ParameterError, check_choice, check_int, check_range,
                           check_temperature_array, temperature)
from ..core.quaderr import error_log

#: public methods run inside a quadrature error log (their results report ``quadrature_error``)
_LOGGED = ("solve", "capacity", "threshold")


def _in_error_log(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with error_log():
            return fn(*args, **kwargs)
    wrapper._in_error_log = True
    return wrapper


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _LOGGED:
            fn = cls.__dict__.get(name)
            if callable(fn) and not getattr(fn, "_in_error_log", False):
                setattr(cls, name, _in_error_log(fn))

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
        known = {p.name for p in self.params} | {"T", "beta"}
        unknown = sorted(set(arrays) - known)
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for {self.name}; "
                                 f"known: {', '.join(sorted(known))}")
        if "T" in arrays and "beta" not in arrays:
            arrays["beta"] = check_temperature_array(T=arrays.pop("T"))
        elif "beta" in arrays:
            arrays["beta"] = check_temperature_array(beta=arrays["beta"])
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
    #: True: ``solve_batch`` vectorises over points; False: the base class loops over
    #: :meth:`solve_point` (the model is inherently scalar)
    batched = True
    #: the model's contract declaration (:class:`statmech_nn.theory.contract.Contract`)
    contract = None

    def solve(self, level="rs", branch=None, init=None, **params):
        """One saddle point: :meth:`solve_batch` at size 1, turned into a SaddleResult by
        :meth:`point_result`."""
        level = self.check_level(level)
        p = self.check_params(params)
        if self.batched:
            b = self.solve_batch(level, branch, init, **params)
        else:
            b = self._loop(level, branch, init, params, full=True)
        row = {k: (v.reshape(-1)[0] if isinstance(v, np.ndarray) else v) for k, v in b.items()}
        return self.point_result(level, branch, p, row).warn_if_unconverged()

    def point_result(self, level, branch, params, row):
        """The SaddleResult of one row of :meth:`solve_batch` (validated ``params``)."""
        raise NotImplementedError

    def solve_point(self, level, branch, init, params):
        """Scalar models: one point (validated ``params``) -> dict of scalars (the row)."""
        raise NotImplementedError

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        if self.batched:
            raise NotImplementedError
        return self._loop(self.check_level(level), branch, init, arrays, full=False)

    def _loop(self, level, branch, init, arrays, full):
        """solve_batch of a scalar model: :meth:`solve_point` on every broadcast point.
        ``full=False`` keeps only array-valued (numeric or str) entries of the rows."""
        names = {p.name: p for p in self.params}
        unknown = sorted(set(arrays) - set(names) - {"T", "beta"})
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for {self.name}; "
                                 f"known: {', '.join(sorted(set(names) | {'T', 'beta'}))}")
        given = {k: np.asarray(v, dtype=object if (names.get(k) and names[k].kind == "choice") else float)
                 for k, v in arrays.items() if v is not None}
        shape = np.broadcast_shapes(*[v.shape for v in given.values()]) if given else ()
        flat = {k: np.broadcast_to(v, shape).ravel() for k, v in given.items()}
        size = int(np.prod(shape)) if shape else 1
        rows = []
        for i in range(size):
            pt = {}
            for k, v in flat.items():
                x = v[i]
                p = names.get(k)
                pt[k] = x if (p and p.kind == "choice") else (int(x) if p and p.kind in ("int", "even")
                                                               and float(x) == int(x) else float(x))
            ini = None if init is None else {k: float(np.broadcast_to(np.asarray(v, float), shape).ravel()[i])
                                             for k, v in init.items()}
            rows.append(self.solve_point(level, branch, ini, self.check_params(pt)))
        out = {}
        for k in rows[0]:
            vals = [r[k] for r in rows]
            if all(isinstance(v, (bool, np.bool_)) for v in vals):
                out[k] = np.array(vals, bool).reshape(shape)
            elif all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                     for v in vals):
                out[k] = np.array(vals, int if all(isinstance(v, (int, np.integer)) for v in vals)
                                  else float).reshape(shape)
            elif all(isinstance(v, str) for v in vals):
                out[k] = np.array(vals, dtype=object).reshape(shape)
            elif full:
                arr = np.empty(size, dtype=object)
                arr[:] = vals
                out[k] = arr.reshape(shape)
        return out

    def capacity(self, level="rs", **params):
        raise NotAvailableError(f"{self.name} has no capacity")

    def phase_lines(self, level="rs", **params):
        raise NotAvailableError(f"{self.name} has no phase lines")


# the base class's own solve (solve_batch at size 1) also runs in a quadrature error log
for _name in _LOGGED:
    if callable(TheoryModel.__dict__.get(_name)):
        setattr(TheoryModel, _name, _in_error_log(TheoryModel.__dict__[_name]))
