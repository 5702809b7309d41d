"""Provenance of the numbers behind a figure, and their re-check against the solver.

A theory variable of a figure's Dataset carries, in its netCDF attributes, how it was computed:

``provenance_model``
    registry name (``hopfield``, ...) -- or ``provenance_function``, ``"module:function"`` for a
    theory function outside the model interface
``provenance_method``
    ``solve`` | ``capacity`` | ``threshold`` | ``call``
``provenance_level``, ``provenance_branch``
    ('' = the thermodynamic state)
``provenance_quantity``
    the key of the result (``free_energy``, ``order_parameters.m``, ``tau_c``)
``provenance_params``
    JSON of the fixed parameters
``provenance_coords``
    JSON {parameter: name of the coordinate or variable holding its value along the variable's
    dimensions}
``provenance_transform``
    '' or ``abs``
``provenance_max_points``
    how many points :func:`recheck` may re-solve (costly models: 1)

:func:`stamp` writes them; :func:`save_data` (figures.style) adds the package version to every
Dataset.  :func:`recheck` re-computes a few points of every such variable with the public API and
compares (``tests/test_figures.py`` requires at least one re-checked point per theory recipe).
Datasets made by ``theory.grid.solve_grid`` / ``sweep`` (dataset attributes ``model``/``level``
and coordinates named by the model's parameters) are re-checked too.
"""
import importlib
import json
import warnings

import numpy as np

from ..core.errors import NotConvergedWarning

SOLVER_KEYS = ("free_energy", "energy", "entropy")


def stamp(ds, var, quantity, model=None, function=None, method="solve", level="rs", branch=None,
          params=None, coords=None, transform="", max_points=3):
    """Record how ``ds[var]`` was computed (see the module docstring). Returns ``ds``."""
    if (model is None) == (function is None):
        raise ValueError("give exactly one of model (registry name) and function ('module:function')")
    coords = dict(coords or {})
    for d in ds[var].dims:   # a dimension with a coordinate, not mapped, is named after its parameter
        if d in ds.coords and d not in coords.values():
            coords.setdefault(d, d)
    attrs = {"provenance_method": method, "provenance_level": level or "",
             "provenance_branch": branch or "", "provenance_quantity": quantity,
             "provenance_params": json.dumps(params or {}, sort_keys=True),
             "provenance_coords": json.dumps(coords, sort_keys=True),
             "provenance_transform": transform, "provenance_max_points": int(max_points)}
    attrs["provenance_model" if model else "provenance_function"] = model or function
    ds[var].attrs.update(attrs)
    models = set(filter(None, ds.attrs.get("provenance_models", "").split(",")))
    ds.attrs["provenance_models"] = ",".join(sorted(models | {model or function}))
    return ds


def _value(res, quantity):
    v = res
    for part in quantity.split("."):
        v = v[part]
    return float(v)


def _points(da, k):
    """Up to ``k`` indices of finite values of ``da`` (first, last, middle)."""
    flat = np.flatnonzero(np.isfinite(np.asarray(da.values, float)))
    if flat.size == 0:
        return []
    pick = np.unique(flat[np.linspace(0, flat.size - 1, min(k, flat.size)).round().astype(int)])
    return [tuple(int(i) for i in np.unravel_index(j, da.shape)) for j in pick]


def _evaluate(attrs, params):
    method = attrs["provenance_method"]
    level = attrs.get("provenance_level") or "rs"
    branch = attrs.get("provenance_branch") or None
    if "provenance_function" in attrs:
        mod, fn = attrs["provenance_function"].split(":")
        return getattr(importlib.import_module(mod), fn)(**params)
    from ..theory import get_model
    model = get_model(attrs["provenance_model"])
    for p in model.params:                   # integer parameters come back from netCDF as floats
        if p.kind in ("int", "even") and p.name in params:
            params[p.name] = int(round(params[p.name]))
    if method == "solve":
        return model.solve(level=level, branch=branch, **params)
    if method == "capacity":
        return model.capacity(level=level, **params)
    if method == "threshold":
        return model.threshold(**params)
    raise ValueError(f"unknown provenance method {method!r}")


def recheck(ds, rel=1e-6, abs_=1e-8, max_total=3):
    """Re-compute up to ``max_total`` points of the dataset's theory variables; assert each
    matches; returns the number of points checked."""
    checked = _recheck_grid(ds, rel, abs_)
    for name, da in ds.data_vars.items():
        if checked >= max_total:
            break
        if "provenance_method" not in da.attrs:
            continue
        params0 = json.loads(da.attrs["provenance_params"])
        coords = json.loads(da.attrs["provenance_coords"])
        k = min(int(da.attrs.get("provenance_max_points", 3)), max_total - checked)
        for ix in _points(da, k):
            sel = dict(zip(da.dims, ix))
            params = dict(params0)
            for p, src in coords.items():
                v = ds[src]
                params[p] = v.isel({d: sel[d] for d in v.dims if d in sel}).values.item()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotConvergedWarning)
                res = _evaluate(da.attrs, params)
            want = _value(res, da.attrs["provenance_quantity"])
            if da.attrs.get("provenance_transform") == "abs":
                want = abs(want)
            got = float(da.values[ix])
            if not np.isclose(got, want, rtol=rel, atol=abs_):
                raise AssertionError(f"{name} at {params}: figure data {got!r}, solver {want!r}")
            checked += 1
    return checked


def _recheck_grid(ds, rel, abs_):
    """Datasets of theory.grid.solve_grid / sweep: up to 3 points re-solved with model.solve."""
    from ..theory import get_model, model_names
    name, level = ds.attrs.get("model"), ds.attrs.get("level")
    if name not in model_names() or not level or ds.attrs.get("continuation"):
        return 0
    model = get_model(name)
    known = {p.name for p in model.params} | {"T", "beta"}
    var = next((k for k in SOLVER_KEYS if k in ds), None)
    if var is None or not set(ds[var].dims) <= known:
        return 0
    da, checked = ds[var], 0
    for ix in _points(da, 3):
        sel = dict(zip(da.dims, ix))
        if "converged" in ds and not bool(ds["converged"][sel]):
            continue
        pt = da[sel]
        params = {k: v.values.item() for k, v in pt.coords.items() if k in known and np.ndim(v.values) == 0}
        for p in model.params:
            if p.kind in ("int", "even") and p.name in params:
                params[p.name] = int(round(params[p.name]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotConvergedWarning)
            r = model.solve(level=level, branch=ds.attrs.get("branch") or None, **params)
        if not np.isclose(float(pt), r.get(var), rtol=rel, atol=abs_):
            raise AssertionError(f"{name} {var} at {params}: figure data {float(pt)!r}, solver {r.get(var)!r}")
        checked += 1
    return checked
