"""Statistical checks of the MC engine against exact results.

All runs are seeded, so each test is deterministic.  Histograms are compared with a
chi-square test on samples thinned by ceil(2 tau_int) sweeps (so they are close to
independent); the acceptance threshold is a p-value of ALPHA = 1e-3, i.e. the false-alarm
rate of each histogram test for a correct sampler is 0.1% (over random seeds).  Means
are compared with |z| < 4 using the tau_int-based error bars (false-alarm rate ~6e-5).
"""
import math

import numpy as np
import pytest
from scipy import stats

from statmech_nn import mc
from statmech_nn.mc.autocorr import estimate, tau_int
from statmech_nn.mc.enumeration import curie_weiss_exact, distribution, enumerate_exact

ALPHA = 1e-3


def chi2_pvalue(samples_by_chain, support, probs, tau):
    thin = max(1, int(math.ceil(2 * tau)))
    x = np.concatenate([np.asarray(c)[::thin] for c in samples_by_chain])
    x = np.round(x, 9)
    sup = np.round(np.asarray(support), 9)
    idx = np.searchsorted(sup, x)
    assert np.all(sup[np.clip(idx, 0, len(sup) - 1)] == x), "sample outside the exact support"
    obs = np.bincount(idx, minlength=len(sup)).astype(float)
    exp = probs * len(x)
    # merge bins with small expectation (in order) so every bin has exp >= 5
    o2, e2, ao, ae = [], [], 0.0, 0.0
    for o, e in zip(obs, exp):
        ao += o
        ae += e
        if ae >= 5:
            o2.append(ao)
            e2.append(ae)
            ao = ae = 0.0
    if ae > 0:
        o2[-1] += ao
        e2[-1] += ae
    o2, e2 = np.array(o2), np.array(e2)
    chi2 = ((o2 - e2) ** 2 / e2).sum()
    return stats.chi2.sf(chi2, len(o2) - 1), len(x)


def _z(mean, err, exact):
    return abs(mean - exact) / err


def test_tau_int_of_ar1_process():
    rng = np.random.default_rng(0)
    phi = 0.8
    x = np.zeros((4, 50_000))
    for t in range(1, x.shape[1]):
        x[:, t] = phi * x[:, t - 1] + rng.standard_normal(4)
    exact = 0.5 * (1 + phi) / (1 - phi)   # = 4.5
    assert tau_int(x[0]) == pytest.approx(exact, rel=0.12)
    e = estimate(x)
    assert abs(e["mean"]) < 4 * e["err"]
    assert e["err"] == pytest.approx(math.sqrt(2 * exact / (1 - phi ** 2) / x.size), rel=0.15)


def test_hopfield_mattis_histogram_vs_enumeration():
    m = mc.hopfield(12, K=2, seed=1)
    T = 0.8
    ex = enumerate_exact(m, T=T)
    sup, p = distribution(ex["m_values"], ex["p"])
    r, _ = mc.Sampler(m, T=T, chains=2).sample(12_000, seed=2)
    o = r["observables"]
    assert _z(o["energy"]["mean"], o["energy"]["err"], ex["energy"]) < 4
    chains = r["series"]["m"][:, :, 0, 0]
    pv, n = chi2_pvalue(chains, sup, p, o["m"]["tau_int"])
    assert n > 1000 and pv > ALPHA


def test_sk_overlap_distribution_vs_enumeration():
    m = mc.sk(10, seed=3)
    T = 0.6
    ex = enumerate_exact(m, T=T)
    r, _ = mc.Sampler(m, T=T, chains=2, replicas=2, rule="heat-bath").sample(12_000, seed=4)
    o = r["observables"]
    assert _z(o["energy"]["mean"], o["energy"]["err"], ex["energy"]) < 4
    assert _z(o["q2"]["mean"], o["q2"]["err"], ex["q2"]) < 4
    pv, n = chi2_pvalue(r["series"]["q"][:, :, 0], ex["q_values"], ex["P_q"], o["q"]["tau_int"])
    assert pv > ALPHA


