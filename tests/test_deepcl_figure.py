"""The continual-nets figure recipe at tiny scale: PNG + netCDF, synthetic stream, caption."""
import numpy as np


def test_continual_nets_tiny(tmp_path):
    import xarray as xr

    from statmech_nn.figures import build, recipes
    assert "continual-nets" in recipes()
    paths = build("continual-nets", outdir=tmp_path, scale="tiny")
    names = sorted(p.name for p in paths)
    assert names == ["continual-nets.nc", "continual-nets.png"]
    with xr.open_dataset(tmp_path / "continual-nets.nc", engine="h5netcdf") as ds:
        assert ds.attrs["stream"] == "synthetic" and "synthetic" in ds.attrs["note"]
        assert set(ds["learner"].values) == {"plain", "ewc", "meta m=0", "meta m=1.35", "vcl"}
        a = ds["average_accuracy"].values
        assert np.isfinite(a).all() and (a > 0).all() and (a <= 1).all()
