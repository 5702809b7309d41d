"""Faults (issue 12): nothing of the user's lost, no runaway memory, no orphaned processes.

Each test reproduces one defect of the issue (it failed before the fix)."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cli_run import ROOT, run_cli


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """The CLI in-process: returns (exit code, stdout, stderr)."""
    from statmech_nn.cli.main import main
    monkeypatch.setenv("STATMECH_NN_CACHE", str(tmp_path / "cache"))

    def run(*args):
        capsys.readouterr()
        rc = main(list(args))
        o, e = capsys.readouterr()
        return rc, o, e
    return run


# ---- defect 1: `cache clear` deleted files it did not write ----------------------------------
def test_cache_clear_keeps_files_it_did_not_write(tmp_path, cli):
    from statmech_nn.figures import cache as fcache
    d = tmp_path / "cache"
    (d / "figures" / "mydata").mkdir(parents=True)
    (d / "sweeps").mkdir()
    thesis = d / "figures" / "mydata" / "thesis.tex"
    thesis.write_text("x")
    mine = d / "sweeps" / "mysweep.nc"
    mine.write_text("x")
    # a real sweep entry and a real figure entry
    rc, _, e = cli("phase-diagram", "curie-weiss", "--h", "0:0.1:2", "--T", "0.5:1:2",
                   "--out", str(tmp_path / "o.nc"), "--executor", "serial", "--json")
    assert rc == 0, e
    png = tmp_path / "f.png"
    png.write_bytes(b"png")
    assert fcache.store(fcache.key("capacity-vs-P", "tiny", False), [png])
    # a figure entry a user put a file into is not (only) ours: kept whole
    k2 = fcache.key("x", "tiny", False)
    assert fcache.store(k2, [png])
    (d / "figures" / k2 / "notes.txt").write_text("mine")
    info = json.loads(cli("cache", "info", "--json")[1])
    assert info["entries"] == 1 and info["figure_entries"] == 1 and len(info["other"]) == 3

    rc, o, e = cli("cache", "clear")
    assert rc == 0 and "removed 2" in o and "kept 3" in o and "thesis" not in o
    assert thesis.read_text() == "x" and mine.read_text() == "x"
    assert (d / "figures" / k2 / "notes.txt").exists()
    assert not list((d / "sweeps").glob("[0-9a-f]*.nc"))
    assert json.loads(cli("cache", "clear", "--json")[1])["removed"] == 0


# ---- defect 3: a SIGKILLed sweep left its workers (and the resource tracker) running --------
def _session(sid):
    import psutil
    out = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid and p.status() != psutil.STATUS_ZOMBIE:  # zombies are dead
                out.append(p)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return out


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_sigkilled_sweep_leaves_no_processes(tmp_path, executor):
    psutil = pytest.importorskip("psutil")
    if executor == "dask":
        pytest.importorskip("distributed")
    cmd = [sys.executable, "-m", "statmech_nn", "phase-diagram", "hopfield", "--alpha",
           "0.01:0.16:200", "--T", "0.05:1.2:200", "--out", str(tmp_path / "pd.nc"),
           "--executor", executor, "--workers", "2", "--no-cache", "--quiet"]
    env = dict(os.environ, STATMECH_NN_CACHE=str(tmp_path / "cache"))
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)     # the session id is p.pid
    try:
        t0 = time.monotonic()
        while len(psutil.Process(p.pid).children(recursive=True)) < 2:   # workers are up
            assert p.poll() is None and time.monotonic() - t0 < 60, p.communicate()
            time.sleep(0.2)
        time.sleep(0.5)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        t1 = time.monotonic()
        while _session(p.pid) and time.monotonic() - t1 < 5:
            time.sleep(0.1)
        left = [(q.pid, q.name()) for q in _session(p.pid)]
        assert not left, left
        p.communicate(timeout=5)        # nobody holds the pipes: a reader sees EOF
    finally:
        for q in _session(p.pid):
            q.kill()
