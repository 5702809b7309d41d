"""The permuted-MNIST table in README.md and docs/deepcl.md is computed from the committed run
files (docs/results/permuted-mnist/*.nc, written by ``benchmarks/permuted_mnist.py``), not
typed by hand; the runs are the documented setting and every task was learned."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "docs" / "results" / "permuted-mnist"


def _bench():
    spec = importlib.util.spec_from_file_location("pm", ROOT / "benchmarks" / "permuted_mnist.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def recorded():
    return json.loads((RUNS / "table.json").read_text())


def test_runs_are_the_documented_setting(recorded):
    xr = pytest.importorskip("xarray")
    pm = _bench()
    s = recorded["settings"]
    assert s["tasks"] == "permuted-mnist" and s["n_tasks"] == 10
    for learner in pm.LEARNERS:
        for seed in s["seeds"]:
            with xr.open_dataset(pm._file(RUNS, learner, seed)) as ds:
                assert ds.attrs["tasks"] == "permuted-mnist"
                assert ds.attrs["source"].startswith("MNIST")
                assert ds.attrs["seed"] == seed
                assert ds.attrs["param_sizes"] == f"(784, {s['hidden'].replace(',', ', ')}, 10)"
                assert int(ds.attrs["param_epochs"]) == s["epochs"]
                assert ds.attrs["method"] == pm.LEARNERS[learner][1]
                A = ds["acc_matrix"].values
                # every task was learned: well above chance (0.1) right after its training
                assert np.all(np.diag(A) > 0.5), (learner, seed, np.diag(A))


def test_table_is_computed_from_the_runs(recorded):
    pytest.importorskip("xarray")
    pm = _bench()
    s = recorded["settings"]
    rows = pm.table(RUNS, s["seeds"])
    for learner, r in rows.items():
        assert r["seeds"] == s["seeds"]
        for key in ("after_5", "after_10", "task1_final"):
            np.testing.assert_allclose(r[key]["values"], recorded["rows"][learner][key]["values"],
                                       rtol=0, atol=1e-12)
    table = pm.markdown(rows)
    for doc in ("README.md", "docs/deepcl.md"):
        text = (ROOT / doc).read_text()
        for line in table.splitlines()[2:]:
            assert line in text, f"{doc} lacks the table row {line!r}"
