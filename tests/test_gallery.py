"""Every script of the example gallery (examples/plot_*.py) runs, at tiny sizes."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))


def test_gallery_is_not_empty():
    assert len(SCRIPTS) >= 7


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs(script):
    env = dict(os.environ, STATMECH_NN_GALLERY="tiny", MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, script.name], cwd=EXAMPLES, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
