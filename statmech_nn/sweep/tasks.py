"""What a sweep computes on one block (a line of the grid, or a chunk of it).

A task is a small picklable object; ``task.run_block(block) -> dict of 1-D arrays``
along the block's fast-axis slice. Blocks carry everything needed (slow-axis values,
fast-axis values, flat point indices for seeding), so a block's result depends only
on the task and the block, never on where or when it runs.
"""
import hashlib
import inspect
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError

_MODELS = {}


def _model(name):
    if name not in _MODELS:
        from ..theory.registry import get_model
        _MODELS[name] = get_model(name)
    return _MODELS[name]


@dataclass(frozen=True)
class Block:
    """Lines ``r0 .. r1-1`` of the grid (flat C-order index over the slow dims), fast-axis
    slice ``[start, stop)``. ``params`` holds each slow parameter's value per line."""
    index: int
    r0: int
    r1: int
    start: int
    stop: int
    params: dict = field(default_factory=dict)   # name -> tuple of values, one per line
    fast_name: str = ""
    fast_values: tuple = ()
    n_fast: int = 0            # length of the full fast axis (for flat point indices)

    @property
    def n_points(self):
        return (self.r1 - self.r0) * (self.stop - self.start)

    def flat_index(self, row, j):
        """Flat C-order grid index of line ``r0 + row``, fast position ``start + j``."""
        return (self.r0 + row) * self.n_fast + self.start + j


@dataclass(frozen=True)
class TheoryTask:
    """Saddle-point solves of a registered model (``model.solve_batch``)."""
    model: str
    level: str = "rs"
    branch: str | None = None
    continuation: bool = False
    fixed: tuple = ()          # sorted (name, value) pairs

    stochastic = False

    def identity(self):
        from ..theory.grid import solver_settings
        m = _model(self.model)
        return {"kind": "theory", "model": self.model, "level": self.level,
                "branch": self.branch or "", "continuation": bool(self.continuation),
                "convention": getattr(m, "convention", ""), "solver": solver_settings(m)}

    def check(self, dims, fixed):
        m = _model(self.model)
        m.check_level(self.level)
        arrays = dict(fixed)
        arrays.update({k: np.asarray(v) for k, v in dims.items()})
        m.check_arrays(arrays)  # ranges, unknown names below
        known = {p.name for p in m.params} | ({"T", "beta"} if m.has_temperature else set())
        unknown = sorted(set(arrays) - known)
        if unknown:
            raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for {self.model}; "
                                 f"known: {', '.join(sorted(known))}")
        if m.has_temperature and "T" not in arrays and "beta" not in arrays:
            raise ParameterError(f"{self.model} needs a temperature: give T or beta")

    def run_block(self, block):
        from ..theory.grid import solve_lines
        out = solve_lines(_model(self.model), self.level, self.branch, dict(self.fixed),
                          {k: np.asarray(v) for k, v in block.params.items()}, block.r1 - block.r0,
                          block.fast_name, np.asarray(block.fast_values, float), self.continuation)
        return {k: _plain(v) for k, v in out.items()}

    def warm(self, block):
        """Solve one point in the calling process (JIT/numba caches, imports)."""
        one = Block(-1, block.r0, block.r0 + 1, block.start, block.start + 1,
                    {k: v[:1] for k, v in block.params.items()}, block.fast_name,
                    block.fast_values[:1], block.n_fast)
        self.run_block(one)


@dataclass(frozen=True)
class PointTask:
    """A user function evaluated per point: ``fn(**params, seed=SeedSequence) -> dict of
    scalars`` (``seed`` only when the sweep has a seed). ``fn`` must be importable
    (module level) for the processes/dask executors. The per-point seed is
    ``SeedSequence(seed, spawn_key=(i,))`` = ``SeedSequence(seed).spawn(n)[i]`` with ``i``
    the point's flat index: independent of blocks, workers and completion order."""
    fn: object
    seed: int | None = None
    fixed: tuple = ()

    @property
    def stochastic(self):
        return self.seed is not None

    def identity(self):
        try:
            src = inspect.getsource(self.fn)
        except (OSError, TypeError):
            src = ""
        return {"kind": "function", "function": f"{self.fn.__module__}:{self.fn.__qualname__}",
                "source_sha256": hashlib.sha256(src.encode()).hexdigest(),
                "seed": -1 if self.seed is None else int(self.seed)}

    def check(self, dims, fixed):
        if not callable(self.fn):
            raise ParameterError("a sweep needs a model name or a callable")

    def run_block(self, block):
        rows = []
        for i in range(block.r1 - block.r0):
            for j, v in enumerate(block.fast_values):
                kw = dict(self.fixed)
                kw.update({k: vals[i] for k, vals in block.params.items()})
                kw[block.fast_name] = v
                if self.seed is not None:
                    kw["seed"] = np.random.SeedSequence(int(self.seed), spawn_key=(block.flat_index(i, j),))
                rows.append(self.fn(**kw))
        shape = (block.r1 - block.r0, len(block.fast_values))
        return {k: _plain(np.asarray([r[k] for r in rows]).reshape(shape)) for k in rows[0]}

    def warm(self, block):
        pass  # user functions: nothing to warm, and no extra call of fn


def _plain(a):
    a = np.asarray(a)
    if a.dtype.kind in "OU":
        return a.astype(str)
    if a.dtype.kind == "b":
        return a.astype(bool)
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    return a.astype(np.float64)


def run_block(task, block):
    """Top-level (picklable) entry point used by every executor."""
    return block.index, task.run_block(block)
