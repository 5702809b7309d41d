"""Monte Carlo over binary perceptron weights: a frozen definition, a state, rules as objects.

NetKet-like split (the shape the MC side is moving to, issue 13):

* :class:`PerceptronSampler` -- immutable: model, temperature(s), rule, site order, chains,
  replicas, initial condition, storage cap;
* :class:`PerceptronState` -- everything that changes: weights, stabilities, energies,
  explicit xoshiro RNG states (one per chain group), temperature slots, counters and the
  bounded measurement series;
* :data:`METROPOLIS`, :data:`HEAT_BATH` -- update rules as small objects that build the
  acceptance table of the kernel.

Kernels: :mod:`.kernels_perceptron` (O(P) per attempted flip; integer energies).

Measurements, one float per sweep per observable and chain, are kept in
:class:`BinnedSeries`: at most ``max_samples`` entries per chain; when full, neighbouring
entries are averaged pairwise and the bin width doubles (batch means), so memory is bounded
for any run length. Error bars: Sokal's tau_int on the (binned) series; with bin width b the
reported ``tau_int`` is b x tau_int(bins) in sweeps (resolved down to b; ``bin`` says b).
"""
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, beta_from, check_choice, check_int
from ..core.progress import progress_bar
from .autocorr import equilibration, estimate
from .kernels_perceptron import run_group
from .perceptron_model import PerceptronModel
from .rng import seed_states
from .sampler import MCResult, check_ladder

ORDERS = {"sequential": 0, "random": 1}
OBSERVABLES = ("energy", "training_error", "R", "generalization_error", "q", "abs_q")
#: default cap on stored samples per chain and observable (then pairwise binning)
MAX_SAMPLES = 1 << 16


@dataclass(frozen=True)
class Rule:
    """A single-flip update rule: acceptance probability p(beta, dE) for integer dE."""
    name: str

    def table(self, beta, P):
        """Acceptance probabilities for dE = -P..P (index dE + P); beta may be inf."""
        d = np.arange(-P, P + 1, dtype=np.float64)
        if self.name == "metropolis":
            if math.isinf(beta):
                return np.where(d <= 0, 1.0, 0.0)
            return np.minimum(1.0, np.exp(-beta * np.maximum(d, 0.0)))
        if math.isinf(beta):
            return np.where(d < 0, 1.0, np.where(d == 0, 0.5, 0.0))
        return 0.5 * (1.0 - np.tanh(0.5 * beta * d))        # 1/(1 + e^{beta dE}), no overflow


METROPOLIS = Rule("metropolis")
HEAT_BATH = Rule("heat-bath")
RULES = {r.name: r for r in (METROPOLIS, HEAT_BATH)}


