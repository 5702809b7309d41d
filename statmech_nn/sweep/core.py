"""The sweep driver: blocks -> executor -> persistence -> Dataset."""
import hashlib
import json
import math
import time
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from ..core.budget import check_alloc
from ..core.errors import ParameterError
from ..core.progress import progress_bar
from . import cache as _cache
from .executors import make_executor
from .store import alloc, build_dataset, make_store
from .tasks import Block, PointTask, TheoryTask, run_block

MAX_BLOCK_POINTS = 4096   # auto layout: at most this many points per block ...
MIN_BLOCKS = 16           # ... and at least this many blocks when the grid allows


BYTES_PER_POINT = 256     # result variables, the done mask and the dataset built at the end


def _check_out(out):
    """``out`` is None or a usable path: not empty, not an existing directory (a zarr store
    excepted, which is one)."""
    if out is None:
        return None
    from pathlib import Path
    text = str(out)
    if not text.strip():
        raise ParameterError("out='' is empty; give an output file path (e.g. diagram.nc)")
    if Path(text).is_dir() and Path(text).suffix != ".zarr":
        raise ParameterError(f"out={text!r} is a directory; give an output file path inside it "
                             "(e.g. diagram.nc)")
    return out


def auto_block_points(shape):
    """Points per block from the grid shape alone (so the layout, hence every bit of the
    result, never depends on the executor or the number of workers)."""
    total = int(np.prod(shape))
    return int(min(MAX_BLOCK_POINTS, max(1, -(-total // MIN_BLOCKS))))


class Sweep:
    """A sweep over the outer-product grid of ``axes`` (see :func:`sweep`)."""

    def __init__(self, what, level="rs", branch=None, out=None, executor=None, workers=None,
                 scheduler=None, client=None, continuation=False, fast=None, seed=None,
                 cache=True, quiet=False, progress=None, flush_seconds=30.0,
                 block_points=None, **axes):
        from ..theory.grid import split_axes
        dims, fixed = split_axes(axes)
        if not dims:
            raise ParameterError("a sweep needs at least one axis (a range start:stop:count "
                                 "or an array)")
        if fast is not None:
            if fast not in dims:
                raise ParameterError(f"fast axis {fast!r} is not one of the axes {', '.join(dims)}")
            dims = {k: v for k, v in dims.items() if k != fast} | {fast: dims[fast]}
        self.dims, self.fixed = dims, fixed
        self.fast = list(dims)[-1]
        fixed_items = tuple(sorted(fixed.items()))
        if isinstance(what, str):
            if seed is not None:
                raise ParameterError("seed applies to function sweeps; theory sweeps are deterministic")
            self.task = TheoryTask(what, level=str(level).lower(), branch=branch,
                                   continuation=bool(continuation), fixed=fixed_items)
        elif callable(what):
            if continuation:
                raise ParameterError("continuation applies to model sweeps only")
            self.task = PointTask(what, seed=seed, fixed=fixed_items)
        elif hasattr(what, "name") and hasattr(what, "solve_batch"):
            self.task = TheoryTask(what.name, level=str(level).lower(), branch=branch,
                                   continuation=bool(continuation), fixed=fixed_items)
        else:
            raise ParameterError(f"cannot sweep {what!r}: give a model name or a function")
        self.task.check(dims, fixed)
        self.continuation = bool(continuation)
        if block_points is None:
            block_points = auto_block_points(tuple(len(v) for v in dims.values()))
        if not float(block_points).is_integer() or int(block_points) < 1:
            raise ParameterError(f"block_points={block_points!r} must be an integer >= 1")
        self.block_points = int(block_points)
        if workers is not None and (not float(workers).is_integer() or int(workers) < 1):
            raise ParameterError(f"workers={workers!r} must be an integer >= 1")
        self.shape = tuple(len(v) for v in dims.values())
        npts = math.prod(self.shape)
        check_alloc(npts * BYTES_PER_POINT, f"a grid of {npts:,} points",
                    "use fewer points per axis, or split the sweep")
        self.out, self.cache = _check_out(out), bool(cache)
        self.executor_args = dict(executor=executor, workers=workers, scheduler=scheduler, client=client)
        self.quiet, self.progress = quiet, progress
        self.flush_seconds = float(flush_seconds)
        self.spec = self._spec()
        self.fingerprint = hashlib.sha256(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()
        self.stats = {}

    # ---- identity -------------------------------------------------------------------
    def _spec(self):
        from .. import __version__
        from ..core.provenance import code_hash
        spec = dict(self.task.identity())
        spec.update(
            dims={k: [float(x) if np.asarray(v).dtype.kind in "iuf" else str(x) for x in v]
                  for k, v in self.dims.items()},
            dim_order=list(self.dims),
            fixed={k: (float(v) if isinstance(v, (int, float)) else str(v)) for k, v in self.fixed.items()},
            block_points=self.block_points,
            package_version=__version__,
            code=code_hash(),   # editing the package never serves stale cached results
        )
        return spec

    def attrs(self):
        from .. import __version__
        a = {}
        if isinstance(self.task, TheoryTask):
            from .tasks import _model
            m = _model(self.task.model)
            a.update(model=self.task.model, level=self.task.level, branch=self.task.branch or "",
                     convention=getattr(m, "convention", ""),
                     continuation=self.fast if self.task.continuation else "",
                     solver=json.dumps(self.spec["solver"], sort_keys=True))
        else:
            a.update(function=self.spec["function"], seed=self.spec["seed"])
        a.update(package="statmech_nn", package_version=__version__,
                 sweep_fingerprint=self.fingerprint,
                 sweep_spec=json.dumps(self.spec, sort_keys=True))
        return a

    # ---- blocks ---------------------------------------------------------------------
    def layout(self):
        """(lines per block, fast-axis chunk): whole lines when a block holds >= one line
        or with continuation (it runs along the line), else chunks of one line."""
        n_fast = self.shape[-1]
        if self.continuation or self.block_points >= n_fast:
            return max(1, self.block_points // n_fast), n_fast
        return 1, self.block_points

    def blocks(self):
        slow_names = list(self.dims)[:-1]
        n_fast = self.shape[-1]
        n_rows = int(np.prod(self.shape[:-1]))
        per, chunk = self.layout()
        grids = np.meshgrid(*[np.asarray(self.dims[k]) for k in slow_names], indexing="ij") if slow_names else []
        rowvals = {k: g.ravel() for k, g in zip(slow_names, grids)}
        fast_vals = np.asarray(self.dims[self.fast])
        out = []
        for r0 in range(0, n_rows, per):
            r1 = min(n_rows, r0 + per)
            params = {k: tuple(v[r0:r1].tolist()) for k, v in rowvals.items()}
            for s in range(0, n_fast, chunk):
                e = min(n_fast, s + chunk)
                out.append(Block(len(out), r0, r1, s, e, params, self.fast,
                                 tuple(fast_vals[s:e].tolist()), n_fast))
        return out

    def _view(self, a):
        return a.reshape(-1, self.shape[-1])

    # ---- run ------------------------------------------------------------------------
    def run(self):
        t0 = time.perf_counter()
        total = int(np.prod(self.shape))
        self.stats = dict(points=total, computed=0, resumed=0, cached=False, out=self.out,
                          fingerprint=self.fingerprint)
        attrs = self.attrs()
        store = make_store(self.out, self.fingerprint, self.spec) if self.out else None
        if store is not None and hasattr(store, "bind"):
            store.bind(self.dims, self.fixed, attrs, self.layout()[1])

        arrays, done = (store.load(self.shape) if store else ({}, np.zeros(self.shape, bool)))
        blocks = self.blocks()
        merged_parts = []
        if store:
            for idx, path in sorted(store.stored_blocks().items()):
                if idx < len(blocks):
                    self._place(arrays, done, blocks[idx], store.read_block(path))
                    merged_parts.append(path)
        d2 = self._view(done)
        pending = [b for b in blocks if not d2[b.r0:b.r1, b.start:b.stop].all()]
        self.stats["resumed"] = int(done.sum())
        if store and not pending and not merged_parts and store.complete:  # nothing to do
            ds = build_dataset(self.dims, self.fixed, arrays, attrs)
            if self.cache and not _cache.entry_path(self.fingerprint).exists():
                _cache.store(self.fingerprint, ds)
            return self._done(ds, t0)

        if self.cache and pending:
            ds = _cache.lookup(self.fingerprint, self.spec)
            if ds is not None:
                if store is not None:
                    store.write_full(ds)
                self.stats.update(cached=True, resumed=total)
                return self._done(ds, t0)

        if pending:
            args = dict(self.executor_args)
            if args["executor"] is None and args["scheduler"] is None and args["client"] is None \
                    and len(pending) < 2:
                args["executor"] = "serial"  # one block: a process pool would only add start-up
            if args["executor"] in (None, "processes") and args["scheduler"] is None \
                    and args["client"] is None:
                from .executors import available_cores
                args["workers"] = max(1, min(int(args["workers"] or available_cores()), len(pending)))
            ex = make_executor(**args)  # a dead scheduler fails here: nothing written
            try:
                self._execute(ex, pending, arrays, done, store, attrs, merged_parts, total)
            finally:
                if ex is not self.executor_args["executor"]:
                    ex.close()
        ds = build_dataset(self.dims, self.fixed, arrays, attrs)
        if store:
            store.finish(ds)
        if self.cache:
            _cache.store(self.fingerprint, ds)
        return self._done(ds, t0)

    def _done(self, ds, t0):
        self.stats["seconds"] = round(time.perf_counter() - t0, 3)
        if "converged" in ds:
            self.stats["converged_fraction"] = float(np.asarray(ds["converged"].values, bool).mean())
        return ds

    def _place(self, arrays, done, block, result):
        sl = (slice(block.r0, block.r1), slice(block.start, block.stop))
        for k, v in result.items():
            if k not in arrays:
                arrays[k] = alloc(self.shape, v)
            self._view(arrays[k])[sl] = np.asarray(v).reshape(block.r1 - block.r0, -1)
        self._view(done)[sl] = True

    def _bar(self, total, initial):
        show = self.progress if self.progress is not None else (False if self.quiet else None)
        return progress_bar(total=total, initial=initial, unit="pt", show=show,
                            desc=getattr(self.task, "model", "sweep"), smoothing=0.05)

    def _execute(self, ex, pending, arrays, done, store, attrs, parts, total):
        bar = self._bar(total, int(done.sum()))
        last_flush = time.monotonic()
        queue = list(pending)
        try:
            if ex.name != "serial":
                # warm caches (numba on-disk cache, imports) in the parent before fanning out
                self.task.warm(queue[0])
            inflight, limit = {}, max(1, ex.workers + (1 if ex.name == "processes" else ex.workers))
            if ex.name == "serial":
                limit = 1
            while queue or inflight:
                while queue and len(inflight) < limit:
                    b = queue.pop(0)
                    inflight[ex.submit(run_block, self.task, b)] = b
                finished, _ = ex.wait_first(list(inflight))
                for f in finished:
                    b = inflight.pop(f)
                    try:
                        idx, res = ex.result(f)
                    except BrokenProcessPool:
                        raise RuntimeError(
                            "a sweep worker process died (killed, out of memory, or the main script "
                            "cannot be re-imported by the spawn start method: run scripts from a file "
                            "with an `if __name__ == '__main__':` guard, or use executor='serial'); "
                            "finished blocks are on disk, rerun to resume") from None
                    self._finish_block(b, res, arrays, done, store, parts, bar)
                if store and store.needs_flush and time.monotonic() - last_flush > self.flush_seconds \
                        and (queue or inflight):
                    store.flush(build_dataset(self.dims, self.fixed, arrays, attrs, done=done), parts)
                    parts.clear()
                    last_flush = time.monotonic()
        finally:
            bar.close()

    def _finish_block(self, b, res, arrays, done, store, parts, bar):
        if store:
            p = store.save_block(b, res)  # on disk before the next block is scheduled
            if p is not None:
                parts.append(p)
        self._place(arrays, done, b, res)
        self.stats["computed"] += b.n_points
        bar.update(b.n_points)


def sweep(what, level="rs", branch=None, out=None, executor=None, workers=None, scheduler=None,
          client=None, continuation=False, fast=None, seed=None, cache=True, quiet=False,
          progress=None, flush_seconds=30.0, block_points=None, **axes):
    """Run a (resumable, cached, parallel) sweep; returns an :class:`xarray.Dataset`.

    Parameters
    ----------
    what : model name (e.g. ``'curie-weiss'``), TheoryModel, or an importable function
        ``fn(**params[, seed]) -> dict of scalars``.
    **axes : 1-D arrays (grid dimensions, in order; the last is the fast axis unless
        ``fast=`` names one) or scalars (fixed parameters).
    continuation : warm-start along the fast axis (one grid line per block).
    out : netCDF path; written incrementally; an existing file of the same sweep resumes.
    executor : 'serial' | 'processes' (default) | 'dask', or an executor object from
        :func:`statmech_nn.sweep.make_executor` reused across sweeps (you close it); ``workers``; ``scheduler``
        ('tcp://host:port') or ``client`` (a ``dask.distributed.Client``) imply dask.
    seed : function sweeps: per-point ``SeedSequence(seed, spawn_key=(flat_index,))``.
    cache : use the content-addressed cache ($STATMECH_NN_CACHE or ~/.cache/statmech_nn).
    block_points : points per block (the unit of work, persistence and resume); default
        from the grid shape alone (<= 4096 points, >= 16 blocks when possible). A block is
        a run of whole lines (continuation runs along each, vectorised over the lines) or,
        without continuation, a chunk of one line.
    """
    s = Sweep(what, level=level, branch=branch, out=out, executor=executor, workers=workers,
              scheduler=scheduler, client=client, continuation=continuation, fast=fast, seed=seed,
              cache=cache, quiet=quiet, progress=progress, flush_seconds=flush_seconds,
              block_points=block_points, **axes)
    return s.run()


def status(out):
    """Points done / total of a (possibly partial) sweep output, without running it."""
    from pathlib import Path
    from .store import read_dataset
    out = Path(out)
    done_points, total, parts = 0, None, 0
    if out.suffix == ".zarr":
        from .store import read_zarr
        ds = read_zarr(out) if out.exists() else None
        if ds is None:
            return {"done": 0, "total": None, "block_files": 0}
        return {"done": int(ds["sweep_done"].values.sum()), "total": int(ds["sweep_done"].size),
                "block_files": 0}
    if out.exists():
        ds = read_dataset(out)
        total = int(np.prod([ds.sizes[d] for d in ds.dims])) if ds.dims else 1
        if int(ds.attrs.get("sweep_complete", 0)):
            done_points = total
        elif "sweep_done" in ds:
            done_points = int(ds["sweep_done"].values.sum())
    pdir = out.with_name(out.name + ".parts")
    if pdir.is_dir():
        parts = len(list(pdir.glob("b*.npz")))
    return {"done": done_points, "total": total, "block_files": parts}
