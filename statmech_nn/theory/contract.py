"""What a model declares so that the registry-wide contract tests (``tests/test_contract*.py``)
can check it: representative parameter points, which checks apply, and why not where they don't.

A model sets the class attribute ``contract = Contract(...)``.  The checks (names in
:data:`CHECKS`):

``batch_equals_single``
    ``solve_batch`` on the stacked ``points`` equals ``solve`` point by point
``energy_derivative``
    e = d(beta f)/d beta (central differences in beta) at the T > 0 points
``entropy_identity``
    s = beta (e - f) at the T > 0 points
``zero_T_continuity``
    the finite-T solver at T -> 0 extrapolates (Richardson, T and T/2) to the analytic T = 0 forms
    at the ``zero_T`` points
``physical_bounds``
    ``abs(m) <= 1``, 0 <= q0 <= q1 <= 1, 0 <= q <= 1, 0 <= x <= 1, ``abs(R) <= 1`` and
    entropy <= ``entropy_max`` (ln 2 for Ising spins) at every point
``bad_input``
    unknown level/parameter/branch, out-of-range values and T < 0 raise ParameterError (built
    from ``points[0]``)
``quadrature_refinement``
    doubling every quadrature grid changes no reported order parameter by more than its
    tolerance (``tests/test_contract_quadrature.py``)

Every check either applies (the model gives what it needs) or is listed in ``not_applicable``
with the reason; the tests fail on a check that is neither (no silent skip).  ``coincide`` lists
models this one equals at given parameters (:class:`Coincidence`): the tests and the validation
table compare the two on a whole grid.
"""
from dataclasses import dataclass, field
from functools import lru_cache
import math

import numpy as np

CHECKS = ("batch_equals_single", "energy_derivative", "entropy_identity", "zero_T_continuity",
          "physical_bounds", "bad_input", "quadrature_refinement")

LN2 = math.log(2.0)


@dataclass(frozen=True)
class Point:
    """A parameter point: keyword parameters of ``solve`` (with ``T`` where the model has one),
    the level and the branch (None: the thermodynamic state)."""
    params: dict
    level: str = "rs"
    branch: object = None


@dataclass(frozen=True)
class Coincidence:
    """This model at ``fixed`` equals model ``other`` at ``other_fixed`` on the grid ``grid``
    ({param: values}, outer product; T included) at ``level``; compared keys of solve_batch
    (``keys``, plus the branch labels) to ``tol``."""
    other: str
    fixed: dict
    other_fixed: dict
    grid: dict
    level: str = "rs"
    keys: tuple = ("free_energy", "energy", "entropy", "m")
    tol: float = 1e-9


@dataclass(frozen=True)
class Contract:
    points: tuple                       # Points, T > 0 where the model has a temperature
    zero_T: tuple = ()                  # Points at T = 0 (finite-T solver continued down to them)
    entropy_max: float = LN2            # upper bound of the entropy per variable
    bad_branch: bool = True             # the model rejects an unknown ``branch``
    batch_omits: tuple = ()             # keys of the contract solve_batch does not return yet (a gap)
    coincide: tuple = ()                # Coincidences
    not_applicable: dict = field(default_factory=dict)   # check -> reason
    tolerances: dict = field(default_factory=dict)       # check -> tolerance override

    def applies(self, check):
        return check not in self.not_applicable

    def tol(self, check, default):
        return self.tolerances.get(check, default)


def declaration(model):
    """The model's :class:`Contract` (its class attribute ``contract``; for models whose module
    does not declare one yet, the entry of :data:`PENDING`); None if there is none."""
    return getattr(model, "contract", None) or PENDING.get(model.name)


#: declarations for models whose own module does not carry one yet (none at present): move each
#: into its class (``contract = ...``) when that module is next edited, and delete the entry here.
PENDING = {}


def _grid(spec):
    names = list(spec)
    mesh = np.meshgrid(*[np.asarray(spec[k], float) for k in names], indexing="ij")
    return dict(zip(names, mesh))


@lru_cache(maxsize=None)
def coincidence_gap(model_name, index):
    """Solve both models of ``get_model(model_name).contract.coincide[index]`` on its grid;
    returns (largest absolute difference over the compared keys, number of points whose branch labels
    differ, the two solve_batch dicts). Cached: the contract test and the validation row share it."""
    from .registry import get_model
    c = get_model(model_name).contract.coincide[index]
    g = _grid(c.grid)
    a = get_model(model_name).solve_batch(c.level, None, **c.fixed, **g)
    b = get_model(c.other).solve_batch(c.level, None, **c.other_fixed, **g)
    gap = 0.0
    for k in c.keys:
        d = np.abs(np.asarray(a[k], float) - np.asarray(b[k], float))
        both_nan = np.isnan(np.asarray(a[k], float)) & np.isnan(np.asarray(b[k], float))
        gap = max(gap, float(np.max(np.where(both_nan, 0.0, np.nan_to_num(d, nan=np.inf)))))
    conv = np.asarray(a["converged"], bool) & np.asarray(b["converged"], bool)
    labels = int(np.sum(np.asarray(a["branch"]).astype(str) != np.asarray(b["branch"]).astype(str)))
    if not conv.all():
        gap = math.inf
    return gap, labels, a, b