class BinnedSeries:
    """Per-chain series with bounded storage: ``cap`` entries per chain, pairwise averaged
    (bin width doubled) when full. ``values()`` -> (chains, n_bins), bin width ``width``."""

    def __init__(self, chains, cap):
        self.cap = check_int("max_samples", cap, lo=64)
        self.cap -= self.cap % 2
        self.data = np.zeros((chains, self.cap))
        self.n = 0           # filled bins
        self.width = 1       # sweeps per bin
        self.pending = np.zeros((chains, 0))   # raw samples not yet forming a full bin

    def add(self, x):
        x = np.concatenate([self.pending, np.asarray(x, np.float64)], axis=1)
        C = x.shape[0]
        while True:
            w = self.width
            take = min(x.shape[1] // w, self.cap - self.n)
            if take:
                self.data[:, self.n:self.n + take] = x[:, :take * w].reshape(C, take, w).mean(2)
                self.n += take
                x = x[:, take * w:]
            if self.n < self.cap or x.shape[1] < w:
                break
            half = self.cap // 2      # full: average neighbouring bins, double the width
            self.data[:, :half] = 0.5 * (self.data[:, 0::2] + self.data[:, 1::2])
            self.n = half
            self.width *= 2
        self.pending = x

    def values(self):
        return self.data[:, :self.n]


@dataclass
class PerceptronState:
    """Mutable part of a perceptron run."""
    w: np.ndarray           # (G, C, N) int8
    u: np.ndarray           # (G, C, P) float64 stabilities
    E: np.ndarray           # (G, C) int64 violated patterns
    rng: np.ndarray         # (G, 4) uint64
    slot: np.ndarray        # (G, R, L) int64
    last_end: np.ndarray    # (G, C) int64
    acc: np.ndarray         # (G, R, L)
    swap_acc: np.ndarray    # (G, R, L-1)
    swap_att: np.ndarray
    rt: np.ndarray          # (G, R)
    series: dict = field(default_factory=dict)
    sweeps_done: int = 0
    drift_events: int = 0   # chunks where bookkept and recomputed energies differed

    def configurations(self):
        """(G, R, L, N) weights ordered by temperature slot."""
        return np.stack([self.w[g][self.slot[g]] for g in range(self.w.shape[0])])


@dataclass(frozen=True, eq=False)
class PerceptronSampler:
    """Immutable definition of a perceptron Monte Carlo run.

    ``T`` (T = 0: zero-temperature dynamics in the version space) or ``betas`` (strictly
    increasing ladder: parallel tempering); ``rule`` 'metropolis' | 'heat-bath' (or a
    :class:`Rule`); ``order`` 'random' | 'sequential'; ``chains`` independent chain groups
    (default one per core); ``replicas`` 1, or 2 to measure q; ``init`` 'random',
    'teacher' or a +-1 array of length N; ``max_samples`` the storage cap per chain and
    observable (see :class:`BinnedSeries`)."""
    model: PerceptronModel
    T: float | None = None
    betas: tuple | None = None
    rule: object = "metropolis"
    order: str = "random"
    chains: int | None = None
    replicas: int = 1
    init: object = "random"
    workers: int | None = None
    max_samples: int = MAX_SAMPLES

    def __post_init__(self):
        if not isinstance(self.model, PerceptronModel):
            raise ParameterError("model must be a PerceptronModel (statmech_nn.mc.perceptron_model)")
        if self.betas is None:
            object.__setattr__(self, "betas", (beta_from(T=self.T),))
        else:
            if self.T is not None:
                raise ParameterError("give either T or a beta ladder, not both")
            object.__setattr__(self, "betas", check_ladder(self.betas))
        rule = self.rule if isinstance(self.rule, Rule) else RULES.get(self.rule)
        if rule is None:
            raise ParameterError(f"rule={self.rule!r} is not one of {', '.join(RULES)}")
        object.__setattr__(self, "rule", rule)
        check_choice("order", self.order, tuple(ORDERS))
        check_int("replicas", self.replicas, lo=1, hi=2)
        ch = self.chains if self.chains is not None else max(1, os.cpu_count() or 1)
        object.__setattr__(self, "chains", check_int("chains", ch, lo=1))
        check_int("max_samples", self.max_samples, lo=64)
        m = self.model
        if isinstance(self.init, str):
            check_choice("init", self.init, ("random", "teacher"))
            if self.init == "teacher" and m.teacher is None:
                raise ParameterError("init='teacher' needs a teacher-student model")
        else:
            w0 = np.asarray(self.init)
            if w0.shape != (m.N,) or not np.all(np.isin(w0, (-1, 1))):
                raise ParameterError(f"init must be 'random', 'teacher' or a +-1 array of length N={m.N}")
        object.__setattr__(self, "_pacc", np.stack([rule.table(b, m.P) for b in self.betas]))

    @property
    def n_temps(self):
        return len(self.betas)

    def init_state(self, seed=0):
        """A fresh :class:`PerceptronState`; everything random follows from ``seed``."""
        m = self.model
        G, R, L = self.chains, self.replicas, self.n_temps
        C = R * L
        s_init, s_chain = np.random.SeedSequence(seed).spawn(2)
        if isinstance(self.init, str) and self.init == "random":
            w = np.random.default_rng(s_init).choice(np.array([-1, 1], np.int8), (G, C, m.N))
        else:
            w0 = m.teacher if isinstance(self.init, str) else np.asarray(self.init, np.int8)
            w = np.broadcast_to(w0.astype(np.int8), (G, C, m.N)).copy()
        z = lambda *s: np.zeros(s, np.int64)       # noqa: E731
        st = PerceptronState(
            w=np.ascontiguousarray(w), u=None, E=None, rng=seed_states(s_chain, G),
            slot=np.broadcast_to(np.arange(C, dtype=np.int64).reshape(R, L), (G, R, L)).copy(),
            last_end=np.full((G, C), -1, np.int64), acc=z(G, R, L),
            swap_acc=z(G, R, max(L - 1, 1)), swap_att=z(G, R, max(L - 1, 1)), rt=z(G, R))
        self._refresh(st)
        st.series = {k: [BinnedSeries(G * (1 if k == "q" else R), self.max_samples) for _ in range(L)]
                     for k in ("energy", "R", "generalization_error", "q")}
        return st

    def _refresh(self, st):
        """Recompute stabilities and energies from the weights (cancels float drift)."""
        m = self.model
        u = np.ascontiguousarray(st.w.astype(np.float64) @ m.A)
        E = np.sum(u < m.t, axis=-1).astype(np.int64)
        if st.E is not None and not np.array_equal(E, st.E):
            st.drift_events += 1
        st.u, st.E = u, E

    def _chunk(self, st, g, n, out):
        m = self.model
        E, Rr, Q = out
        run_group(m.A, m.t, m.teacher if m.teacher is not None else np.zeros(1, np.int8),
                  m.teacher is not None, st.w[g], st.u[g], st.E[g], self._pacc,
                  np.asarray(self.betas), st.slot[g], ORDERS[self.order], n, st.sweeps_done,
                  st.rng[g], self.n_temps > 1, E[g], Rr[g], Q[g], st.acc[g], st.swap_acc[g],
                  st.swap_att[g], st.rt[g], st.last_end[g])

    def run(self, state, sweeps, burn=None, progress=False, chunk=None):
        """Advance ``state`` by ``sweeps`` sweeps (N attempts each) and summarise; statistics
        skip the first ``burn`` sweeps of the state's history (default 20 %). Ctrl-C stops
        after the current chunk (``interrupted: true``)."""
        sweeps = check_int("sweeps", sweeps, lo=1)
        st = state
        G, R, L = st.slot.shape
        chunk = chunk or max(1, min(sweeps, max(sweeps // 50, 1), 2000))
        workers = self.workers or min(G, os.cpu_count() or 1)
        bar = progress_bar(total=sweeps, unit="sweep", leave=False, show=None if progress else False)
        t_start, done, interrupted = time.perf_counter(), 0, False
        with ThreadPoolExecutor(max_workers=workers) as ex:
            while done < sweeps and not interrupted:
                n = min(chunk, sweeps - done)
                out = (np.zeros((G, n, R, L)), np.zeros((G, n, R, L)), np.zeros((G, n, L)))
                futs = [ex.submit(self._chunk, st, g, n, out) for g in range(G)]
                try:
                    for f in futs:
                        f.result()
                except KeyboardInterrupt:
                    interrupted = True
                    for f in futs:
                        f.result()
                self._record(st, out)
                st.sweeps_done += n
                done += n
                bar.update(n)
                self._refresh(st)
        bar.close()
        res = self.summarise(st, burn=burn)
        res["interrupted"] = interrupted
        res["seconds"] = round(time.perf_counter() - t_start, 3)
        return res

    def _record(self, st, out):
        E, Rr, Q = out
        G, n, R, L = E.shape
        for l in range(L):
            per = lambda x: np.moveaxis(x[..., l], 2, 1).reshape(G * R, n)   # noqa: E731
            st.series["energy"][l].add(per(E))
            if self.model.teacher is not None:
                r = per(Rr)
                st.series["R"][l].add(r)
                st.series["generalization_error"][l].add(np.arccos(np.clip(r, -1, 1)) / np.pi)
            if R >= 2:
                st.series["q"][l].add(Q[..., l])

    def sample(self, sweeps, seed=0, burn=None, progress=False):
        """``init_state(seed)`` + ``run``; returns (result, state)."""
        st = self.init_state(seed)
        return self.run(st, sweeps, burn=burn, progress=progress), st

    def summarise(self, st, burn=None):
        """Means, error bars (tau_int), acceptance and PT diagnostics of the kept samples."""
        G, R, L = st.slot.shape
        n = st.sweeps_done
        burn = n // 5 if burn is None else check_int("burn", burn, lo=0)
        if burn >= n:
            raise ParameterError(f"burn={burn} must be smaller than the number of sweeps run ({n})")
        m = self.model
        obs, taus = {}, {}
        scale = {"training_error": m.N / max(m.P, 1)}
        width = st.series["energy"][0].width
        for name in OBSERVABLES:
            key = {"training_error": "energy", "abs_q": "q"}.get(name, name)
            if (key in ("R", "generalization_error") and m.teacher is None) or (key == "q" and R < 2):
                continue
            ests = []
            for l in range(L):
                bs = st.series[key][l]
                x = bs.values()[:, -(-burn // bs.width):] * scale.get(name, 1.0)
                if name == "abs_q":
                    x = np.abs(x)
                e = estimate(x)
                e["tau_int"] *= bs.width
                ests.append(e)
            pick = (lambda k: ests[0][k]) if L == 1 else (lambda k: [e[k] for e in ests])
            obs[name] = dict(mean=pick("mean"), err=pick("err"), tau_int=pick("tau_int"))
            taus[name] = pick("tau_int")
        acc = st.acc.sum(axis=(0, 1)) / max(n * m.N * G * R, 1)
        eq = []
        for l in range(L):
            bs = st.series["energy"][l]
            e = equilibration(bs.values(), -(-burn // bs.width))
            eq.append(e)
        Ts = [0.0 if math.isinf(b) else 1.0 / b for b in self.betas]
        res = MCResult(model=m.name, params=dict(m.params), convention=m.convention,
                       T=Ts[0] if L == 1 else Ts, rule=self.rule.name, order=self.order,
                       chains=G, replicas=R, sweeps=n, burn=burn, bin=width, observables=obs,
                       tau_int=taus, acceptance=float(acc[0]) if L == 1 else acc.tolist(),
                       equilibration=eq[0] if L == 1 else eq, drift_events=st.drift_events)
        if L > 1:
            att = st.swap_att.sum(axis=(0, 1))
            res["pt"] = dict(betas=list(self.betas),
                             swap_rate=(st.swap_acc.sum(axis=(0, 1)) / np.maximum(att, 1)).tolist(),
                             round_trips=int(st.rt.sum()),
                             round_trips_per_1000_sweeps=float(1000 * st.rt.sum() / max(n * G * R, 1)))
        return res