def test_dense_p4_and_real_patterns_vs_enumeration():
    m = mc.dense_hebbian(11, P=4, K=3, seed=5)
    T = 0.06
    ex = enumerate_exact(m, T=T)
    r, _ = mc.Sampler(m, T=T, chains=2, order="random").sample(15_000, seed=6)
    o = r["observables"]
    assert _z(o["energy"]["mean"], o["energy"]["err"], ex["energy"]) < 4
    sup, p = distribution(ex["m_values"], ex["p"])
    pv, _ = chi2_pvalue(r["series"]["m"][:, :, 0, 0], sup, p, o["m"]["tau_int"])
    assert pv > ALPHA
    # real-valued weighted patterns (the learning protocols' form), power-sum kernel
    g = np.random.default_rng(7)
    w = mc.weighted_patterns(g.normal(size=(10, 3)), P=4, weights=[1.0, 0.5, 0.25])
    ex = enumerate_exact(w, T=0.1)
    r, _ = mc.Sampler(w, T=0.1, chains=2, rule="heat-bath").sample(8000, seed=8)
    o = r["observables"]
    assert r["representation"] == "real"
    assert _z(o["energy"]["mean"], o["energy"]["err"], ex["energy"]) < 4


def test_curie_weiss_p4_parallel_tempering_vs_binomial_sum():
    """K = 1 dense model (P-spin Curie-Weiss) across its first-order transition."""
    N, P = 30, 4
    Ts = np.linspace(0.1, 0.05, 8)
    s = mc.Sampler(mc.curie_weiss(N, P=P), betas=tuple(1 / Ts), chains=2)
    r, _ = s.sample(12_000, seed=1)
    o = r["observables"]
    pt = r["pt"]
    assert all(0.2 < x <= 1 for x in pt["swap_rate"]) and pt["round_trips"] > 50
    for k, T in enumerate(Ts):
        ex = curie_weiss_exact(N, P, T=T)
        assert _z(o["energy"]["mean"][k], o["energy"]["err"][k], ex["energy"]) < 4
        assert _z(o["abs_m"]["mean"][k], o["abs_m"]["err"][k], ex["abs_m"]) < 4
    # P(m) at the coldest temperature (bimodal: coexisting ferro/para states)
    ex = curie_weiss_exact(N, P, T=Ts[-1])
    chains = r["series"]["m"][:, :, 0, -1]
    pv, _ = chi2_pvalue(chains, ex["m_values"], ex["P_m"], o["m"]["tau_int"][-1])
    assert pv > ALPHA


def test_curie_weiss_p2_at_critical_point():
    N = 200
    ex = curie_weiss_exact(N, 2, T=1.0)
    r, _ = mc.Sampler(mc.curie_weiss(N), T=1.0, chains=2).sample(6000, seed=3)
    o = r["observables"]
    assert _z(o["energy"]["mean"], o["energy"]["err"], ex["energy"]) < 4
    assert _z(o["abs_m"]["mean"], o["abs_m"]["err"], ex["abs_m"]) < 4


def test_sk_paramagnetic_energy():
    """u = -1/(2T) for T > 1.  Finite N: E_J <u> = -(1 - 1/N)/(2T) (annealed = quenched
    for T > 1 up to O(1/N)); one disorder sample fluctuates by O(1/N) around it."""
    N = 400
    for T in (1.5, 2.5):
        r, _ = mc.Sampler(mc.sk(N, seed=int(10 * T)), T=T, chains=2).sample(1500, seed=1)
        o = r["observables"]["energy"]
        exact = -(1 - 1 / N) / (2 * T)
        assert abs(o["mean"] - exact) < 4 * o["err"] + 3.0 / N, (T, o, exact)


def test_parallel_tempering_sk_vs_enumeration():
    m = mc.sk(12, seed=9)
    betas = mc.geometric_ladder(0.4, 1.5, 5)
    r, _ = mc.Sampler(m, betas=betas, chains=2, replicas=2).sample(6000, seed=2)
    o = r["observables"]
    for k, b in enumerate(betas):
        ex = enumerate_exact(m, beta=b)
        assert _z(o["energy"]["mean"][k], o["energy"]["err"][k], ex["energy"]) < 4
        assert _z(o["q2"]["mean"][k], o["q2"]["err"][k], ex["q2"]) < 4
    assert r["pt"]["round_trips"] > 10
