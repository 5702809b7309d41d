"""Content-addressed result cache.

A finished sweep is stored as ``<cache>/sweeps/<fingerprint>.nc`` where the
fingerprint is the SHA-256 of the sweep specification: model (or function and its
source), level, branch, continuation, axes values, fixed parameters, solver settings,
block layout, seed, package version and a hash of the package's source code (so an
edited package never serves results of older code). The cache directory is ``$STATMECH_NN_CACHE``
or ``~/.cache/statmech_nn``. A cached entry that is unreadable or whose stored
fingerprint differs is reported (ParameterError), never used.
"""
import os
import shutil
from pathlib import Path

from .store import check_dataset, read_dataset, write_atomic


def cache_dir():
    d = os.environ.get("STATMECH_NN_CACHE")
    return Path(d).expanduser() if d else Path.home() / ".cache" / "statmech_nn"


def entry_path(fingerprint):
    return cache_dir() / "sweeps" / f"{fingerprint}.nc"


def lookup(fingerprint, spec):
    path = entry_path(fingerprint)
    if not path.exists():
        return None
    ds = read_dataset(path, what="cache")
    try:
        check_dataset(ds, fingerprint, spec, path, what="cache")
    except Exception as exc:
        raise type(exc)(f"{exc} (run 'statmech-nn cache clear' or use --no-cache)") from None
    if not int(ds.attrs.get("sweep_complete", 0)):
        from ..core.errors import ParameterError
        raise ParameterError(f"cache file {path} is incomplete; run 'statmech-nn cache clear'")
    return ds


def store(fingerprint, ds):
    try:
        write_atomic(ds, entry_path(fingerprint))
        return True
    except OSError:  # a read-only cache never fails a sweep
        return False


def info():
    d = cache_dir()
    files = sorted((d / "sweeps").glob("*.nc")) if (d / "sweeps").is_dir() else []
    figs = [e for e in (d / "figures").iterdir() if e.is_dir() and not e.name.startswith(".")] \
        if (d / "figures").is_dir() else []
    fig_bytes = sum(f.stat().st_size for e in figs for f in e.iterdir() if f.is_file())
    return {"directory": str(d), "entries": len(files),
            "bytes": int(sum(f.stat().st_size for f in files)),
            "figure_entries": len(figs), "figure_bytes": int(fig_bytes)}


def clear():
    """Remove cached sweeps and figures; returns the number of entries removed."""
    n = 0
    for sub, pattern in (("sweeps", "*.nc"), ("figures", "[!.]*")):
        d = cache_dir() / sub
        n += len(list(d.glob(pattern))) if d.is_dir() else 0
        shutil.rmtree(d, ignore_errors=True)
    return n
