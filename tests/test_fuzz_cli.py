"""Property-based fuzzing of the command line (issue 12): every command, arguments drawn from
the declared ``Param`` specs (just inside and just outside their ranges) and from NaN, +-inf,
huge, empty and wrong-typed values.

The contract (README, "Exit codes"): the exit code is 0, 1 or 2; no traceback; on 2 exactly one
stderr line, nothing on stdout and nothing written; on 0 and 1 with --json one JSON object on
stdout and at most one warning line; each run within a time bound and without a jump in peak
memory. Runs are in-process (``cli.main.main``), derandomised, with a fixed number of examples
per command, so the file costs well under a minute; ``test_hostile_input.py`` keeps real
subprocess checks. Models whose single solve takes seconds (``continual``, ``perceptron-field``)
and the 1RSB level are fuzzed with invalid values only (they never reach a solver).
"""
import contextlib
import io
import json
import math
import os
import resource
import time
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from statmech_nn.core.errors import ParameterError  # noqa: E402
from statmech_nn.theory.registry import get_model, model_names  # noqa: E402


def fuzz(n):
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


TIME_LIMIT = 60.0            # seconds per run (generous: CI machines are shared)
PEAK_GROWTH = 600e6          # bytes of new peak RSS per run (the budget below is 256 MiB)
GARBAGE = ["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "", " ", "abc", "1,2", "0x10",
           "True", "None", "1e-320", "-0.0"]
SLOW = {"continual", "perceptron-field"}
BASE = {   # valid and fast (well under a second each)
    "hopfield": {"alpha": "0.05", "T": "0.2"},
    "dense-hebbian": {"P": "4", "alpha": "0.01", "T": "0.05"},
    "sk": {"h": "0.1", "T": "0.5"},
    "curie-weiss": {"P": "3", "h": "0", "T": "0.5"},
    "dense-hebbian-supervised": {"P": "4", "alpha": "0.01", "r": "0.5", "M": "30", "T": "0"},
    "dense-hebbian-unsupervised": {"P": "4", "alpha": "0.005", "r": "0.5", "M": "30", "T": "0"},
    "perceptron-storage": {"alpha": "0.5"},
    "perceptron-teacher": {"alpha": "1", "T": "0.5"},
    "perceptron-field": {"alpha": "1", "T": "0.5"},
    "continual": {"alpha1": "1", "alpha2": "1", "r0": "0", "T": "0.2"},
}
T_VALUES = ["0", "5e-324", "1e-300", "1e300", "-1e-300", "0.0", "1e6"]
BETA_VALUES = ["inf", "0", "1e-300", "1e300", "-1", "5e-324"]


def edges(p):
    """CLI strings at the edges of Param ``p``'s range (just inside and just outside), or its
    choices."""
    if p.kind == "choice":
        return list(p.choices) + ["foo", str(p.choices[0]).upper()]
    if p.kind in ("int", "even"):
        lo = int(p.lo if p.lo is not None else 0)
        ints = [lo - 2, lo - 1, lo, lo + 1, lo + 2, 10 ** 30]
        if p.hi is not None:
            ints += [int(p.hi) - 1, int(p.hi), int(p.hi) + 1, int(p.hi) + 2]
        return [str(i) for i in ints] + ["2.5", "4.0"]
    out = []
    for e in (p.lo, p.hi):
        if e is not None:
            out += [e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf), e - 1, e + 1]
    if p.lo is None and p.hi is None:
        out += [0.0, -1.0, 1e6, -1e6]
    return [repr(float(x)) for x in out]


def values(p):
    """Edges and garbage for ``p``, half of the draws each."""
    return st.one_of(st.sampled_from(edges(p)), st.sampled_from(GARBAGE))


def valid(p, text):
    try:
        p.check(float(text) if p.kind != "choice" else text)
        return True
    except (ParameterError, ValueError, OverflowError):
        return False


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    return d


