"""Persistence: an xarray Dataset in a netCDF file (h5netcdf), written incrementally and
atomically.

Layout for ``out = diagram.nc``:

* ``diagram.nc.parts/`` (while a sweep runs): ``spec.json`` (the sweep's fingerprint and
  specification) and one ``b<index>.npz`` per finished block, each written to a
  temporary file and ``os.replace``-d into place *before the next block is scheduled*;
* ``diagram.nc``: the Dataset (temp file + ``os.replace``), rewritten at most every
  ``flush_seconds`` with a ``sweep_done`` mask, and at the end without it
  (``sweep_complete = 1``), after which the parts directory is removed.

A SIGKILL at any moment leaves a valid ``diagram.nc`` (or none) plus whole block
files; a restart merges both and recomputes only the missing blocks. A file or part
written by another sweep (other model, parameters, solver settings, package version)
or unreadable raises ParameterError; nothing is ever mixed silently.
"""
import json
import os
import shutil
from pathlib import Path

import numpy as np

from ..core.errors import ParameterError

def _engine():
    """h5netcdf (needs h5py) by default; netCDF4 as a fallback (same file format)."""
    import importlib.util
    if importlib.util.find_spec("h5py") is not None:
        return "h5netcdf"
    if importlib.util.find_spec("netCDF4") is not None:
        return "netcdf4"
    return "h5netcdf"  # raises a clear ImportError naming h5py


ENGINE = _engine()


def fill_value(dtype):
    k = np.dtype(dtype).kind
    if k == "f":
        return np.nan
    if k in "iu":
        return -1
    if k == "b":
        return False
    return ""


def alloc(shape, like):
    like = np.asarray(like)
    if like.dtype.kind in "OUS":
        return np.full(shape, "", dtype=object)
    return np.full(shape, fill_value(like.dtype), dtype=like.dtype)


def grid_dataset(dims, fixed, arrays, attrs):
    """Arrays on a parameter grid as a Dataset: dims ordered as given, fixed parameters as
    scalar coordinates, text as variable-length strings (what netCDF stores)."""
    import xarray as xr
    names = list(dims)
    data_vars = {}
    for k, a in arrays.items():
        a = np.asarray(a)
        if a.dtype.kind in "OUS":
            a = a.astype(object)
        data_vars[k] = (names, a)
    coords = {k: (k, np.asarray(v)) for k, v in dims.items()}
    coords.update(fixed)
    return xr.Dataset(data_vars, coords=coords, attrs=dict(attrs))


def build_dataset(dims, fixed, arrays, attrs, done=None):
    """The sweep Dataset: :func:`grid_dataset` plus ``sweep_done`` (points finished, for a
    partial file) and the ``sweep_complete`` flag."""
    ds = grid_dataset(dims, fixed, arrays, attrs)
    if done is not None:
        ds["sweep_done"] = (list(dims), np.asarray(done, bool))
    ds.attrs["sweep_complete"] = int(done is None)
    return ds


