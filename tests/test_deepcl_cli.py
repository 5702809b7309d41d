"""``statmech-nn continual``: JSON output, netCDF file, exit code 2 with one stderr line."""
import json

import numpy as np
import pytest

from statmech_nn.cli.main import main


def test_continual_quick_json_and_netcdf(tmp_path, capsys):
    out = tmp_path / "res.nc"
    rc = main(["continual", "--method", "vcl", "--tasks", "synthetic", "--quick", "--n-tasks",
               "2", "--epochs", "1", "--hidden", "16,16", "--json", "--out", str(out)])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["method"] == "vcl" and d["n_tasks"] == 2
    A = np.array([[np.nan if v is None else v for v in row] for row in d["acc_matrix"]])
    assert A.shape == (2, 2) and np.isnan(A[0, 1])
    assert d["final_average_accuracy"] == pytest.approx(np.mean(A[1]))
    import xarray as xr
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["acc_epoch"].shape == (2, 2)
        np.testing.assert_allclose(ds["acc_matrix"].values, A)


def test_continual_text_output(capsys):
    rc = main(["continual", "--method", "meta", "--meta", "0", "--tasks", "synthetic", "--quick",
               "--n-tasks", "2", "--epochs", "1", "--hidden", "16", "--quiet"])
    assert rc == 0
    assert "final_average_accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["--lr", "-0.01"], "learning rate"),
    (["--beta", "-1"], "beta"),
    (["--method", "meta", "--meta", "-1"], "meta"),
    (["--method", "plain", "--meta", "1.35"], "--meta"),
    (["--tasks", "permuted-mnist", "--data-dir", "EMPTY"], "train-images-idx3-ubyte"),
    (["--tasks", "mnist-fashion", "--n-tasks", "3", "--data-dir", "EMPTY"], "n_tasks"),
    (["--hidden", "a,b"], "--hidden"),
])
def test_continual_bad_input_exit_2(argv, needle, tmp_path, capsys):
    argv = [str(tmp_path) if a == "EMPTY" else a for a in argv]
    rc = main(["continual", "--quick", "--epochs", "1"] + argv)
    err = capsys.readouterr().err
    assert rc == 2
    assert needle in err and len(err.strip().splitlines()) == 1
