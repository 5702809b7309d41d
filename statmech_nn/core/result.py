"""Result objects shared by every solver (scipy ``OptimizeResult``-like)."""
import math
import warnings

import numpy as np

from .errors import NotConvergedWarning
from .quaderr import QUADRATURE_TOL, logged_error, logged_where


def jsonable(v):
    """Plain JSON-ready data: dicts/lists of Python scalars; NaN -> None, +-inf -> "inf"/"-inf"."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else (None if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    return v


class AttrDict(dict):
    """A dict whose keys are also attributes (read access), like scipy's OptimizeResult."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class SaddleResult(AttrDict):
    """One saddle point of one model at one parameter point.

    Attribute access mirrors the keys. Always present:

    ``model``, ``level`` ('rs' | '1rsb'), ``params`` (the physical parameters, with
    ``beta`` and ``T``), ``order_parameters`` (dict, e.g. ``m``, ``q``, ``q0``,
    ``q1``, ``x``), ``free_energy``, ``energy``, ``entropy`` (per spin; NaN where not
    defined), ``converged`` (bool), ``residual`` (max-norm of F(x) - x for the
    *undamped* stationarity map, plus |dA/dx| at 1RSB), ``iterations``,
    ``stability`` (dict; e.g. ``replicon`` = AT eigenvalue, stable when < 1 in the
    normalisation documented by the model), ``branch`` ('retrieval', 'spin-glass',
    'paramagnet', ...), ``message``, ``quadrature_error`` (the largest estimated error of the
    integrals evaluated at the solution, mixed absolute/relative, see
    :mod:`statmech_nn.core.quaderr`; 0 where the model has no quadrature) and
    ``quadrature_tol`` (above it the result is ``converged=False``).
    """

    __setattr__ = dict.__setitem__

    def to_dict(self):
        """JSON-ready dict (NaN -> null, inf -> "inf")."""
        return jsonable(dict(self))

    def warn_if_unconverged(self, stacklevel=3):
        if not self.get("converged", False):
            warnings.warn(
                f"{self.get('model')} {self.get('level')} saddle point not converged at "
                f"{self.get('params')}: residual {self.get('residual'):.3g} after "
                f"{self.get('iterations')} iterations",
                NotConvergedWarning,
                stacklevel=stacklevel,
            )
        return self

    def __repr__(self):
        op = ", ".join(f"{k}={v:.6g}" for k, v in self.get("order_parameters", {}).items())
        return (
            f"SaddleResult({self.get('model')}, {self.get('level')}, {self.get('branch')}: {op}; "
            f"f={self.get('free_energy', float('nan')):.8g}, converged={self.get('converged')}, "
            f"residual={self.get('residual', float('nan')):.2e})"
        )


def make_result(model, level, params, order_parameters, free_energy, energy, entropy,
                converged, residual, iterations, stability=None, branch="", message="", cls=None,
                quadrature_error=None, quadrature_tol=None, **extra):
    """A :class:`SaddleResult` (or ``cls``, a subclass such as ``core.typed.Capacity``).

    ``quadrature_error`` defaults to the largest error recorded in the innermost open
    :func:`~statmech_nn.core.quaderr.error_log` (the models' ``solve``, ``capacity`` and
    ``threshold`` run in one); a result whose error exceeds ``quadrature_tol`` (default
    :data:`~statmech_nn.core.quaderr.QUADRATURE_TOL`) is not converged, and says so."""
    where = ""
    if quadrature_error is None:
        quadrature_error, where = logged_error(), logged_where()
    qe = float(quadrature_error)
    tol = QUADRATURE_TOL if quadrature_tol is None else float(quadrature_tol)
    if qe > tol:
        converged = False
        note = (f"quadrature error {qe:.2g} exceeds the tolerance {tol:.0e}"
                + (f" (in {where})" if where else "") + ": the integrals are not resolved here")
        message = f"{message}; {note}" if message else note
    r = (cls or SaddleResult)(
        model=model, level=level, params=dict(params),
        order_parameters={k: float(v) for k, v in order_parameters.items()},
        free_energy=float(free_energy), energy=float(energy), entropy=float(entropy),
        converged=bool(converged), residual=float(residual), iterations=int(iterations),
        stability=dict(stability or {}), branch=branch, message=message,
        quadrature_error=qe, quadrature_tol=tol,
    )
    r.update(extra)
    return r
