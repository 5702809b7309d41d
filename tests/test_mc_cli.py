"""CLI: ``statmech-nn mc`` and ``statmech-nn compare``."""
import json

import numpy as np
import pytest

from statmech_nn.cli.main import main


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_mc_json_schema(capsys):
    rc, out, err = run(capsys, "mc", "hopfield", "--N", "60", "--alpha", "0.05", "--T", "0.5",
                       "--sweeps", "150", "--seed", "3", "--json", "--quiet")
    assert rc == 0
    d = json.loads(out)
    for k in ("energy", "m"):
        assert set(d["observables"][k]) >= {"mean", "err"}
        assert np.isfinite(d["observables"][k]["err"])
    assert "tau_int" in d and "acceptance" in d and 0 < d["acceptance"] < 1
    assert d["observables"]["m"]["mean"] > 0.5
    # same seed -> same numbers
    rc, out2, _ = run(capsys, "mc", "hopfield", "--N", "60", "--alpha", "0.05", "--T", "0.5",
                      "--sweeps", "150", "--seed", "3", "--json", "--quiet")
    d2 = json.loads(out2)
    assert d2["observables"] == d["observables"]


def test_mc_sk_two_replicas_and_ladder(capsys):
    rc, out, _ = run(capsys, "mc", "sk", "--N", "40", "--T", "1.5", "--sweeps", "100", "--json")
    d = json.loads(out)
    assert rc == 0 and "q" in d["observables"] and d["replicas"] == 2
    rc, out, _ = run(capsys, "mc", "sk", "--N", "40", "--betas", "0.5,1,1.5", "--sweeps", "100",
                     "--json")
    d = json.loads(out)
    assert rc == 0 and len(d["observables"]["energy"]["mean"]) == 3 and "pt" in d


def test_mc_exact_and_plefka(capsys):
    rc, out, _ = run(capsys, "mc", "dense-hebbian", "--N", "10", "--K", "2", "--T", "0.1",
                     "--sweeps", "200", "--exact", "--json")
    d = json.loads(out)
    assert rc == 0 and "exact" in d and np.isfinite(d["exact"]["energy"])
    rc, out, _ = run(capsys, "mc", "hopfield", "--N", "200", "--K", "4", "--T", "0.5",
                     "--plefka", "2", "--json")
    d = json.loads(out)
    assert rc == 0 and d["observables"]["m"]["mean"] > 0.9


@pytest.mark.parametrize("argv,needle", [
    (["mc", "dense-hebbian", "--N", "6", "--alpha", "1e-5", "--T", "1"], "too small"),
    (["mc", "sk", "--N", "10", "--betas", "1,0.5"], "increasing"),
    (["mc", "hopfield", "--N", "20", "--K", "2", "--T", "1", "--observables", "energy,foo"],
     "unknown observable"),
    (["mc", "hopfield", "--N", "20", "--K", "2"], "exactly one of"),
    (["mc", "sk", "--N", "20", "--K", "3", "--T", "1"], "no patterns"),
    (["mc", "potts", "--N", "20", "--T", "1"], "invalid choice"),
])
def test_mc_bad_input_exit_2(capsys, argv, needle):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_compare_writes_figure_with_theory(capsys, tmp_path):
    path = tmp_path / "cmp.png"
    rc, out, err = run(capsys, "compare", "hopfield", "--alpha", "0.05", "--Ts", "0.3,0.8",
                       "--sizes", "50,100", "--sweeps", "120", "--levels", "rs", "--out",
                       str(path), "--json", "--quiet")
    assert rc == 0 and path.exists()
    d = json.loads(out)
    assert set(d["mc"]) == {"50", "100"}
    rs = [v for v in d["theory"].get("rs", []) if v is not None]
    assert rs, f"no RS theory values; notes: {d['notes']}"
