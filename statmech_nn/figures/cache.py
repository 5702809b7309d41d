"""Content-addressed cache of built figures, so that a repeated catalogue build costs nothing.

Key: SHA-256 of (recipe name, scale, pdf flag, package version, hash of every source file of
the package). Any change of code or settings gives a new key; recipes are deterministic
(seeded), so a hit is the file the recipe would write. Entries live in
``<cache>/figures/<key>/`` (``$STATMECH_NN_CACHE`` or ``~/.cache/statmech_nn``) with a
``manifest.json``; an entry is written into a temporary directory and renamed, so a build
killed half-way never leaves a partial entry.
"""
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..core.provenance import code_hash

_KEY = re.compile(r"[0-9a-f]{32}")


def key(name, scale, pdf):
    from .. import __version__
    spec = {"recipe": name, "scale": scale, "pdf": bool(pdf), "version": __version__,
            "code": code_hash()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def _root():
    from ..sweep.cache import cache_dir
    return cache_dir() / "figures"


def fetch(k, outdir):
    """Copy a cached entry into ``outdir``; returns the paths, or None on a miss."""
    entry = _root() / k
    try:
        names = json.loads((entry / "manifest.json").read_text())["files"]
    except (OSError, ValueError, KeyError):
        return None
    if not all((entry / n).is_file() for n in names):
        return None
    out = []
    for n in names:
        shutil.copyfile(entry / n, Path(outdir) / n)
        out.append(Path(outdir) / n)
    return out


MARK = "statmech_nn figure cache entry"


def is_entry(path):
    """True for a directory this cache wrote: a key name, a manifest with our mark, and no file
    besides the manifest and the files it lists (anything else there is someone else's)."""
    path = Path(path)
    if not (path.is_dir() and (_KEY.fullmatch(path.name) or path.name.startswith(".tmp-"))):
        return False
    try:
        man = json.loads((path / "manifest.json").read_text())
        files = set(man["files"]) | {"manifest.json"}
        ok = man.get("written_by", MARK) == MARK and isinstance(man["files"], list)  # older
        # entries have no mark; their key name, manifest and file list recognise them
    except (OSError, ValueError, KeyError, TypeError):
        # a temporary directory killed before its manifest was written is empty
        return path.name.startswith(".tmp-") and not any(path.iterdir())
    return ok and all(e.is_file() and e.name in files for e in path.iterdir())


def store(k, paths):
    """Store the files a recipe wrote (best effort: a read-only cache never fails a build)."""
    root = _root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        # the manifest first, so that even a build killed while copying leaves an entry
        # that ``cache clear`` recognises
        (tmp / "manifest.json").write_text(json.dumps({"files": [Path(p).name for p in paths],
                                                       "written_by": MARK}))
        for p in paths:
            shutil.copyfile(p, tmp / Path(p).name)
        if (root / k).exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, root / k)
    except OSError:
        return False
    return True
