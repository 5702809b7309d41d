"""Hostile input (issue 12, defects 2 and 4-10): one-line errors with exit code 2, ParameterError
from the Python API, nothing computed or written for bad input, and the infinity policy.

Each case failed before the fix (a traceback, a wrong exit code, a silently accepted value)."""
import contextlib
import io
import json
import math

import numpy as np
import pytest

from statmech_nn.cli.main import main
from statmech_nn.core.errors import ParameterError, check_int, check_range, temperature
from statmech_nn.theory import get_model

from cli_run import run_cli


def cli(*argv):
    """The CLI in-process: (exit code, stdout, stderr)."""
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        rc = main([str(a) for a in argv])
    return rc, o.getvalue(), e.getvalue()


def assert_bad_input(argv, *words):
    rc, out, err = cli(*argv)
    assert rc == 2 and out == "", (argv, rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("statmech-nn: error:"), (argv, err)
    for w in words:
        assert w in lines[0], (argv, lines[0])
    return lines[0]


# ---- defect 4: tracebacks instead of exit 2 -------------------------------------------------
@pytest.mark.parametrize("argv,words", [
    (["solve", "hopfield", "--alpha", "0.05", "--T", "inf"], ["T=inf", "[0, inf)"]),
    (["solve", "curie-weiss", "--P", "3", "--T", "inf"], ["T=inf"]),
    (["solve", "perceptron-teacher", "--alpha", "1", "--T", "inf"], ["T=inf"]),
    (["threshold", "dense-hebbian-unsupervised", "--P", "4", "--alpha", "0.005", "--r", "0.5",
      "--T", "inf"], ["T=inf"]),
    (["mc", "hopfield", "--N", "50", "--alpha", "0.05", "--T", "inf", "--sweeps", "10"], ["T=inf"]),
    (["solve", "dense-hebbian-supervised", "--P", "4", "--alpha", "0", "--T", "0", "--r", "0.5",
      "--M", "inf"], ["M=inf"]),
    (["solve", "dense-hebbian", "--P", "1000000", "--alpha", "0.01", "--T", "0"], ["P=1000000", "<= 170"]),
    (["solve", "continual", "--alpha1", "inf", "--alpha2", "2", "--r0", "0", "--T", "0.05"],
     ["alpha1=inf"]),
    (["capacity", "sk"], ["sk has no capacity"]),
    (["capacity", "continual"], ["continual has no capacity"]),
    (["compare", "hopfield", "--alpha", "0.05", "--Ts", "0.5", "--N", "20", "--sweeps", "10",
      "--observable", "foo"], ["observable='foo'"]),
])
def test_cli_one_line_errors(argv, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_bad_input(argv, *words)
    assert list(tmp_path.iterdir()) == []                 # nothing written


def test_real_process_no_traceback():
    for args in (["solve", "hopfield", "--alpha", "0.05", "--T", "inf"], ["capacity", "sk"]):
        p = run_cli(*args)
        assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1


def test_api_raises_parameter_error_not_arithmetic_errors():
    from statmech_nn import mc
    cases = [
        (get_model("hopfield").solve, dict(alpha=0.05, T=math.inf)),
        (get_model("curie-weiss").solve, dict(P=3, T=math.inf)),
        (get_model("perceptron-teacher").solve, dict(alpha=1, T=math.inf)),
        (get_model("dense-hebbian-supervised").solve, dict(P=4, alpha=0, T=0, r=0.5, M=math.inf)),
        (get_model("dense-hebbian").solve, dict(P=1_000_000, alpha=0.01, T=0)),
        (get_model("dense-hebbian").capacity, dict(P=100_000)),
        (get_model("continual").solve, dict(alpha1=math.inf, alpha2=2, r0=0, T=0.05)),
        (get_model("sk").capacity, {}),
        (get_model("hopfield").solve, dict(alpha=True, T=0.2)),       # a bool is not a number
        (lambda **kw: mc.Sampler(mc.hopfield(20, K=2), **kw), dict(T=math.inf)),
        (get_model("dense-hebbian-unsupervised").threshold, dict(alpha=0.005, r=0.5, T=math.inf)),
    ]
    for fn, kw in cases:
        with pytest.raises(ParameterError):
            fn(**kw)
    with pytest.raises(NotImplementedError):                 # still catchable that way
        get_model("continual").capacity()


# ---- the infinity policy (core/errors.py) -----------------------------------------------------
def test_infinity_policy():
    assert temperature(beta=math.inf) == {"beta": math.inf, "T": 0.0}      # T = 0: ground state
    assert temperature(T=0) == {"beta": math.inf, "T": 0.0}
    for bad in (dict(T=math.inf), dict(T=math.nan), dict(beta=0.0), dict(beta=1e-320),
                dict(beta=math.nan), dict(T=-0.1)):
        with pytest.raises(ParameterError):
            temperature(**bad)
    assert check_range("x", math.inf, lo=0, hi=math.inf) == math.inf        # range says (.., inf]
    for v in (math.inf, -math.inf, math.nan, True, np.bool_(True), "abc", None, 10 ** 400):
        with pytest.raises(ParameterError):
            check_range("x", v, lo=0)
    for v in (math.inf, 2.5, True, "4"[:0]):
        with pytest.raises(ParameterError):
            check_int("P", v, lo=2)
    # messages show plain numbers, not numpy reprs
    with pytest.raises(ParameterError, match=r"alpha=-0\.1 is outside") as e:
        get_model("hopfield").solve(alpha=np.float64(-0.1), T=0.2)
    assert "np." not in str(e.value)
    # grids follow the same policy
    with pytest.raises(ParameterError, match="T=inf"):
        get_model("curie-weiss").solve_batch(P=3, h=np.zeros(2), T=np.array([0.5, np.inf]))
    with pytest.raises(ParameterError, match="T=inf"):
        get_model("dense-hebbian").solve_batch(P=4, alpha=np.full(2, 0.01), T=np.array([0.1, np.inf]))


# ---- defect 5: spherical perceptron above alpha_c = 2 -----------------------------------------
def test_spherical_perceptron_above_capacity_is_flagged():
    rc, out, err = cli("solve", "perceptron-storage", "--alpha", "3", "--weights", "spherical", "--json")
    d = json.loads(out)
    assert rc == 1 and d["converged"] is False and d["branch"] == "above-capacity"
    assert d["entropy"] == "-inf" and "capacity" in d["message"]
    assert len(err.strip().splitlines()) == 1 and err.startswith("statmech-nn: warning:")
    below = get_model("perceptron-storage").solve(alpha=1.9, weights="spherical")
    assert below.converged and below.branch == "solutions" and below.entropy > -10


# ---- defect 7: inf and absurd values ----------------------------------------------------------
@pytest.mark.parametrize("argv,word", [
    (["solve", "hopfield", "--alpha", "inf", "--T", "0.2"], "alpha=inf"),
    (["threshold", "dense-hebbian-supervised", "--P", "4", "--alpha", "inf", "--r", "0.3"], "alpha=inf"),
    (["solve", "sk", "--h", "inf", "--T", "0.5"], "h=inf"),
    (["solve", "hopfield", "--alpha", "1e308", "--T", "0.2"], "[0, 1e6]"),
    (["solve", "dense-hebbian", "--P", "4", "--gamma", "1e300", "--T", "0.2"], "gamma"),
    (["solve", "perceptron-teacher", "--alpha", "1e9", "--T", "0.5"], "alpha"),
])
def test_inf_and_absurd_values_rejected(argv, word):
    assert_bad_input(argv, word)


def test_large_but_allowed_loads_stay_physical():
    """At the top of the allowed load range the entropy is still below ln 2 (it was 4e154)."""
    r = get_model("hopfield").solve(alpha=1e6, T=0.2)
    assert r.converged and -1 < r.entropy < math.log(2)
    t = get_model("perceptron-teacher").solve(alpha=1e6, T=50)   # was a 74 GiB path array
    assert t.converged and t.branch == "good"


# ---- defect 8: --b without --N ---------------------------------------------------------------
def test_b_needs_N():
    assert_bad_input(["threshold", "dense-hebbian-supervised", "--P", "4", "--alpha", "0.02",
                      "--r", "0.3", "--b", "1"], "b", "N")
    with pytest.raises(ParameterError, match="needs N"):
        get_model("dense-hebbian-supervised").solve(P=4, alpha=0.02, r=0.3, M=10, T=0, b=1)
    r = get_model("dense-hebbian-supervised").solve(P=4, alpha=0.02, r=0.3, M=10, T=0, b=1, N=100)
    assert r["alpha_eff"] == pytest.approx(0.02 * 100 ** (1 - 3))


# ---- defect 9: no numpy warning before the one error line; one warning line otherwise ---------
def test_exit_2_has_no_warnings_and_warnings_are_one_line():
    assert_bad_input(["threshold", "dense-hebbian-supervised", "--P", "4", "--alpha", "0.02",
                      "--r", "0.3", "--M-max", "-5"], "M_max")
    rc, out, err = cli("solve", "hopfield", "--alpha", "0.05", "--T", "0.2", "--level", "1rsb",
                       "--branch", "retrieval", "--json")
    assert rc in (0, 1) and json.loads(out)
    assert len([ln for ln in err.splitlines() if "warning" in ln]) <= 1 and "Traceback" not in err


# ---- defect 10: cosmetic ---------------------------------------------------------------------
def test_compare_out_levels_and_lists(tmp_path):
    base = ["compare", "hopfield", "--alpha", "0.05", "--N", "20", "--sweeps", "10", "--quiet"]
    assert_bad_input(base + ["--Ts", "0.5", "--levels", "foo", "--out", tmp_path / "a.png"], "level='foo'")
    assert_bad_input(base + ["--Ts", "", "--out", tmp_path / "a.png"], "--Ts")
    assert_bad_input(base + ["--Ts", "0.5", "--out", ""], "--out")
    assert_bad_input(base + ["--Ts", "0.5", "--out", tmp_path], "directory")
    assert list(tmp_path.iterdir()) == []
    rc, out, _ = cli(*base, "--Ts", "0.5", "--levels", "rs", "--out", tmp_path / "fig")
    assert rc == 0 and out.splitlines()[0] == f"figure: {tmp_path / 'fig.png'}"
    assert (tmp_path / "fig.png").is_file()                 # the printed path is the file


def test_cosmetic_cli_cases(tmp_path):
    assert_bad_input(["capacity", "dense-hebbian", "--P", "100000"], "P=100000", "170")
    assert_bad_input(["solve", "hopfield", "--alpha", "-0.1", "--T", "0.2"], "alpha=-0.1")
    pd = ["phase-diagram", "curie-weiss", "--P", "3", "--T", "0.5", "--executor", "serial"]
    assert_bad_input(pd + ["--h", "0.1,,0.2", "--out", tmp_path / "a.nc"], "empty entry")
    assert_bad_input(pd + ["--h", "0.1,0.2,0.1", "--out", tmp_path / "a.nc"], "more than once")
    assert_bad_input(pd + ["--h", "0:0.1:3", "--out", ""], "out=''")
    assert_bad_input(pd + ["--h", "0:0.1:1000000000000", "--out", tmp_path / "a.nc"], "memory budget")
    assert_bad_input(["continual", "--hidden", "", "--quick", "--json"], "--hidden")
    assert_bad_input(["continual", "--quick", "--out", "", "--json"], "--out")
    assert list(tmp_path.iterdir()) == []


def test_memory_budget_refuses_huge_allocations(monkeypatch):
    monkeypatch.setenv("STATMECH_NN_MEMORY_BUDGET", "256M")
    assert_bad_input(["mc", "hopfield", "--N", "100", "--alpha", "0.05", "--T", "0.5",
                      "--chains", "100000", "--sweeps", "10"], "memory budget", "chains")
    from statmech_nn.sweep import parse_range
    with pytest.raises(ParameterError, match="memory budget"):
        parse_range("alpha", "0.1:0.2:1000000000000")
