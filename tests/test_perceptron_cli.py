"""CLI contract of issue 14: perceptrons and the dense-learning models in ``mc`` and ``compare``,
``solve perceptron-teacher --method state-evolution``; bad input is one line and exit 2."""
import json
import math

import numpy as np
import pytest

from cli_run import run_cli
from statmech_nn.cli.main import main


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_mc_perceptron_plefka_contract(capsys):
    rc, out, _ = run(capsys, "mc", "perceptron-teacher", "--alpha", "1.0", "--N", "300", "--T", "0",
                     "--plefka", "2", "--seed", "3", "--json")
    d = json.loads(out)
    assert rc == 0 and d["converged"] and d["method"] == "tap"
    R = d["observables"]["R"]
    assert 0.45 < R["mean"] < 0.7 and R["err"] is None        # one instance: no error bar
    rc, out, _ = run(capsys, "mc", "perceptron-teacher", "--alpha", "1.0", "--N", "300", "--T", "0",
                     "--plefka", "2", "--seed", "3", "--instances", "3", "--json")
    R = json.loads(out)["observables"]["R"]
    assert rc == 0 and R["err"] > 0 and math.isfinite(R["mean"])


def test_mc_perceptron_sampler_contract(capsys):
    rc, out, _ = run(capsys, "mc", "perceptron-teacher", "--alpha", "1.0", "--N", "400", "--T", "1.0",
                     "--sweeps", "2000", "--seed", "2", "--json", "--quiet")
    d = json.loads(out)
    assert rc == 0
    for k in ("R", "q", "energy", "training_error", "generalization_error"):
        assert set(d["observables"][k]) == {"mean", "err", "tau_int"}, k
        assert all(math.isfinite(v) for v in d["observables"][k].values()), k
    assert abs(d["observables"]["R"]["mean"] - 0.2714) < 0.03 and d["replicas"] == 2


def test_mc_perceptron_storage_exact_and_tempering(capsys):
    rc, out, _ = run(capsys, "mc", "perceptron-storage", "--alpha", "0.8", "--N", "12", "--kappa", "0.2",
                     "--T", "0.5", "--sweeps", "4000", "--exact", "--json", "--quiet")
    d = json.loads(out)
    o, ex = d["observables"]["energy"], d["exact"]["energy"]
    assert rc == 0 and "R" not in d["observables"] and abs(o["mean"] - ex) < 4 * o["err"]
    rc, out, _ = run(capsys, "mc", "perceptron-teacher", "--alpha", "1", "--N", "30", "--betas", "0.5,1,2",
                     "--sweeps", "300", "--json", "--quiet")
    d = json.loads(out)
    assert rc == 0 and len(d["observables"]["R"]["mean"]) == 3 and "pt" in d


@pytest.mark.parametrize("protocol", ["supervised", "unsupervised"])
def test_mc_and_compare_learning_models(capsys, tmp_path, protocol):
    """K = 1, P = 4, r = 0.5, M = 30, T = 0.025: RS m = 0.99208 (test_learning_mc.py)."""
    name = f"dense-hebbian-{protocol}"
    rc, out, _ = run(capsys, "mc", name, "--N", "300", "--K", "1", "--M", "30", "--r", "0.5", "--T", "0.025",
                     "--sweeps", "60", "--json", "--quiet")
    d = json.loads(out)
    assert rc == 0 and d["model"] == name and abs(d["observables"]["m"]["mean"] - 0.992) < 0.02
    rc, out, _ = run(capsys, "compare", name, "--K", "1", "--M", "30", "--r", "0.5", "--Ts", "0.01,0.025",
                     "--N", "200", "--sweeps", "40", "--levels", "rs", "--out", str(tmp_path / "c.png"),
                     "--json", "--quiet")
    d = json.loads(out)
    assert rc == 0 and [v for v in d["theory"]["rs"] if v is not None]


def test_compare_perceptron_teacher_overlays_rs(capsys, tmp_path):
    rc, out, _ = run(capsys, "compare", "perceptron-teacher", "--alphas", "0.5,1.5", "--T", "1", "--N", "100",
                     "--sweeps", "300", "--levels", "rs", "--out", str(tmp_path / "p.png"), "--json", "--quiet")
    d = json.loads(out)
    assert rc == 0 and d["observable"] == "R" and (tmp_path / "p.png").exists()
    th = np.array(d["theory"]["rs"], float)
    assert np.all(np.isfinite(th)) and abs(th[0] - 0.14015) < 1e-4     # RS R at alpha = 0.5, T = 1


def test_solve_state_evolution(capsys):
    rc, out, _ = run(capsys, "solve", "perceptron-teacher", "--alpha", "1.3", "--T", "0", "--method",
                     "state-evolution", "--json")
    d = json.loads(out)
    assert rc == 0 and d["method"] == "state-evolution" and d["branch"] == "poor"
    assert abs(d["order_parameters"]["R"] - 0.7258707) < 1e-6


@pytest.mark.parametrize("argv,needle", [
    (["mc", "perceptron-teacher", "--N", "100", "--alpha", "0.001", "--T", "1"], "too small"),
    (["mc", "perceptron-teacher", "--N", "100000", "--alpha", "2", "--T", "1"], "memory budget"),
    (["mc", "perceptron-teacher", "--N", "100", "--alpha", "1", "--T", "0", "--plefka", "1"], "order=1"),
    (["mc", "perceptron-teacher", "--N", "100", "--alpha", "1", "--K", "3", "--T", "1"], "--K does not apply"),
    (["mc", "perceptron-teacher", "--N", "100", "--T", "1"], "--alpha"),
    (["mc", "perceptron-teacher", "--N", "100", "--alpha", "1", "--T", "1", "--kappa", "0.5"], "kappa"),
    (["mc", "perceptron-storage", "--N", "100", "--alpha", "1", "--T", "1", "--init", "teacher"], "teacher"),
    (["mc", "perceptron-teacher", "--N", "100", "--alpha", "-1", "--T", "1"], "alpha"),
    (["mc", "dense-hebbian-supervised", "--N", "100", "--K", "1", "--T", "1"], "--M"),
    (["solve", "perceptron-teacher", "--alpha", "1", "--T", "0", "--method", "state-evolution",
      "--branch", "poor"], "state-evolution"),
])
def test_bad_input_one_line_exit_2(capsys, argv, needle):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and needle in err, err


def test_bad_input_in_a_subprocess_has_no_traceback():
    p = run_cli("mc", "perceptron-teacher", "--N", "100000", "--alpha", "2", "--T", "0", "--plefka", "2")
    assert p.returncode == 2 and p.stdout == "" and len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr
