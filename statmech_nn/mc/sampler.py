"""Samplers: an immutable definition (:class:`Sampler`) and a mutable state (:class:`SamplerState`).

NetKet-like split: a :class:`Sampler` holds the model, temperature(s), update rule, site
order, numbers of chains/replicas and representation; it never changes.  Everything that
evolves (configurations, overlaps or local fields, RNG states, counters, recorded series)
lives in a :class:`SamplerState` created by :meth:`Sampler.init_state` and advanced by
:meth:`Sampler.run`, which returns an :class:`MCResult`.

Parallelism: chain groups (one group = ``replicas`` x ``len(betas)`` copies with the same
disorder) run in threads, one per core by default; the Numba kernels release the GIL and
are themselves serial, so there is exactly one level of parallelism.
"""
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from concurrent.futures import TimeoutError as FutTimeout

import numpy as np

from ..core.budget import check_alloc, memory_budget
from ..core.errors import ParameterError, beta_from, check_choice, check_int
from ..core.progress import progress_bar
from .kernels_driver import run_group
from .models import MCModel
from .rng import seed_states
from .stream import BlockSeries
from .summary import OBSERVABLES, MCResult, summarise  # noqa: F401 (OBSERVABLES, MCResult: re-exported)

RULES = {"metropolis": 0, "heat-bath": 1}
ORDERS = {"sequential": 0, "random": 1}
REPRESENTATIONS = ("auto", "mattis", "coupling", "real")
KIND = {"mattis": 0, "real": 1, "coupling": 2}
MAX_BLOCKS = 2 ** 16        # stored blocks per observable (exact series up to this many sweeps)
MIN_BLOCKS = 256
CHUNK_TERMS = 2e8           # pattern terms per chunk (about 0.2-0.5 s): Ctrl-C is answered
                            # after the running chunk


def geometric_ladder(T_min, T_max, n):
    """Increasing inverse temperatures 1/T for n temperatures geometric between T_max and T_min."""
    n = check_int("n_temps", n, lo=2)
    check_alloc(8 * n, f"a ladder of {n} temperatures", "use fewer temperatures")
    if not (0 < T_min < T_max) or not math.isfinite(T_max):
        raise ParameterError(f"ladder needs 0 < T_min < T_max < inf, got T_min={T_min}, T_max={T_max}")
    T = np.geomspace(T_max, T_min, n)
    return tuple(float(1.0 / t) for t in T)


def check_ladder(betas):
    b = np.asarray(betas, dtype=np.float64).ravel()
    if b.size < 1 or not np.all(b > 0) or not np.all(np.isfinite(b)):
        raise ParameterError("the beta ladder must contain finite inverse temperatures > 0")
    if b.size > 1 and not np.all(np.diff(b) > 0):
        raise ParameterError(f"the beta ladder must be strictly increasing (T decreasing), got {b.tolist()}")
    return tuple(float(x) for x in b)


def _dummy(shape, dtype):
    return np.zeros(shape, dtype=dtype)


@dataclass
class SamplerState:
    """Mutable part of a run (configurations, bookkeeping arrays, RNG, counters, series)."""
    kind: int
    sig: np.ndarray          # (G, C, N) int8
    ov: np.ndarray           # (G, C, K) int64 or dummy
    ps: np.ndarray           # (G, C, K, P+1) float64 or dummy
    hl: np.ndarray           # (G, C, N) float64 or dummy
    rng: np.ndarray          # (G, 4) uint64
    slot: np.ndarray         # (G, R, L) int64
    ebook: np.ndarray        # (G, C) bookkept energy (initial energy + sum of accepted dE)
    last_end: np.ndarray     # (G, C) int64
    acc: np.ndarray          # (G, R, L) accepted flips
    swap_acc: np.ndarray     # (G, R, L-1)
    swap_att: np.ndarray
    rt: np.ndarray           # (G, R) round trips
    sweeps_done: int = 0
    streams: dict = field(default_factory=dict)   # name -> BlockSeries (see mc/stream.py)
    switched: str = ""

    def reset_statistics(self):
        """Forget recorded series and counters but keep configurations and RNG state
        (e.g. to continue a chain at a new temperature: heating/cooling protocols)."""
        self.streams = {}
        for a in (self.acc, self.swap_acc, self.swap_att, self.rt):
            a[...] = 0
        self.sweeps_done = 0
        return self

    def configurations(self):
        """(G, R, L, N) spins ordered by temperature slot."""
        G, R, L = self.slot.shape
        out = np.empty((G, R, L, self.sig.shape[2]), dtype=np.int8)
        for g in range(G):
            out[g] = self.sig[g][self.slot[g]]
        return out

    def record(self, chunk, capacity):
        """Stream one chunk of measurements ({name: (G, n, ...)}) into bounded storage."""
        for k, v in chunk.items():
            if k not in self.streams:
                self.streams[k] = BlockSeries(capacity)
            self.streams[k].push(v)


