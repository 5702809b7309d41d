"""Kill a real sweep process with SIGKILL mid-run, restart it: only the missing points are
recomputed and the final dataset equals an uninterrupted run; the CLI resumes too."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import xarray as xr

from statmech_nn.sweep import status
from statmech_nn.sweep.store import ENGINE
from cli_run import run_cli

SCRIPT = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    from statmech_nn.sweep import Sweep

    def slow(x, y, seed, log=sys.argv[2]):
        rng = np.random.default_rng(seed)
        time.sleep(0.02)
        with open(log, "a") as f:
            f.write(f"{x:.6f} {y:.6f}\\n")
        return {"v": x + y * rng.normal(), "k": int(rng.integers(10**6))}

    if __name__ == "__main__":
        s = Sweep(slow, out=sys.argv[1], executor="serial", seed=7, cache=False, quiet=True,
                  flush_seconds=0.25, block_points=4,
                  x=np.linspace(0, 1, 12), y=np.linspace(-1, 1, 8))
        s.run()
        print(json.dumps({k: s.stats[k] for k in ("points", "computed", "resumed")}))
''')


def _run(script, out, log, **kw):
    return subprocess.Popen([sys.executable, str(script), str(out), str(log)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _points(log):
    return [tuple(line.split()) for line in log.read_text().splitlines()] if log.exists() else []


def test_sigkill_midway_then_resume(tmp_path):
    script = tmp_path / "sweep_script.py"
    script.write_text(SCRIPT)
    out, log1, log2 = tmp_path / "killed.nc", tmp_path / "log1", tmp_path / "log2"
    p = _run(script, out, log1)
    parts = tmp_path / "killed.nc.parts"
    deadline = time.time() + 60
    # wait until the main file has been flushed once and some more blocks are on disk
    while time.time() < deadline and not (out.exists() and len(list(parts.glob("b*.npz"))) >= 2):
        assert p.poll() is None, p.communicate()
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    st = status(out)
    assert st["total"] == 96 and 0 < st["done"] < 96  # partial file is valid netCDF
    done1 = set(_points(log1))
    assert len(done1) < 96

    q = _run(script, out, log2)
    stdout, stderr = q.communicate(timeout=120)
    assert q.returncode == 0, stderr
    stats = json.loads(stdout)
    redo = _points(log2)
    assert stats["computed"] == len(redo) and stats["computed"] + stats["resumed"] == 96
    assert stats["resumed"] >= st["done"] > 0
    # only the block in flight at the kill (at most 4 points) is recomputed
    assert len(set(redo) & done1) <= 4
    assert set(redo) | done1 == {(f"{x:.6f}", f"{y:.6f}") for x in __import__("numpy").linspace(0, 1, 12)
                                 for y in __import__("numpy").linspace(-1, 1, 8)}
    assert not parts.exists()
    # no temporary file of the killed writer is left behind
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]

    ref = tmp_path / "ref.nc"
    r = _run(script, ref, tmp_path / "log3")
    r.communicate(timeout=120)
    assert r.returncode == 0
    a = xr.load_dataset(out, engine=ENGINE)
    b = xr.load_dataset(ref, engine=ENGINE)
    xr.testing.assert_identical(a, b)
    assert a.attrs["sweep_complete"] == 1 and "sweep_done" not in a


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """The CLI in-process (fast): returns (exit code, stdout, stderr)."""
    from statmech_nn.cli.main import main
    monkeypatch.setenv("STATMECH_NN_CACHE", str(tmp_path / "cache"))

    def run(*args):
        capsys.readouterr()
        rc = main(list(args))
        o, e = capsys.readouterr()
        return rc, o, e
    return run


def test_cli_phase_diagram_resume_cache_and_json(tmp_path, cli):
    out = tmp_path / "pd.nc"
    args = ["phase-diagram", "curie-weiss", "--P", "3", "--h", "-0.1:0.1:3", "--T", "0.05:1.2:6",
            "--out", str(out), "--executor", "serial", "--json"]
    rc, o, e = cli(*args)
    assert rc == 0, e
    s = json.loads(o)
    assert s["points"] == 18 and s["computed"] == 18 and s["converged_fraction"] == 1.0
    assert s["out"] == str(out) and s["seconds"] >= 0 and s["dims"] == {"h": 3, "T": 6}
    assert e == ""  # no progress bar without a TTY
    ds = xr.load_dataset(out, engine=ENGINE)
    assert ds["m"].dims == ("h", "T") and ds.attrs["model"] == "curie-weiss"
    assert json.loads(cli(*args)[1])["computed"] == 0  # same command again: nothing to compute
    out2 = tmp_path / "pd2.nc"
    assert json.loads(cli(*[a if a != str(out) else str(out2) for a in args])[1])["cached"] is True
    assert json.loads(cli("cache", "info", "--json")[1])["entries"] == 1
    rc, o, _ = cli("cache", "clear")
    assert rc == 0 and "removed 1" in o
    rc, o, _ = cli(*[a if a != str(out) else str(tmp_path / "pd3.nc") for a in args], "--no-cache")
    assert json.loads(o)["computed"] == 18
    assert json.loads(cli("cache", "info", "--json")[1])["entries"] == 0
    # axis order follows the command line; the last axis is the fast one
    rc, o, _ = cli("phase-diagram", "curie-weiss", "--T", "0.1:1:3", "--h", "0:0.1:2",
                   "--out", str(tmp_path / "o.nc"), "--json", "--branch", "ferromagnet")
    assert rc == 0 and json.loads(o)["dims"] == {"T": 3, "h": 2}
    assert xr.load_dataset(tmp_path / "o.nc", engine=ENGINE).attrs["continuation"] == "h"


@pytest.mark.parametrize("extra,msg", [
    (["--h", "0:0.2:0", "--T", "0.5"], "count must be an integer >= 1"),
    (["--h", "0:0.2", "--T", "0.5"], "start:stop:count"),
    (["--alpha", "0:0.2:3", "--T", "0.5"], "unrecognized arguments"),
    (["--P", "1", "--h", "0:0.2:3", "--T", "0.5"], "P"),
    (["--h", "0:0.2:3", "--T", "0.5", "--scheduler", "tcp://127.0.0.1:9"], "does not answer"),
    (["--h", "0.1", "--T", "0.5"], "range"),
])
def test_cli_bad_input(tmp_path, cli, extra, msg):
    out = tmp_path / "x.nc"
    rc, o, e = cli("phase-diagram", "curie-weiss", *extra, "--out", str(out))
    assert rc == 2
    assert msg in e and len(e.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "x.nc.parts").exists()


def test_cli_bad_input_real_process(tmp_path):
    r = run_cli("phase-diagram", "curie-weiss", "--h", "0:0.2:0", "--T", "0.5", "--out", str(tmp_path / "x.nc"))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "statmech-nn: error: h='0:0.2:0': count must be an integer >= 1, got '0'"]


def test_cli_refuses_foreign_and_corrupt_outputs(tmp_path, cli):
    out = tmp_path / "a.nc"
    base = ["phase-diagram", "curie-weiss", "--h", "0:0.1:2", "--T", "0.2:0.4:2", "--executor", "serial"]
    assert cli(*base, "--P", "3", "--out", str(out))[0] == 0
    rc, _, e = cli(*base, "--P", "4", "--out", str(out))
    assert rc == 2 and "another sweep" in e and "fixed.P: 3.0 there, 4.0 here" in e
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"garbage")
    rc, _, e = cli(*base, "--P", "3", "--out", str(bad))
    assert rc == 2 and "corrupt" in e and len(e.strip().splitlines()) == 1
