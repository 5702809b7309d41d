"""Every figure recipe builds at scale 'tiny': a non-empty PNG and the netCDF data behind it,
and every theory recipe's numbers are re-checked against the solver.

Parametrised over ``statmech_nn.figures.recipes()``, so recipes are picked up as they are
added. Theory variables carry their provenance in their netCDF attributes
(:mod:`statmech_nn.figures.provenance`); :func:`~statmech_nn.figures.provenance.recheck`
re-solves a few points of each with the public API and compares. A recipe without theory
numbers says why (``no_theory``); every other recipe must have at least one point re-checked.
"""
import math

import numpy as np
import pytest
import xarray as xr

from statmech_nn.figures import build, provenance, recipes

RECIPES = recipes()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_catalogue_is_not_empty():
    assert len(RECIPES) >= 10


@pytest.mark.parametrize("name", sorted(RECIPES))
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
    checked = 0
    for p in ncs:
        ds = xr.load_dataset(p)
        assert ds.data_vars, f"{p} has no data variables"
        assert ds.attrs.get("package_version"), f"{p} does not say which package version made it"
        numeric = [v for v in ds.data_vars.values() if v.dtype.kind in "fiub" and v.size]
        assert numeric, f"{p} has no numeric data"
        for v in numeric:
            vals = np.asarray(v.values, float)
            assert not np.isinf(vals).all() and (np.isfinite(vals).any() or vals.size == 0), \
                f"{p}:{v.name} has no finite value"
        checked += provenance.recheck(ds)
    if RECIPES[name].no_theory:
        assert checked == 0, f"{name} says it has no theory but re-checked {checked} points"
    else:
        assert checked > 0, f"{name}: no theory number was re-checked against the solver (stamp its provenance)"


def test_recheck_on_solver_grid_data():
    """The re-check works on a dataset made by solve_grid (curie-weiss) and catches a change."""
    from statmech_nn.theory.grid import solve_grid
    ds = solve_grid("curie-weiss", P=3, h=np.array([0.0, 0.05]), T=np.array([0.1, 0.5]))
    assert provenance.recheck(ds) == 3
    bad = ds.copy(deep=True)
    bad["free_energy"][...] = bad["free_energy"].values + 1e-3
    with pytest.raises(AssertionError):
        provenance.recheck(bad)
    assert not math.isnan(float(ds["free_energy"][0, 0]))


def test_recheck_on_stamped_variables():
    """A stamped variable is re-solved point by point; wrong data fail."""
    from statmech_nn.theory import get_model
    T = np.array([0.2, 0.4, 0.6])
    b = get_model("hopfield").solve_batch("rs", "retrieval", alpha=0.05, T=T)
    ds = xr.Dataset({"m": ("T_theory", b["m"])}, coords={"T_theory": T})
    provenance.stamp(ds, "m", "order_parameters.m", model="hopfield", branch="retrieval",
                     params={"alpha": 0.05}, coords={"T": "T_theory"})
    assert provenance.recheck(ds) == 3
    ds["m"].values[1] += 1e-4
    with pytest.raises(AssertionError):
        provenance.recheck(ds)
