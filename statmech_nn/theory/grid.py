"""Batched parameter grids -> :class:`xarray.Dataset` (one variable per solver output).

``solve_grid(model, level, branch=None, continuation=None, **axes)``

* ``axes``: each keyword is a model parameter (or ``T``/``beta``); a 1-D array makes a
  dimension (in keyword order), a scalar is a fixed parameter (stored as a scalar
  coordinate).
* without continuation the whole grid goes through one ``model.solve_batch`` call;
* ``continuation='T'`` (an axis name, or ``True`` for the last axis) walks that axis
  point by point, vectorised over all the other axes, warm-starting each point from
  the previous converged solution via ``solve_batch(init=...)``. Use it with an
  explicit ``branch`` to follow a branch to its spinodal.

The Dataset attrs record model, level, branch, convention, continuation axis, solver
settings (JSON) and package version; the sweep machinery (:mod:`statmech_nn.sweep`)
adds its fingerprint on top.
"""
import inspect
import json

import numpy as np

from ..core.errors import ParameterError


def solver_settings(model):
    """The solver settings a model's results depend on (JSON-able dict)."""
    from ..core.solver import solve_fixed_point
    sig = inspect.signature(solve_fixed_point)
    out = {k: v.default for k, v in sig.parameters.items()
           if v.default is not inspect.Parameter.empty and isinstance(v.default, (int, float, bool, str))}
    out.update(getattr(model, "solver_settings", {}) or {})
    return out


def _as_model(model):
    if isinstance(model, str):
        from .registry import get_model
        return get_model(model)
    return model


def split_axes(axes):
    """(dims: dict name -> 1-D float array, fixed: dict name -> scalar)."""
    dims, fixed = {}, {}
    for k, v in axes.items():
        a = np.asarray(v)
        if a.ndim == 0:
            fixed[k] = a.item()
        elif a.ndim == 1:
            if a.size == 0:
                raise ParameterError(f"axis {k} is empty")
            dims[k] = a.astype(float) if a.dtype.kind in "iufb" else a
        else:
            raise ParameterError(f"axis {k} must be a scalar or a 1-D array, got shape {a.shape}")
    return dims, fixed


def solve_arrays(model, level, branch, dims, fixed, continuation=None):
    """Solve on the outer-product grid of ``dims`` (ordered) -> dict of arrays of the grid
    shape. ``continuation``: name of the axis walked with warm starts, or None."""
    names = list(dims)
    shape = tuple(len(dims[k]) for k in names)
    grids = np.meshgrid(*[dims[k] for k in names], indexing="ij") if names else []
    arrays = dict(fixed)
    arrays.update({k: g for k, g in zip(names, grids)})
    if not continuation:
        out = model.solve_batch(level=level, branch=branch, **arrays)
        return {k: np.broadcast_to(np.asarray(v), shape).copy() for k, v in out.items()}
    if continuation not in names:
        raise ParameterError(f"continuation axis {continuation!r} is not one of the grid axes "
                             f"{', '.join(names) or '(none)'}")
    ax = names.index(continuation)
    results, init = [], None
    for j in range(shape[ax]):
        sl = {k: (np.take(g, j, axis=ax) if isinstance(g, np.ndarray) and g.ndim else g)
              for k, g in arrays.items()}
        r = model.solve_batch(level=level, branch=branch, init=init, **sl)
        sub = tuple(s for i, s in enumerate(shape) if i != ax)
        r = {k: np.broadcast_to(np.asarray(v), sub).copy() for k, v in r.items()}
        results.append(r)
        init = _next_init(r, init)
    return {k: np.stack([r[k] for r in results], axis=ax) for k in results[0]}


def solve_lines(model, level, branch, fixed, line_params, n_lines, fast_name, fast_values,
                continuation=False):
    """Solve ``n_lines`` grid lines at once -> dict of (n_lines, n_fast) arrays.

    ``line_params``: slow parameter name -> array of ``n_lines`` values (one per line);
    ``fixed``: scalars. With ``continuation`` the fast axis is walked point by point,
    vectorised over the lines, warm-starting from the previous converged point.
    """
    arrays = dict(fixed)
    arrays.update({k: np.asarray(v)[:, None] for k, v in line_params.items()})
    fast = np.asarray(fast_values)
    shape = (n_lines, fast.size)
    if not continuation:
        arrays[fast_name] = fast[None, :]
        out = model.solve_batch(level=level, branch=branch, **arrays)
        return {k: np.broadcast_to(np.asarray(v), shape).copy() for k, v in out.items()}
    cols = {k: (v[:, 0] if isinstance(v, np.ndarray) and v.ndim == 2 else v) for k, v in arrays.items()}
    results, init = [], None
    for j in range(fast.size):
        cols[fast_name] = np.full(n_lines, fast[j]) if line_params else fast[j]
        r = model.solve_batch(level=level, branch=branch, init=init, **cols)
        r = {k: np.broadcast_to(np.asarray(v), (n_lines,)).copy() for k, v in r.items()}
        results.append(r)
        init = _next_init(r, init)
    return {k: np.stack([r[k] for r in results], axis=1) for k in results[0]}


def _next_init(r, init):
    conv = np.asarray(r.get("converged", True), bool)
    new = {}
    for k in _order_parameter_keys(r):
        prev = None if init is None else init.get(k)
        v = np.asarray(r[k], float)
        # unconverged: keep the last converged start (else this point's own last iterate)
        new[k] = np.where(conv, v, prev if prev is not None else v)
    return new


_NOT_OP = {"free_energy", "energy", "entropy", "converged", "residual", "iterations", "branch"}


def _order_parameter_keys(r):
    """Keys of a solve_batch dict that are order parameters (usable as ``init``)."""
    stab = {"replicon", "curvature", "stability", "lambda_min"}
    return [k for k, v in r.items() if k not in _NOT_OP and k not in stab
            and np.asarray(v).dtype.kind == "f"]


def to_dataset(model, level, branch, dims, fixed, out, continuation=None):
    from .. import __version__
    from ..sweep.store import grid_dataset
    return grid_dataset(dims, fixed, out, dict(
        model=model.name, level=level, branch=branch or "", convention=getattr(model, "convention", ""),
        continuation=continuation or "", solver=json.dumps(solver_settings(model), sort_keys=True),
        package="statmech_nn", package_version=__version__))


def solve_grid(model, level="rs", branch=None, continuation=None, **axes):
    """Solve ``model`` on a grid; returns an :class:`xarray.Dataset` (see module doc)."""
    model = _as_model(model)
    level = model.check_level(level)
    dims, fixed = split_axes(axes)
    if continuation is True:
        if not dims:
            raise ParameterError("continuation needs at least one grid axis")
        continuation = list(dims)[-1]
    out = solve_arrays(model, level, branch, dims, fixed, continuation=continuation or None)
    return to_dataset(model, level, branch, dims, fixed, out, continuation=continuation or None)
