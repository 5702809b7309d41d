"""Validation rows: Monte Carlo against exact enumeration, exact sums and exact limits.

MC rows return a z-score (MC - exact) / err with err from the integrated
autocorrelation time; they pass when ``|z| <= 4`` (false-alarm rate ~6e-5 per row for
Gaussian errors). Seeds are fixed, so the rows are reproducible.
"""
import numpy as np

from . import check

FAM = "mc"


def _z(mean, err, exact):
    return (mean - exact) / err


@check("mc_curie_weiss_P4_energy", "P=4 Curie-Weiss (K=1 dense), N=24, T=0.03: MC energy z-score",
       "exact finite-N binomial sum", 0.0, 4.0, kind="cross-check", family=FAM)
def _cw():
    from .. import mc
    from ..mc.enumeration import curie_weiss_exact
    N, T = 24, 0.03
    ex = curie_weiss_exact(N, P=4, T=T)
    s = mc.Sampler(mc.curie_weiss(N=N, P=4), T=T, chains=2, init="random")
    res = s.run(s.init_state(seed=11), sweeps=20000, progress=False)
    o = res["observables"]["energy"]
    return _z(o["mean"], o["err"], ex["energy"])


@check("mc_sk_enumeration_energy", "SK N=14, T=0.7: MC energy z-score", "exact enumeration (2^14 states)",
       0.0, 4.0, kind="cross-check", family=FAM)
def _sk():
    from .. import mc
    from ..mc.enumeration import enumerate_exact
    model = mc.sk(N=14, seed=5)
    ex = enumerate_exact(model, T=0.7)
    s = mc.Sampler(model, T=0.7, chains=2, init="random")
    res = s.run(s.init_state(seed=3), sweeps=6000, progress=False)
    o = res["observables"]["energy"]
    return _z(o["mean"], o["err"], ex["energy"])


@check("mc_hopfield_mattis_vs_coupling", "Hopfield N=64, K=5: abs(E_Mattis - E_coupling) after 300 sweeps",
       "cross-check: two representations, same seed, bitwise-identical trajectories", 0.0, 0.0,
       kind="cross-check", family=FAM)
def _hop():
    from .. import mc
    model = mc.hopfield(N=64, K=5, seed=2)
    out = []
    for rep in ("mattis", "coupling"):
        s = mc.Sampler(model, T=0.4, chains=1, representation=rep, init="random")
        res = s.run(s.init_state(seed=7), sweeps=300, progress=False)
        out.append(res["observables"]["energy"]["mean"])
    return abs(out[0] - out[1])