@dataclass(frozen=True, eq=False)
class Sampler:
    """Immutable definition of a Monte Carlo run.

    Give ``T`` (one temperature; T = 0: zero-temperature dynamics) or ``betas`` (a strictly
    increasing ladder: parallel tempering).  ``rule``: 'metropolis' | 'heat-bath';
    ``order``: 'sequential' | 'random'; ``chains``: independent chain groups (default: one
    per core); ``replicas``: 1, or 2 to measure the overlap q; ``representation``: 'auto'
    (Hopfield: Mattis overlaps or coupling matrix, whichever the measured acceptance makes
    cheaper), 'mattis', 'coupling' (P = 2 only), 'real' (float power sums);
    ``init``: 'random', 'pattern' (start on the first pattern) or an array (N,) of spins.
    """
    model: MCModel
    T: float | None = None
    betas: tuple | None = None
    rule: str = "metropolis"
    order: str = "sequential"
    chains: int | None = None
    replicas: int = 1
    representation: str = "auto"
    init: object = "random"
    workers: int | None = None

    def __post_init__(self):
        if not isinstance(self.model, MCModel):
            raise ParameterError("model must be an MCModel (see statmech_nn.mc.models)")
        if self.betas is None:
            b = beta_from(T=self.T)
            object.__setattr__(self, "betas", (b,))
        else:
            if self.T is not None:
                raise ParameterError("give either T or a beta ladder, not both")
            object.__setattr__(self, "betas", check_ladder(self.betas))
        check_choice("rule", self.rule, tuple(RULES))
        check_choice("order", self.order, tuple(ORDERS))
        check_choice("representation", self.representation, REPRESENTATIONS)
        check_int("replicas", self.replicas, lo=1, hi=2)
        ch = self.chains if self.chains is not None else max(1, os.cpu_count() or 1)
        object.__setattr__(self, "chains", check_int("chains", ch, lo=1))
        m = self.model
        if self.representation == "coupling" and not (m.form == "coupling" or
                                                       (m.P == 2 and m.binary and m.form == "hebbian")):
            raise ParameterError("representation='coupling' needs a pairwise (P = 2) binary model")
        if isinstance(self.init, str):
            check_choice("init", self.init, ("random", "pattern"))
            if self.init == "pattern" and m.patterns is None:
                raise ParameterError("init='pattern' needs a model with patterns")
        else:
            s0 = np.asarray(self.init)
            if s0.shape != (m.N,) or not np.all(np.isin(s0, (-1, 1))):
                raise ParameterError(f"init must be 'random', 'pattern' or a +-1 array of length N={m.N}")
        object.__setattr__(self, "_cache", {})
        self._check_state_memory(self.chains, self.replicas * len(self.betas))

    # ---- representation ---------------------------------------------------------------
    @property
    def n_temps(self):
        return len(self.betas)

    def _initial_kind(self):
        m = self.model
        if m.form == "coupling":
            return KIND["coupling"]
        if self.representation == "coupling":
            return KIND["coupling"]
        if self.representation == "real" or m.int_coefficients() is None:
            return KIND["real"]
        return KIND["mattis"]

    def _arrays(self, kind):
        """Kernel arrays for a representation (built once per sampler)."""
        if kind in self._cache:
            return self._cache[kind]
        m = self.model
        f64, i64 = np.float64, np.int64
        a = dict(xi=_dummy((1, 1), np.int8), gco=_dummy(2, i64), fco=_dummy(2, f64),
                 xp=_dummy((1, 1, 1), f64), w=_dummy(1, f64), P=int(m.P), variant=0, pref=0.0,
                 J=_dummy((1, 1), f64), scale=1.0)
        a["variant"] = 0 if m.variant == "distinct" else 1
        if kind == KIND["mattis"]:
            fco, gco, pref = m.int_coefficients()
            a.update(xi=m.patterns, gco=gco, fco=fco, pref=pref)
        elif kind == KIND["real"]:
            xi = m.patterns.astype(np.float64)
            nodd = (m.P + 1) // 2 if a["variant"] == 0 else 1
            xp = np.empty(xi.shape + (nodd,))
            for j in range(nodd):
                xp[:, :, j] = xi ** (2 * j + 1)
            a.update(xp=np.ascontiguousarray(xp), w=np.ascontiguousarray(m.weights, dtype=f64),
                     pref=-float(m.N) ** (1 - m.P))
        else:
            if m.form == "coupling":
                a.update(J=m.J, scale=float(m.scale))
            else:
                check_alloc(8 * m.N * m.N, f"the coupling matrix (N={m.N})",
                            "use representation='mattis'")
                xi = m.patterns.astype(np.float64)
                J = xi @ xi.T
                np.fill_diagonal(J, 0.0)
                a.update(J=np.ascontiguousarray(J), scale=float(m.weights[0]) / m.N)
        self._cache[kind] = a
        return a

    def _refresh(self, st, kind):
        """Recompute the bookkeeping arrays of representation ``kind`` from the spins."""
        m = self.model
        G, C, N = st.sig.shape
        a = self._arrays(kind)
        s = st.sig.astype(np.float64)
        if kind == KIND["mattis"]:
            st.ov = np.ascontiguousarray(np.rint(s @ m.patterns.astype(np.float64)).astype(np.int64))
        elif kind == KIND["real"]:
            xi = m.patterns.astype(np.float64)
            ps = np.empty((G, C, m.K, m.P + 1))
            ps[..., 0] = m.K
            for k in range(1, m.P + 1):
                ps[..., k] = s @ (xi ** k) if k % 2 else (xi ** k).sum(0)
            st.ps = ps
        else:
            st.hl = np.ascontiguousarray(s @ a["J"])
        for name, shape, dt in (("ov", (G, C, 1), np.int64), ("ps", (G, C, 1, 1), np.float64),
                                ("hl", (G, C, 1), np.float64)):
            if getattr(st, name) is None:
                setattr(st, name, np.zeros(shape, dt))
        st.kind = kind

    # ---- state ------------------------------------------------------------------------
    def init_state(self, seed=0):
        """A fresh :class:`SamplerState`; everything random follows from ``seed``."""
        m = self.model
        G, R, L = self.chains, self.replicas, self.n_temps
        C = R * L
        ss = np.random.SeedSequence(seed)
        s_init, s_chain = ss.spawn(2)
        gen = np.random.default_rng(s_init)
        if isinstance(self.init, str) and self.init == "random":
            sig = gen.choice(np.array([-1, 1], dtype=np.int8), size=(G, C, m.N))
        else:
            s0 = (np.sign(m.patterns[:, 0]).astype(np.int8) if isinstance(self.init, str)
                  else np.asarray(self.init, dtype=np.int8))
            s0 = np.where(s0 == 0, 1, s0).astype(np.int8)
            sig = np.broadcast_to(s0, (G, C, m.N)).copy()
        slot = np.broadcast_to(np.arange(C, dtype=np.int64).reshape(R, L), (G, R, L)).copy()
        st = SamplerState(kind=-1, sig=np.ascontiguousarray(sig), ov=None, ps=None, hl=None,
                          rng=seed_states(s_chain, G), slot=slot,
                          ebook=np.zeros((G, C)), last_end=np.full((G, C), -1, np.int64),
                          acc=np.zeros((G, R, L), np.int64),
                          swap_acc=np.zeros((G, R, max(L - 1, 1)), np.int64),
                          swap_att=np.zeros((G, R, max(L - 1, 1)), np.int64),
                          rt=np.zeros((G, R), np.int64))
        kind = self._initial_kind()
        self._refresh(st, kind)
        st.ebook[:] = m.energy(st.sig)
        return st

    def energies(self, st):
        """Recomputed (NumPy, from the spins) total energies, shape (G, C)."""
        return self.model.energy(st.sig)

    # ---- memory and chunking ------------------------------------------------------------
    def _max_chunk(self, st):
        """Sweeps per chunk such that one chunk costs about CHUNK_TERMS pattern terms per group
        (a deterministic bound from the sizes, never from timings: results depend only on the
        seed)."""
        m = self.model
        G, C, N = st.sig.shape
        per_site = {KIND["mattis"]: m.K, KIND["real"]: m.K * (m.P + 1) ** 2,
                    KIND["coupling"]: N}[st.kind] + 20
        return max(1, int(CHUNK_TERMS // (N * C * per_site)))

    def _stream_capacity(self, st):
        """Blocks per observable: MAX_BLOCKS, fewer if the streams would exceed a quarter of
        the memory budget (at least MIN_BLOCKS, else the run is refused)."""
        G, R, L = st.slot.shape
        T = max(self._track().shape[1], 1)
        per_block = 3 * 8 * G * (R * L * (5 + T) + 3 * L)
        cap = min(MAX_BLOCKS, memory_budget() // 4 // per_block)
        cap = max(cap - cap % 2, MIN_BLOCKS)
        check_alloc(4 * cap * per_block, f"the measurement record of {G} chain group(s) x {R * L} "
                    "copies", "use fewer chains, replicas or temperatures")
        return cap

    def _check_state_memory(self, G, C):
        """State (spins + bookkeeping) and the smallest measurement record, before anything is
        allocated."""
        m = self.model
        kind = self._initial_kind()
        per_copy = m.N + 8 * {KIND["mattis"]: m.K, KIND["real"]: m.K * (m.P + 1),
                              KIND["coupling"]: m.N}[kind]
        T = max(self._track().shape[1], 1)
        record = MIN_BLOCKS * 3 * 8 * G * (C * (5 + T) + 3 * len(self.betas))
        check_alloc(G * C * per_copy + record, f"{G} chain group(s) x {C} copies (N={m.N}): "
                    "their state and measurement record", "use fewer chains, replicas or temperatures")

    # ---- running ----------------------------------------------------------------------
    def _chunk(self, st, g, n, out):
        a = self._arrays(st.kind)
        m = self.model
        E, M, MAG, Q = out
        run_group(st.kind, a["xi"], a["gco"], a["fco"], a["xp"], a["w"], a["P"], a["variant"],
                  a["pref"], a["J"], a["scale"], m.field, self._track(),
                  st.sig[g], st.ov[g], st.ps[g], st.hl[g], np.asarray(self.betas), st.slot[g],
                  RULES[self.rule], ORDERS[self.order], n, st.sweeps_done, st.rng[g],
                  self.n_temps > 1, st.ebook[g], st.last_end[g], E[g], M[g], MAG[g], Q[g],
                  st.acc[g], st.swap_acc[g], st.swap_att[g], st.rt[g])

    @staticmethod
    def _wait(futs):
        """Wait for a chunk; on Ctrl-C let the running chunk finish and return True."""
        interrupted = False
        for f in futs:
            while True:
                try:
                    f.result(timeout=0.25)
                    break
                except FutTimeout:
                    continue
                except KeyboardInterrupt:
                    interrupted = True
        for f in futs:
            f.result()
        return interrupted

    def _track(self):
        if "track" not in self._cache:
            self._cache["track"] = np.ascontiguousarray(self.model.track)
        return self._cache["track"]

    def _maybe_switch(self, st):
        """Hopfield 'auto': switch Mattis <-> coupling by the measured acceptance."""
        m = self.model
        if self.representation != "auto" or m.form != "hebbian" or m.P != 2 or not m.binary \
                or m.int_coefficients() is None or st.sweeps_done == 0:
            return
        if m.N * m.N * 8 > 512 * 1024 ** 2:
            return
        a = st.acc.sum() / max(st.sweeps_done * m.N * st.acc[0].size * st.acc.shape[0], 1)
        # cost per attempt in units of one pattern term: Mattis K (1 + a); coupling c0 + a N
        mattis, coupling = m.K * (1.0 + a), 20.0 + a * m.N
        want = KIND["coupling"] if coupling < mattis else KIND["mattis"]
        if want != st.kind:
            self._refresh(st, want)
            st.switched = f"auto: {'coupling' if want == 2 else 'mattis'} (acceptance {a:.3f})"

    def run(self, state, sweeps, burn=None, progress=False, chunk=None):
        """Advance ``state`` by ``sweeps`` sweeps; statistics skip the first ``burn`` of all
        recorded sweeps (default 20%).  Ctrl-C stops after the current chunk and returns
        what was gathered (``interrupted: true``)."""
        sweeps = check_int("sweeps", sweeps, lo=1)
        st = state
        G, R, L = st.slot.shape
        T = self._track().shape[1]
        if chunk is None:
            chunk = max(1, min(sweeps, max(sweeps // 50, 1), 2000, self._max_chunk(st)))
        per_sweep = 8 * G * (R * L * (3 + max(T, 1)) + L)
        check_alloc(chunk * per_sweep, f"the measurements of one chunk of {chunk} sweeps",
                    "use fewer chains or temperatures")
        capacity = self._stream_capacity(st)
        workers = self.workers or min(G, os.cpu_count() or 1)
        bar = progress_bar(total=sweeps, unit="sweep", leave=False,
                           show=None if progress else False)
        t_start = time.perf_counter()
        interrupted = False
        done = 0
        futs = []
        with ThreadPoolExecutor(max_workers=workers) as ex:
            while done < sweeps and not interrupted:
                try:
                    n = min(chunk, sweeps - done)
                    out = (np.zeros((G, n, R, L)), np.zeros((G, n, R, L, max(T, 1))),
                           np.zeros((G, n, R, L)), np.zeros((G, n, L)))
                    futs = [ex.submit(self._chunk, st, g, n, out) for g in range(G)]
                    interrupted = self._wait(futs)
                    M = out[1][..., 0] if T else np.full(out[0].shape, np.nan)
                    st.record({"E": out[0], "m": M, "abs_m": np.abs(M), "m_all": out[1],
                               "mag": out[2], "abs_mag": np.abs(out[2]), "q": out[3],
                               "abs_q": np.abs(out[3]), "q2": out[3] ** 2}, capacity)
                    st.sweeps_done += n
                    done += n
                    bar.update(n)
                    if st.kind in (KIND["real"],) or (st.kind == KIND["coupling"] and
                                                      self.model.form == "coupling"):
                        self._refresh(st, st.kind)       # cancel float drift of the bookkeeping
                    if done < sweeps and st.sweeps_done <= chunk:
                        self._maybe_switch(st)
                except KeyboardInterrupt:    # between chunks: stop with what is recorded
                    self._wait(futs)
                    interrupted = True
        bar.close()
        if "E" not in st.streams:          # interrupted before the first chunk was recorded
            raise KeyboardInterrupt
        res = self.summarise(st, burn=burn)
        res["interrupted"] = interrupted
        res["seconds"] = round(time.perf_counter() - t_start, 3)
        return res

    def sample(self, sweeps, seed=0, burn=None, progress=False):
        """``init_state(seed)`` + ``run``; returns (result, state)."""
        st = self.init_state(seed)
        return self.run(st, sweeps, burn=burn, progress=progress), st

    # ---- statistics -------------------------------------------------------------------
    def summarise(self, st, burn=None, observables=None):
        """Means, error bars, acceptance and PT diagnostics of the recorded sweeps (see
        :func:`statmech_nn.mc.summary.summarise`)."""
        return summarise(self, st, burn=burn, observables=observables)


def overlap_histogram(result, bins=41, temp=0):
    """P(q) histogram (centres, density) from a two-replica run's kept samples."""
    Q = result["series"]["q"]
    if Q.shape[-1] == 0 or result.get("replicas", 1) < 2:
        raise ParameterError("P(q) needs replicas=2")
    q = Q[..., temp].ravel()
    h, edges = np.histogram(q, bins=bins, range=(-1 - 1.0 / bins, 1 + 1.0 / bins), density=True)
    return 0.5 * (edges[1:] + edges[:-1]), h
