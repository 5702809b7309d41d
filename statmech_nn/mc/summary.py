"""Statistics of a Monte Carlo run from its streamed record (:mod:`statmech_nn.mc.stream`):
means, error bars (Sokal's tau_int on the exact series, batch means once it is blocked),
acceptance, equilibration and parallel-tempering diagnostics, as an :class:`MCResult`."""
import math

import numpy as np

from ..core.errors import ParameterError, check_int
from ..core.result import AttrDict
from .autocorr import equilibration, estimate

OBSERVABLES = ("energy", "m", "abs_m", "mag", "abs_mag", "q", "abs_q", "q2")
KIND_NAMES = {0: "mattis", 1: "real", 2: "coupling"}


class MCResult(AttrDict):
    """Result of a run; attribute access mirrors keys; ``to_dict()`` is JSON-ready.

    Keys: ``model``, ``params``, ``T`` (list if tempering), ``sweeps``, ``burn``,
    ``observables`` ({name: {mean, err, tau_int}}; lists over temperature with a ladder),
    ``acceptance``, ``tau_int``, ``equilibration``, ``pt`` (swap rates, round trips),
    ``interrupted``, ``seconds``.  ``series`` (not serialised) holds the raw per-sweep
    arrays (chains, sweeps[, temperatures]).
    """

    def to_dict(self):
        from ..core.result import jsonable
        return jsonable({k: v for k, v in self.items() if k != "series"})


def summarise(sampler, st, burn=None, observables=None):
    """Means, error bars (Sokal tau_int; batch means once the record is blocked, see
    mc/stream.py), acceptance, PT diagnostics from the state."""
    G, R, L = st.slot.shape
    if "E" not in st.streams:
        raise ParameterError("no sweeps recorded yet: run the sampler first")
    n = st.streams["E"].n
    burn = n // 5 if burn is None else check_int("burn", burn, lo=0)
    if burn >= n:
        raise ParameterError(f"burn={burn} must be smaller than the number of sweeps run ({n})")
    obs_names = OBSERVABLES if observables is None else tuple(observables)
    for o in obs_names:
        if o not in OBSERVABLES:
            raise ParameterError(f"unknown observable {o!r}; choose from {', '.join(OBSERVABLES)}")
    view = {k: v.view(burn) for k, v in st.streams.items()}
    width, burn = view["E"][3], view["E"][4]

    def chains(key, l):   # (G, b, R, L[, T]) -> (G*R, b) blocks of temperature l
        def per(x):
            x = x[..., l]
            return x.reshape(G, -1) if x.ndim == 2 else np.moveaxis(x, 2, 1).reshape(G * R, -1)
        return per(view[key][0]), per(view[key][1])

    source = {"energy": "E", "mag": "mag", "abs_mag": "abs_mag", "m": "m", "abs_m": "abs_m"}
    if sampler.model.patterns is None:     # SK: m is the magnetisation
        source.update(m="mag", abs_m="abs_mag")
    if R >= 2:
        source.update(q="q", abs_q="abs_q", q2="q2")
    obs, taus = {}, {}
    for name in obs_names:
        if name not in source:
            continue
        ests = [estimate(*chains(source[name], l)[:1], width=width, sq=chains(source[name], l)[1])
                for l in range(L)]
        if L == 1:
            e = ests[0]
            obs[name] = dict(mean=e["mean"], err=e["err"], tau_int=e["tau_int"])
            taus[name] = e["tau_int"]
        else:
            obs[name] = dict(mean=[e["mean"] for e in ests], err=[e["err"] for e in ests],
                             tau_int=[e["tau_int"] for e in ests])
            taus[name] = [e["tau_int"] for e in ests]
    N = sampler.model.N
    nsw = st.sweeps_done
    acc = st.acc.sum(axis=(0, 1)) / max(nsw * N * G * R, 1)
    eq = [equilibration(chains("E", l)[0], burn, width) for l in range(L)]
    Ts = [0.0 if math.isinf(b) else 1.0 / b for b in sampler.betas]
    res = MCResult(
        model=sampler.model.name, params=dict(sampler.model.params),
        convention=sampler.model.convention,
        T=Ts[0] if L == 1 else Ts, rule=sampler.rule, order=sampler.order,
        representation=KIND_NAMES[st.kind],
        representation_note=st.switched, chains=G, replicas=R, sweeps=n, burn=burn,
        observables=obs, tau_int=taus,
        acceptance=float(acc[0]) if L == 1 else acc.tolist(),
        equilibration=eq[0] if L == 1 else eq,
        block_width=width,
    )
    if L > 1:
        att = st.swap_att.sum(axis=(0, 1))
        res["pt"] = dict(betas=list(sampler.betas),
                         swap_rate=(st.swap_acc.sum(axis=(0, 1)) / np.maximum(att, 1)).tolist(),
                         round_trips=int(st.rt.sum()),
                         round_trips_per_1000_sweeps=float(1000 * st.rt.sum() / max(nsw * G * R, 1)))
    if sampler._track().shape[1] > 1:
        mb, sb = view["m_all"][0], view["m_all"][1]          # (G, b, R, L, T)

        def tracked(l, t):
            a = np.moveaxis(mb[..., l, t], 2, 1).reshape(G * R, -1)
            b = np.moveaxis(sb[..., l, t], 2, 1).reshape(G * R, -1)
            e = estimate(a, width=width, sq=b)
            return {k: e[k] for k in ("mean", "err", "tau_int")}
        res["tracked_overlaps"] = [[tracked(l, t) for t in range(mb.shape[-1])] for l in range(L)]
        if L == 1:
            res["tracked_overlaps"] = res["tracked_overlaps"][0]
    # the kept samples themselves: every sweep while the record fits, else every
    # ``block_width``-th sweep (a uniformly thinned series, e.g. for histograms)
    res["series"] = {k: view[k][2] for k in ("E", "m", "mag", "q", "m_all")}
    return res
