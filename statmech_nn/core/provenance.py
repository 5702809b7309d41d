"""Provenance of results: a hash of the package's source code.

Caches key their entries on it (with the package version), so that editing the code
never serves a result computed by older code.
"""
import hashlib
from functools import lru_cache
from pathlib import Path

PKG = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_hash():
    """SHA-256 over every ``.py`` file of the installed package (path and content)."""
    h = hashlib.sha256()
    for f in sorted(PKG.rglob("*.py")):
        h.update(str(f.relative_to(PKG)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()