def _tree(d):
    return sorted(str(p.relative_to(d)) for p in Path(d).rglob("*"))


def run(argv, sandbox, expect_json=True):
    """Run the CLI in-process inside ``sandbox`` and assert the contract; returns (rc, out)."""
    before = _tree(sandbox)
    old_cwd, old_env = os.getcwd(), dict(os.environ)
    os.environ.update(STATMECH_NN_CACHE=str(sandbox / "cache"), STATMECH_NN_MEMORY_BUDGET="256M")
    from statmech_nn.cli.main import main
    o, e = io.StringIO(), io.StringIO()
    peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.monotonic()
    try:
        os.chdir(sandbox)
        with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
            try:
                rc = main(list(argv))
            except SystemExit as exc:             # argparse --help/--version only
                rc = exc.code
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
    dt = time.monotonic() - t0
    out, err = o.getvalue(), e.getvalue()
    msg = f"{argv} -> {rc}\nstdout: {out[:300]}\nstderr: {err[:600]}"
    assert rc in (0, 1, 2), msg
    assert "Traceback" not in err, msg
    assert dt < TIME_LIMIT, msg
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak0 < PEAK_GROWTH, msg
    lines = err.strip().splitlines()
    if rc == 2:
        assert len(lines) == 1 and out == "", msg
        assert _tree(sandbox) == before, msg + "\n(files written on exit 2)"
    else:
        assert len([ln for ln in lines if "warning" in ln]) <= 1, msg
        if expect_json and "--json" in argv:
            assert isinstance(json.loads(out), dict), msg
    return rc, out


def opt(name, value):
    return f"--{name}={value}"


# ---- solve / capacity ---------------------------------------------------------------------------
CAP_BASE = {"hopfield": {}, "dense-hebbian": {"P": "4"}, "sk": {}, "curie-weiss": {"P": "3"},
            "dense-hebbian-supervised": {"P": "4", "r": "0.5", "M": "30"},
            "dense-hebbian-unsupervised": {"P": "4", "r": "0.5", "M": "30"},
            "perceptron-storage": {}, "perceptron-teacher": {}, "perceptron-field": {},
            "continual": {"alpha1": "1", "alpha2": "1", "r0": "0"}}


@st.composite
def model_args(draw, command):
    name = draw(st.sampled_from(model_names()))
    model = get_model(name)
    base = dict(BASE[name] if command == "solve" else CAP_BASE[name])
    params = {p.name: p for p in model.params}
    keys = sorted(set(params) | ({"T", "beta"} if command == "solve" and model.has_temperature
                                 else set()))
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(keys))
        if key in params:
            if name in SLOW:
                pool = st.sampled_from([v for v in edges(params[key]) + GARBAGE
                                        if not valid(params[key], v)])
            else:
                pool = values(params[key])
        else:
            pool = st.sampled_from(GARBAGE + (T_VALUES if key == "T" else BETA_VALUES))
            if name in SLOW:
                pool = st.sampled_from([v for v in GARBAGE + BETA_VALUES
                                        if v not in ("-0.0", "1e-320", "1e308", "inf", "1e300", "1e-300", "5e-324")])
        base.pop({"T": "beta", "beta": "T"}.get(key), None)
        base[key] = draw(pool)
    level = draw(st.sampled_from(["rs"] * 5 + ["1rsb", "foo", ""]))
    if level == "1rsb":                       # slow at valid points: make the point invalid
        base[next(iter(params))] = "nan"
    return [command, name] + [opt(k, v) for k, v in base.items()] + [opt("level", level), "--json"]


@fuzz(45)
@given(argv=model_args("solve"))
def test_fuzz_solve(argv, sandbox):
    run(argv, sandbox)


@fuzz(25)
@given(argv=model_args("capacity"))
def test_fuzz_capacity(argv, sandbox):
    run(argv, sandbox)


