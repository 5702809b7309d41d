"""Content-addressed result cache.

A finished sweep is stored as ``<cache>/sweeps/<fingerprint>.nc`` where the
fingerprint is the SHA-256 of the sweep specification: model (or function and its
source), level, branch, continuation, axes values, fixed parameters, solver settings,
block layout, seed, package version and a hash of the package's source code (so an
edited package never serves results of older code). The cache directory is ``$STATMECH_NN_CACHE``
or ``~/.cache/statmech_nn``. A cached entry that is unreadable or whose stored
fingerprint differs is reported (ParameterError), never used. ``clear`` deletes only
entries it recognises as its own and leaves everything else in the directory.
"""
import os
import re
import shutil
from pathlib import Path

from .store import check_dataset, read_dataset, write_atomic

_HEX64 = re.compile(r"[0-9a-f]{64}")


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


def _is_sweep_entry(path):
    """A file this cache wrote: named ``<sha256>.nc`` and carrying that fingerprint in its
    attributes (every entry records its own ``sweep_fingerprint``)."""
    if not (path.is_file() and path.suffix == ".nc" and _HEX64.fullmatch(path.stem)):
        return False
    import xarray as xr
    from .store import ENGINE
    try:
        with xr.open_dataset(path, engine=ENGINE) as ds:
            return ds.attrs.get("sweep_fingerprint") == path.stem
    except Exception:  # noqa: BLE001 - unreadable: not recognisably ours, so it is kept
        return False


def _entries():
    """(ours, kept): cache entries this package wrote and can recognise, and everything
    else found in the cache's sub-directories (never deleted)."""
    from ..figures.cache import is_entry as is_figure_entry
    ours, kept = [], []
    d = cache_dir()
    for sub, recognise in (("sweeps", _is_sweep_entry), ("figures", is_figure_entry)):
        if not (d / sub).is_dir():
            continue
        for e in sorted((d / sub).iterdir()):
            (ours if recognise(e) else kept).append(e)
    return ours, kept


def info():
    d = cache_dir()
    ours, kept = _entries()
    sweeps = [e for e in ours if e.parent.name == "sweeps"]
    figs = [e for e in ours if e.parent.name == "figures"]
    fig_bytes = sum(f.stat().st_size for e in figs for f in e.iterdir() if f.is_file())
    return {"directory": str(d), "entries": len(sweeps),
            "bytes": int(sum(f.stat().st_size for f in sweeps)),
            "figure_entries": len(figs), "figure_bytes": int(fig_bytes),
            "other": [str(e) for e in kept]}


def clear():
    """Remove the cache entries this package wrote and recognises (sweep files carrying
    their own fingerprint, figure directories with their manifest and nothing else).
    Everything else is left where it is. Returns ``(removed, kept)``: the number of entries
    removed and the paths kept."""
    ours, kept = _entries()
    for e in ours:
        if e.is_dir():
            shutil.rmtree(e, ignore_errors=True)
        else:
            e.unlink(missing_ok=True)
    for sub in ("sweeps", "figures"):   # the sub-directories only if now empty
        try:
            (cache_dir() / sub).rmdir()
        except OSError:
            pass
    return len(ours), [str(e) for e in kept]