def write_atomic(ds, path):
    """Write ``ds`` to ``path`` atomically (temp file in the same directory + os.replace);
    h5netcdf, or netCDF4 where h5py is missing. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        ds.to_netcdf(tmp, engine=ENGINE)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_dataset(path, what="output"):
    import xarray as xr
    try:
        return xr.load_dataset(path, engine=ENGINE)
    except Exception as exc:  # noqa: BLE001 - any read failure is a corrupt file
        raise ParameterError(f"{what} file {path} is corrupt or not a netCDF file "
                             f"({type(exc).__name__}); delete it or use another path") from None


def describe_mismatch(stored_spec, spec):
    """Human-readable difference between two sweep specifications."""
    try:
        old = json.loads(stored_spec)
    except (TypeError, ValueError):
        return "no statmech_nn sweep specification"
    parts = []
    for k in sorted(set(old) | set(spec)):
        o, n = old.get(k), spec.get(k)
        if o == n:
            continue
        if isinstance(o, dict) and isinstance(n, dict):
            for kk in sorted(set(o) | set(n)):
                oo, nn = o.get(kk), n.get(kk)
                if oo != nn:
                    parts.append(f"{k}.{kk}: {_short(oo)} there, {_short(nn)} here")
        else:
            parts.append(f"{k}: {_short(o)} there, {_short(n)} here")
    return "differs in " + "; ".join(parts[:4]) if parts else "different fingerprint"


def _short(v):
    if isinstance(v, list):
        return f"{len(v)} values [{_short(v[0]) if v else ''}..{_short(v[-1]) if v else ''}]"
    if v is None:
        return "missing"
    return repr(v)


def check_dataset(ds, fingerprint, spec, path, what="output"):
    fp = ds.attrs.get("sweep_fingerprint")
    if fp is None:
        raise ParameterError(f"{what} file {path} was not written by a statmech_nn sweep; "
                             f"refusing to overwrite or mix it (use another path)")
    if fp != fingerprint:
        raise ParameterError(f"{what} file {path} belongs to another sweep "
                             f"({describe_mismatch(ds.attrs.get('sweep_spec'), spec)}); "
                             f"refusing to mix results (use another path or delete it)")


def make_store(path, fingerprint, spec):
    """NetCDFStore for ``*.nc`` (and anything else), ZarrStore for ``*.zarr``."""
    if Path(path).suffix == ".zarr":
        return ZarrStore(path, fingerprint, spec)
    return NetCDFStore(path, fingerprint, spec)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(paths):
    """Delete temporary files ``*.tmp<pid>*`` left by a killed writer (pid not alive)."""
    import re
    for p in paths:
        m = re.search(r"\.tmp(\d+)", p.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            try:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            except OSError:
                pass


class NetCDFStore:
    needs_flush = True

    def __init__(self, path, fingerprint, spec):
        self.path = Path(path)
        self.complete = False
        if self.path.exists() and self.path.is_dir():
            raise ParameterError(f"output {self.path} is a directory")
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.fingerprint = fingerprint
        self.spec = spec
        self._spec_written = False

    # ---- reading ------------------------------------------------------------------
    def load(self, shape):
        """-> (arrays dict, done bool array); validates everything it reads."""
        arrays, done = {}, np.zeros(shape, bool)
        remove_stale_temporaries(list(self.path.parent.glob(f".{self.path.name}.tmp*")) +
                                 (list(self.parts.glob(".*.tmp*")) if self.parts.is_dir() else []))
        if self.path.exists():
            ds = read_dataset(self.path)
            check_dataset(ds, self.fingerprint, self.spec, self.path)
            for k, v in ds.data_vars.items():
                if k == "sweep_done":
                    continue
                a = np.asarray(v.values)
                if a.shape != shape:
                    raise ParameterError(f"output file {self.path} has variable {k} of shape "
                                         f"{a.shape}, expected {shape}; refusing to mix")
                arrays[k] = a.astype(object) if a.dtype.kind in "OUS" else a.copy()
            if int(ds.attrs.get("sweep_complete", 0)):
                done[...] = True
                self.complete = True
            elif "sweep_done" in ds:
                done = np.asarray(ds["sweep_done"].values, bool).copy()
        if self.parts.is_dir():
            spec_file = self.parts / "spec.json"
            if spec_file.exists():
                try:
                    meta = json.loads(spec_file.read_text())
                except ValueError:
                    raise ParameterError(f"{spec_file} is corrupt; delete {self.parts}") from None
                if meta.get("fingerprint") != self.fingerprint:
                    raise ParameterError(
                        f"{self.parts} holds blocks of another sweep "
                        f"({describe_mismatch(json.dumps(meta.get('spec')), self.spec)}); "
                        f"refusing to mix (delete it or use another --out)")
                self._spec_written = True
        return arrays, done

    def stored_blocks(self):
        """Finished block files: {index: path}."""
        if not self.parts.is_dir():
            return {}
        out = {}
        for p in self.parts.glob("b*.npz"):
            try:
                out[int(p.stem[1:])] = p
            except ValueError:
                continue
        return out

    def read_block(self, path):
        try:
            with np.load(path, allow_pickle=False) as z:
                fp = str(z["__fingerprint__"])
                data = {k: z[k] for k in z.files if not k.startswith("__")}
        except Exception as exc:  # noqa: BLE001
            raise ParameterError(f"block file {path} is corrupt ({type(exc).__name__}); "
                                 f"delete it to recompute that block") from None
        if fp != self.fingerprint:
            raise ParameterError(f"block file {path} belongs to another sweep; refusing to mix")
        return data

    # ---- writing ------------------------------------------------------------------
    def save_block(self, block, result):
        """Write one finished block atomically; returns its file."""
        index = block.index
        self.parts.mkdir(parents=True, exist_ok=True)
        if not self._spec_written:
            tmp = self.parts / f".spec.json.tmp{os.getpid()}"
            tmp.write_text(json.dumps({"fingerprint": self.fingerprint, "spec": self.spec}))
            os.replace(tmp, self.parts / "spec.json")
            self._spec_written = True
        path = self.parts / f"b{index:07d}.npz"
        tmp = self.parts / f".b{index:07d}.tmp{os.getpid()}.npz"
        np.savez(tmp, __fingerprint__=np.asarray(self.fingerprint),
                 **{k: (np.asarray(v).astype(str) if np.asarray(v).dtype.kind in "OUS" else np.asarray(v))
                    for k, v in result.items()})
        os.replace(tmp, path)
        return path

    def flush(self, ds, drop_parts=()):
        write_atomic(ds, self.path)
        for p in drop_parts:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass

    def finish(self, ds):
        write_atomic(ds, self.path)
        shutil.rmtree(self.parts, ignore_errors=True)

    write_full = finish


# ---- zarr (optional) ------------------------------------------------------------------------
def _zarr_available():
    import importlib.util
    return importlib.util.find_spec("zarr") is not None


def read_zarr(path):
    import warnings

    import xarray as xr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = xr.open_zarr(path, consolidated=False).load()
    except Exception as exc:  # noqa: BLE001
        raise ParameterError(f"output store {path} is corrupt or not a zarr store "
                             f"({type(exc).__name__}); delete it or use another path") from None
    for k, v in ds.data_vars.items():
        if v.dtype.kind not in "fiub":
            ds[k] = v.astype(object)
    return ds


class ZarrStore:
    """``out = diagram.zarr``: blocks are region-written straight into the store (chunks
    = blocks, so disjoint writers never share a chunk), data first, then the block's
    ``sweep_done`` entries; the store itself is created atomically (temp dir + rename)."""
    needs_flush = False

    def __init__(self, path, fingerprint, spec):
        if not _zarr_available():
            raise ParameterError("zarr output needs the optional dependency zarr "
                                 "(pip install zarr), or use a .nc path")
        self.path = Path(path)
        self.fingerprint, self.spec = fingerprint, spec
        self.complete = False
        self._layout = None  # (dims, fixed, attrs, block length) set by the first save

    def load(self, shape):
        arrays, done = {}, np.zeros(shape, bool)
        remove_stale_temporaries(list(self.path.parent.glob(f".{self.path.name}.*")))
        if self.path.exists():
            ds = read_zarr(self.path)
            check_dataset(ds, self.fingerprint, self.spec, self.path)
            for k, v in ds.data_vars.items():
                if k != "sweep_done":
                    arrays[k] = np.asarray(v.values).copy()
            done = np.asarray(ds["sweep_done"].values, bool).copy()
            self.complete = bool(int(ds.attrs.get("sweep_complete", 0))) and done.all()
        return arrays, done

    def stored_blocks(self):
        return {}

    def bind(self, dims, fixed, attrs, block_len):
        self._layout = (dims, fixed, attrs, block_len)

    def _create(self, result):
        import warnings
        dims, fixed, attrs, block_len = self._layout
        shape = tuple(len(v) for v in dims.values())
        arrays = {k: alloc(shape, v) for k, v in result.items()}
        ds = build_dataset(dims, fixed, arrays, attrs, done=np.zeros(shape, bool))
        chunks = (1,) * (len(shape) - 1) + (block_len,)
        enc = {k: {"chunks": chunks} for k in ds.data_vars}
        tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.to_zarr(tmp, mode="w", encoding=enc, consolidated=False)
        os.replace(tmp, self.path)

    def save_block(self, block, result):
        import warnings

        import xarray as xr
        if not self.path.exists():
            self._create(result)
        dims = self._layout[0]
        names = list(dims)
        slow_shape = tuple(len(dims[n]) for n in names[:-1])
        lead = (1,) * (len(names) - 1)
        for i, row in enumerate(range(block.r0, block.r1)):  # one region (whole chunks) per line
            idx = np.unravel_index(row, slow_shape) if slow_shape else ()
            region = {n: slice(int(j), int(j) + 1) for n, j in zip(names[:-1], idx)}
            region[names[-1]] = slice(block.start, block.stop)
            data = {}
            for k, v in result.items():
                a = np.asarray(v).reshape(block.r1 - block.r0, -1)[i].reshape(lead + (-1,))
                data[k] = (names, a.astype(object) if a.dtype.kind in "OUS" else a)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                xr.Dataset(data).to_zarr(self.path, region=region, consolidated=False)
                xr.Dataset({"sweep_done": (names, np.ones(lead + (block.stop - block.start,), bool))}).to_zarr(
                    self.path, region=region, consolidated=False)
        return None

    def flush(self, ds, drop_parts=()):
        pass

    def finish(self, ds):
        import zarr
        if not self.path.exists():
            return self.write_full(ds)
        g = zarr.open_group(str(self.path), mode="r+")
        g.attrs["sweep_complete"] = 1

    def write_full(self, ds):
        import warnings
        ds = ds.copy()
        first = next(iter(ds.data_vars.values()))
        ds["sweep_done"] = (first.dims, np.ones(first.shape, bool))
        tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds.to_zarr(tmp, mode="w", consolidated=False)
        old = self.path.with_name(f".{self.path.name}.old{os.getpid()}")
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)