# ---- phase-diagram ----------------------------------------------------------------------------
AXES = ["0:0.1:2", "0.1,0.2", "0.1,,0.2", "0.1,0.1", "0:0.1:0", "0:0.1", "a:1:3", "0:1:1e3",
        "0:1:1000000000000", "nan:1:3", "0:inf:3", "", ",", "0.5", "1e308:1e309:2", "-1:-2:2",
        "0:0:3", "0:1:-3"]


@fuzz(14)
@given(name=st.sampled_from(["curie-weiss", "hopfield", "sk"]), ax=st.sampled_from(AXES),
       T=st.sampled_from(["0.5", "0.2:0.4:2", "inf", "-1:1:3", ""]),
       out=st.sampled_from(["pd.nc", "", "sub/dir/pd.nc", "."]))
def test_fuzz_phase_diagram(name, ax, T, out, sandbox):
    axis = {"curie-weiss": "h", "hopfield": "alpha", "sk": "h"}[name]
    argv = ["phase-diagram", name, opt(axis, ax), opt("T", T), opt("out", out), "--executor",
            "serial", "--json", "--quiet"]
    if name == "curie-weiss":
        argv += ["--P", "3"]
    rc, _ = run(argv, sandbox)
    for p in Path(sandbox).glob("*.nc"):          # fresh output for the next example
        p.unlink()


# ---- threshold ----------------------------------------------------------------------------------
@fuzz(14)
@given(data=st.data())
def test_fuzz_threshold(data, sandbox):
    name = data.draw(st.sampled_from(["dense-hebbian-supervised", "dense-hebbian-unsupervised"]))
    model = get_model(name)
    params = {p.name: p for p in model.params if p.name in ("P", "alpha", "r", "b", "N", "law")}
    args = {"P": "4", "alpha": "0.02", "r": "0.3"}
    key = data.draw(st.sampled_from(sorted(params) + ["T", "M-max"]))
    if key in params:
        args[key] = data.draw(values(params[key]))
    else:   # a valid T > 0 makes a threshold search take a minute: invalid ones only
        args[key] = data.draw(st.sampled_from(GARBAGE + ["-1", "0.5", "1"] if key == "M-max"
                                              else [v for v in GARBAGE if v not in ("-0.0", "1e-320", "1e308")]))
    run(["threshold", name] + [opt(k, v) for k, v in args.items()] + ["--json"], sandbox)


# ---- mc and compare -----------------------------------------------------------------------------
MC_OPTS = {
    "N": GARBAGE + ["0", "1", "2", "3", "1000000000", "2.5", "-5"],
    "K": GARBAGE + ["0", "1", "100000000", "-1", "2.5"],
    "alpha": GARBAGE + ["0", "1e-9", "1e9"],
    "T": GARBAGE + T_VALUES,
    "beta": GARBAGE + BETA_VALUES,
    "P": GARBAGE + ["2", "3", "4", "6", "100", "-4"],
    "sweeps": ["0", "-1", "", "abc", "2.5", "1e3", "1", "3"],
    "burn": GARBAGE + ["0", "5", "10", "-1"],
    "chains": GARBAGE + ["0", "1", "2", "1000000000", "-1"],
    "replicas": ["0", "1", "2", "3", "", "x"],
    "seed": GARBAGE + ["-1", "0", str(2 ** 70)],
    "field": GARBAGE + ["0", "1e6"],
    "betas": GARBAGE + ["1,0.5", "0.5,1,2", "1,1", ",", "inf,1"],
    "observables": ["", "foo", "energy,foo", "q", "energy,,m", ","],
    "representation": ["coupling", "real", "mattis", "foo"],
}


MC_BASE = {"hopfield": {"K": "2"}, "dense-hebbian": {"K": "2"}, "sk": {}, "curie-weiss": {},
           "perceptron-teacher": {"alpha": "1"}, "perceptron-storage": {"alpha": "0.5"},
           "dense-hebbian-supervised": {"P": "4", "K": "2", "M": "5", "r": "0.5"},
           "dense-hebbian-unsupervised": {"P": "2", "K": "2", "M": "5", "r": "0.5"}}
