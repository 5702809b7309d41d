"""k-step and full RSB through the models and the CLI: --level 2rsb ... 8rsb and frsb."""
import json

import numpy as np
import xarray as xr

from cli_run import run_cli


def test_cli_sk_frsb_ground_state():
    """`solve sk --T 0 --level frsb --json` gives the full-RSB ground-state energy (published
    -0.7631667: Crisanti & Rizzo 2002; Oppermann, Schmidt & Sherrington 2007) and q(x) arrays."""
    r = run_cli("solve", "sk", "--T", "0", "--level", "frsb", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert abs(d["energy"] - (-0.7631667)) < 1e-6 and d["converged"]
    assert d["free_energy_error"] < 1e-6
    q = d["parisi"]["q"]
    assert len(q) == d["k_max"] + 1 and q[-1] == 1.0 and all(a < b for a, b in zip(q, q[1:]))


def test_cli_dense_2rsb_capacity_and_solve():
    r = run_cli("capacity", "dense-hebbian", "--P", "4", "--level", "2rsb", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["converged"] and d["tau_c"] > 0.229172 + 5e-4 and abs(d["tau_c"] - 0.2300) < 1e-4
    # alpha = 0.035, T = 0.01: the 1RSB spin glass is Gardner-stable (lambda_1 = 0.75 < 1), so the
    # 2RSB state is the 1RSB one
    from statmech_nn.theory import get_model
    m = get_model("dense-hebbian")
    s1 = m.solve(level="1rsb", P=4, alpha=0.035, T=0.01)
    s2 = m.solve(level="2rsb", P=4, alpha=0.035, T=0.01)
    assert s2.branch == s1.branch == "spin-glass"
    assert abs(s2.free_energy - s1.free_energy) < 1e-12 and s2.stability["replicon_innermost"] < 1


def test_hopfield_2rsb_solve_above_1rsb():
    """Hopfield spin glass at alpha = 0.1, T = 0.5: f_2RSB > f_1RSB (Parisi ordering), converged."""
    from statmech_nn.theory import get_model
    h = get_model("hopfield")
    s1 = h.solve(level="1rsb", alpha=0.1, T=0.5)
    s2 = h.solve(level="2rsb", alpha=0.1, T=0.5)
    assert s2.converged and s2.branch == "spin-glass"
    assert s2.free_energy > s1.free_energy + 1e-7
    assert len(s2.parisi["q"]) == 3


def test_phase_diagram_2rsb_writes_the_staircase(tmp_path):
    out = tmp_path / "sk2.nc"
    r = run_cli("phase-diagram", "sk", "--T", "0.4:0.8:2", "--level", "2rsb", "--out", str(out),
                "--executor", "serial", "--quiet", "--json")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out)
    for v in ("q0", "q1", "q2", "x1", "x2", "free_energy"):
        assert v in ds
    assert np.all(np.diff(np.stack([ds["q0"], ds["q1"], ds["q2"]]), axis=0) > 0)


def test_cli_bad_krsb_level():
    r = run_cli("solve", "sk", "--T", "0.5", "--level", "9rsb")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("solve", "dense-hebbian", "--P", "4", "--alpha", "0.03", "--T", "0.1", "--level", "frsb")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
