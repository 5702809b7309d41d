"""Every figure recipe builds at scale 'tiny': a non-empty PNG and the netCDF data behind it,
whose values match the solver where the data say which model made them.

Parametrised over ``statmech_nn.figures.recipes()``, so recipes are picked up as they are
added. Data written through :func:`statmech_nn.theory.grid.solve_grid` or
:func:`statmech_nn.sweep.sweep` carry ``model``/``level`` attrs and coordinates named by
the model's parameters; for those a few points are re-solved with ``model.solve`` and
compared.
"""
import math

import numpy as np
import pytest
import xarray as xr

from statmech_nn.figures import build, recipes

NAMES = list(recipes())
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SOLVER_KEYS = ("free_energy", "energy", "entropy")


def _recheck_with_solver(ds):
    """Re-solve up to 3 points of a dataset made by solve_grid/sweep; returns #checked."""
    from statmech_nn.theory import get_model, model_names
    name, level = ds.attrs.get("model"), ds.attrs.get("level")
    if name not in model_names() or not level or ds.attrs.get("continuation"):
        return 0  # no provenance (or a continuation branch that a cold solve need not find)
    model = get_model(name)
    known = {p.name for p in model.params} | {"T", "beta"}
    var = next((k for k in SOLVER_KEYS if k in ds), None)
    if var is None or not set(ds[var].dims) <= known:
        return 0
    da = ds[var]
    idx = [tuple(int(i) for i in np.unravel_index(j, da.shape))
           for j in np.linspace(0, da.size - 1, min(3, da.size)).astype(int)]
    checked = 0
    for ix in idx:
        pt = da[dict(zip(da.dims, ix))]
        if "converged" in ds and not bool(ds["converged"][dict(zip(da.dims, ix))]):
            continue
        params = {k: float(v) for k, v in pt.coords.items() if k in known and np.ndim(v.values) == 0}
        for k in list(params):
            p = next((q for q in model.params if q.name == k), None)
            if p is not None and p.kind in ("int", "even"):
                params[k] = int(round(params[k]))
        branch = ds.attrs.get("branch") or None
        r = model.solve(level=level, branch=branch, **params)
        assert r.get(var) == pytest.approx(float(pt), rel=1e-6, abs=1e-8), (name, params, var)
        checked += 1
    return checked


@pytest.mark.parametrize("name", NAMES or [pytest.param("none", marks=pytest.mark.skip(
    reason="no figure recipes registered yet"))])
def test_recipe_tiny_builds_png_and_data(name, tmp_path, monkeypatch):
    monkeypatch.setenv("STATMECH_NN_CACHE", str(tmp_path / "cache"))
    paths = [p for p in build(name, outdir=tmp_path, scale="tiny")]
    pngs = [p for p in paths if str(p).endswith(".png")]
    ncs = [p for p in paths if str(p).endswith(".nc")]
    assert pngs, f"{name} wrote no PNG"
    assert ncs, f"{name} wrote no netCDF data"
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 2000, f"{p} is not a non-empty PNG"
    for p in ncs:
        ds = xr.load_dataset(p)
        assert ds.data_vars, f"{p} has no data variables"
        numeric = [v for v in ds.data_vars.values() if v.dtype.kind in "fiub" and v.size]
        assert numeric, f"{p} has no numeric data"
        for v in numeric:
            vals = np.asarray(v.values, float)
            assert not np.isinf(vals).all() and (np.isfinite(vals).any() or vals.size == 0), \
                f"{p}:{v.name} has no finite value"
        _recheck_with_solver(ds)


def test_recheck_helper_on_solver_data():
    """The value check itself works on a dataset made by solve_grid (curie-weiss)."""
    from statmech_nn.theory.grid import solve_grid
    ds = solve_grid("curie-weiss", P=3, h=np.array([0.0, 0.05]), T=np.array([0.1, 0.5]))
    assert _recheck_with_solver(ds) == 3
    bad = ds.copy(deep=True)
    bad["free_energy"][...] = bad["free_energy"].values + 1e-3
    with pytest.raises(AssertionError):
        _recheck_with_solver(bad)
    assert not math.isnan(float(ds["free_energy"][0, 0]))
