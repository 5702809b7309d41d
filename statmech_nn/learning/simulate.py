"""Monte Carlo for dense Hebbian learning, through the package's MC engine.

* data: archetypes xi (N, K), examples eta (N, K, M) = chi * xi, P(chi = +1) = (1 + r)/2;
* supervised network: the engine's real-pattern Hebbian model on the normalised class
  averages xi~ = sum_a eta / (M sqrt R) (K patterns, O(K P^2) per flip);
* unsupervised network: the engine's binary Hebbian model on all K M examples with the
  uniform weight 1/(M R^{P/2}) (exact integer kernel, O(K M) per flip);
* both with the theory's distinct-index Hamiltonians (statmech_nn.learning.theory);
* the recorded Mattis overlap is the one with the *archetype* xi^1 (never shown to the
  network); final states are classified as 'archetype', 'example' (a memorised example:
  the unsupervised network at small M r^P) or 'other';
* Plefka (order-2 TAP) magnetisations on the same synaptic tensors, with the speed-up and
  the error against the full sampler.
"""
import dataclasses
import time

import numpy as np

from ..core.errors import check_choice, check_int, check_range
from . import laws as L


def make_dataset(N, K, M, r, seed=0):
    """Archetypes (N, K) and examples (N, K, M), int8, from one seed."""
    N, K, M = check_int("N", N, lo=2), check_int("K", K, lo=1), check_int("M", M, lo=1)
    r = check_range("r", r, 0.0, 1.0)
    g = np.random.default_rng(np.random.SeedSequence(seed))
    xi = g.choice(np.array([-1, 1], np.int8), size=(N, K))
    chi = np.where(g.random((N, K, M)) < (1 + r) / 2, 1, -1).astype(np.int8)
    return xi, (chi * xi[:, :, None]).astype(np.int8)


def normalised_class_average(eta, r=None):
    """xi~ = sum_a eta / (M sqrt R): R = r^2 + (1-r^2)/M from r, or (r=None) the empirical
    per-class mean square, so that mean(xi~^2) = 1."""
    M = eta.shape[-1]
    avg = eta.astype(np.float64).sum(-1) / M
    if r is None:
        R = np.mean(avg ** 2, axis=0, keepdims=True)
    else:
        R = L.R_of(r, M)
    return avg / np.sqrt(R)


def _tracked(model, archetype):
    """Same model, Mattis overlap recorded on the archetype instead of the first pattern."""
    from ..mc.models import MCModel

    @dataclasses.dataclass(frozen=True, eq=False)
    class _ArchetypeTracked(MCModel):
        archetype: np.ndarray = None

        @property
        def track(self):
            return np.ascontiguousarray(self.archetype[:, None], dtype=np.float64)

    kw = {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}
    return _ArchetypeTracked(**kw, archetype=np.asarray(archetype, np.float64))


def mc_model(protocol, xi, eta, P, r=None):
    """The engine's model of the supervised or unsupervised network (archetype tracked)."""
    from ..mc.models import weighted_patterns
    protocol = check_choice("protocol", protocol, ("supervised", "unsupervised"))
    N, K, M = eta.shape
    if protocol == "supervised":
        model = weighted_patterns(normalised_class_average(eta, r), P, name="dense-hebbian-supervised")
    else:
        R = L.R_of(r, M) if r is not None else float(np.mean((eta.sum(-1) / M) ** 2))
        w = np.full(K * M, 1.0 / (M * R ** (P / 2)))
        model = weighted_patterns(eta.reshape(N, K * M), P, weights=w, name="dense-hebbian-unsupervised")
    return _tracked(model, xi[:, 0])


def classify_states(sig, xi1, eta1, level=0.5):
    """'archetype' | 'example' | 'other' for each state in sig (..., N).

    example: ``max_a |m_a| > |m_arch|`` and > level (the network sits on one example);
    archetype: ``|m_arch| >= max_a |m_a|`` and > level."""
    s = np.asarray(sig, np.float64)
    N = s.shape[-1]
    ma = np.abs(s @ xi1.astype(np.float64)) / N
    mex = np.max(np.abs(s @ eta1.astype(np.float64)), axis=-1) / N
    out = np.where((mex > ma) & (mex > level), "example",
                   np.where((ma >= mex) & (ma > level), "archetype", "other"))
    return out, ma, mex


