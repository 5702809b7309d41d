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
