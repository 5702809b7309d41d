"""The ``statmech-nn`` CLI in a real subprocess, for tests that check exit codes and stderr."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env=None, timeout=120):
    """``python -m statmech_nn ARGS`` from the repository root; a CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "statmech_nn", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=timeout)