def simulate(protocol, N, P, K, M, r, T, sweeps=200, seed=0, init="archetype", chains=2,
             rule="heat-bath", data=None):
    """One Monte Carlo run; returns archetype overlap (mean, err), state classes, timing.

    ``init``: 'archetype' (xi^1), 'example' (eta^{1,1}) or 'random'."""
    from ..mc import Sampler
    check_choice("init", init, ("archetype", "example", "random"))
    xi, eta = data if data is not None else make_dataset(N, K, M, r, seed)
    model = mc_model(protocol, xi, eta, P, r)
    s0 = {"archetype": xi[:, 0], "example": eta[:, 0, 0]}.get(init, "random")
    t0 = time.perf_counter()
    res, st = Sampler(model, T=T, rule=rule, chains=chains, init=s0).sample(sweeps, seed=seed)
    dt = time.perf_counter() - t0
    cls, ma, mex = classify_states(st.sig.reshape(-1, N), xi[:, 0], eta[:, 0, :])
    m = res.observables["m"]
    return dict(protocol=protocol, N=N, P=P, K=K, M=M, r=r, T=T, sweeps=sweeps, init=init,
                m=float(m["mean"]), m_err=float(m["err"]), abs_m_final=ma.tolist(),
                example_overlap_final=mex.tolist(), states=cls.tolist(),
                memorised_example=bool(np.any(cls == "example")), seconds=dt,
                acceptance=res.acceptance, representation=res.representation)


def plefka_vs_mc(protocol, N, P, K, M, r, T, sweeps=200, seed=0, order=2, chains=2):
    """Plefka (TAP, ``order``) magnetisations vs the full sampler on the same data: archetype
    overlaps, wall times (MC timed after a JIT warm-up), speed-up = t_MC / t_Plefka and
    ``|m_plefka - m_mc|`` (also in units of the MC error bar)."""
    from ..mc.plefka import PlefkaSampler
    data = make_dataset(N, K, M, r, seed)
    simulate(protocol, N, P, K, M, r, T, sweeps=1, seed=seed, chains=1, data=data)   # JIT warm-up
    full = simulate(protocol, N, P, K, M, r, T, sweeps=sweeps, seed=seed, chains=chains, data=data)
    model = mc_model(protocol, data[0], data[1], P, r)
    t0 = time.perf_counter()
    pl = PlefkaSampler(model, T=T, order=order).solve(init=0.9 * data[0][:, 0].astype(float))
    dt = time.perf_counter() - t0
    m_pl = float(data[0][:, 0] @ pl["site_mag"] / N)
    err = abs(m_pl - full["m"])
    return dict(m_mc=full["m"], m_mc_err=full["m_err"], m_plefka=m_pl, abs_error=err,
                error_in_sigma=err / max(full["m_err"], 1e-12), seconds_mc=full["seconds"],
                seconds_plefka=dt, speedup=full["seconds"] / max(dt, 1e-9),
                plefka_converged=pl["converged"], order=order)


def theory_point(protocol, P, alpha, T, r, M, law="binomial"):
    """The RS prediction matching a simulation (low load: alpha = 0)."""
    from ..theory import get_model
    return get_model(f"dense-hebbian-{protocol}").solve(P=P, alpha=alpha, T=T, r=r, M=M, law=law,
                                                        branch="retrieval")


def named_model(name, N, P=4, K=None, alpha=None, M=None, r=None, seed=0):
    """The MC model of ``dense-hebbian-supervised`` / ``-unsupervised`` by name (the ``mc`` and
    ``compare`` commands): K = round(alpha N^(P-1)) classes (or K), M examples of quality r
    each; returns (model, archetype xi^1). The recorded overlap ``m`` is with the archetype."""
    from ..core.errors import ParameterError
    protocol = name.rsplit("-", 1)[-1]
    check_choice("model", name, ("dense-hebbian-supervised", "dense-hebbian-unsupervised"))
    P = check_int("P", 4 if P is None else P, lo=2, even=True)
    if M is None or r is None:
        raise ParameterError(f"{name} needs --M (examples per class) and --r (dataset quality)")
    if (K is None) == (alpha is None):
        raise ParameterError("give exactly one of K (number of classes) or alpha (load)")
    if K is None:
        a = check_range("alpha", alpha, lo=0.0, lo_open=True, allowed="(0, inf)")
        K = int(round(a * float(N) ** (P - 1)))
        if K < 1:
            raise ParameterError(f"N={N} is too small for alpha={alpha}: K = round(alpha N^{P - 1}) = {K}")
    xi, eta = make_dataset(N, K, M, r, seed)
    model = dataclasses.replace(mc_model(protocol, xi, eta, P, r),
                                params=dict(N=int(N), K=int(K), P=P, M=int(M), r=float(r),
                                            alpha=K / float(N) ** (P - 1)))
    return model, xi[:, 0]