MC_OPTS.update({"M": GARBAGE + ["0", "1", "1000000000"], "r": GARBAGE + ["0", "1", "1.5", "-0.5"],
                "kappa": GARBAGE + ["0", "-1", "1e6"]})


@fuzz(36)
@given(model=st.sampled_from(sorted(MC_BASE)), data=st.data())
def test_fuzz_mc(model, data, sandbox):
    args = {"N": "24", "T": "0.5", "sweeps": "10", "chains": "1", **MC_BASE[model]}
    for _ in range(data.draw(st.integers(1, 2))):
        key = data.draw(st.sampled_from(sorted(MC_OPTS)))
        if key in ("beta", "betas"):
            args.pop("T", None)
        args[key] = data.draw(st.sampled_from(MC_OPTS[key]))
    run(["mc", model] + [opt(k, v) for k, v in args.items()] + ["--json", "--quiet"], sandbox)


@fuzz(5)
@given(key=st.sampled_from(["Ts", "levels", "observable", "out", "sizes", "alphas"]), data=st.data())
def test_fuzz_compare(key, data, sandbox):
    args = {"alpha": "0.05", "Ts": "0.5", "N": "16", "sweeps": "5", "levels": "rs", "out": "c.png"}
    pool = {"Ts": ["", ",", "0.5,nan", "inf", "0.5"], "levels": ["foo", "", "rs,foo", "1rsb"],
            "observable": ["foo", "q", "energy", ""], "out": ["", ".", "fig", "x.png"],
            "sizes": ["", "0", "-5", "16,abc"], "alphas": ["0.05", "", "nan"]}[key]
    args[key] = data.draw(st.sampled_from(pool))
    run(["compare", "hopfield"] + [opt(k, v) for k, v in args.items()] + ["--json", "--quiet"], sandbox)
    for p in Path(sandbox).glob("*.png"):
        p.unlink()


# ---- continual (multilayer networks), cache, figures, validate ----------------------------------
CONTINUAL_OPTS = {
    "hidden": ["", ",", "4,", "0", "-4", "4,abc", "4", "1e9"],
    "n-tasks": ["0", "-1", "", "2.5", "1"],
    "epochs": ["0", "-1", "", "x"],
    "lr": GARBAGE + ["0", "-0.1"],
    "batch-size": ["0", "-1", "", "1e9"],
    "beta": GARBAGE + ["0", "-1"],
    "n-train": ["0", "-1", "", "1000000000"],
    "seed": ["-1", "", "x"],
    "out": ["", ".", "c.nc"],
}


@fuzz(10)
@given(key=st.sampled_from(sorted(CONTINUAL_OPTS)), data=st.data())
def test_fuzz_continual(key, data, sandbox):
    args = {"tasks": "synthetic", "n-tasks": "2", "epochs": "1", "hidden": "4", "n-train": "40"}
    args[key] = data.draw(st.sampled_from(CONTINUAL_OPTS[key]))
    run(["continual", "--quick", "--json", "--quiet"] + [opt(k, v) for k, v in args.items()], sandbox)
    for p in Path(sandbox).glob("*.nc"):
        p.unlink()


@fuzz(10)
@given(argv=st.sampled_from([
    ["cache", "info", "--json"], ["cache", "clear", "--json"], ["cache", "foo"], ["cache"],
    ["figures", "--list"], ["figures", "no-such-figure"], ["figures", ""],
    ["validate", "--list"], ["validate", "no-such-check"], ["validate", ""], ["--version"],
    ["no-such-command"], [], ["solve"], ["solve", "no-such-model"], ["mc"], ["--help"]]))
def test_fuzz_other_commands(argv, sandbox):
    run(argv, sandbox, expect_json="--json" in argv)
