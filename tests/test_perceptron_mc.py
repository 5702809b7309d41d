"""Perceptron Monte Carlo (statmech_nn.mc.perceptron_*): exact enumeration two ways, chi-square
tests of the energy / teacher-overlap / replica-overlap histograms against enumeration
(Metropolis, heat bath, parallel tempering), exact bookkeeping, bounded storage, and the T = 1
teacher-student averages against RS theory over instances.

Histogram tests thin by ceil(2 tau_int) and pass at p > 1e-3 (see test_mc_stats.py); means
pass at |z| < 4 with tau_int error bars."""
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.mc.perceptron_exact import perceptron_exact
from statmech_nn.mc.perceptron_model import from_data, perceptron_storage, perceptron_teacher
from statmech_nn.mc.perceptron_sampler import BinnedSeries, PerceptronSampler
from statmech_nn.perceptron import mc as pmc
from statmech_nn.perceptron.common import sign
from test_mc_stats import ALPHA, chi2_pvalue


def _brute(model, T):
    """Gibbs averages from the raw (P, N) patterns and labels: the definition, in NumPy."""
    N = model.N
    W = ((np.arange(1 << N)[:, None] >> np.arange(N)) & 1) * 2 - 1
    h = W @ model.X.T
    if model.energy_kind == "errors":
        E = np.sum(sign(h) != model.y, axis=1)
    else:
        E = np.sum(model.y * h / math.sqrt(N) < model.kappa, axis=1)
    lw = np.where(E == E.min(), 0.0, -np.inf) if T == 0 else -E / T
    p = np.exp(lw - lw.max())
    p /= p.sum()
    out = dict(energy=p @ E / N)
    if model.teacher is not None:
        out["R"] = p @ (W @ model.teacher) / N
    return out


@pytest.mark.parametrize("make,T", [
    (lambda: perceptron_teacher(12, 1.0, seed=1), 0.7),
    (lambda: perceptron_teacher(12, 1.25, seed=2, inputs="rademacher"), 0.5),   # even N: ties u = 0
    (lambda: perceptron_teacher(11, 1.3, seed=3), 0.0),
    (lambda: perceptron_storage(12, 1.0, kappa=0.3, seed=4), 0.6),
])
def test_enumeration_three_ways(make, T):
    """Gray-code enumeration == NumPy definition == the (P, N)-layout chunked enumeration."""
    m = make()
    ex = perceptron_exact(m, T=T)
    ref = _brute(m, T)
    old = pmc.exact_averages(m.X, m.y, T, m.teacher, energy=m.energy_kind, kappa=m.kappa)
    for k in ref:
        assert abs(ex[k] - ref[k]) < 1e-12 and abs(old[k] - ref[k]) < 1e-12, k
    assert abs(ex["P_E"].sum() - 1) < 1e-12 and abs(ex["P_q"].sum() - 1) < 1e-12


def test_errors_energy_counts_ties_as_sign_plus_one():
    """+-1 inputs, even N: a zero field predicts +1, so it is an error exactly when y = -1."""
    X = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    y = np.array([-1.0, 1.0, 1.0])
    m = from_data(X, y, teacher=np.array([1, 1]))
    w = np.array([1, 1])                  # fields 0, 2, 0 -> predictions +1, +1, +1
    assert m.energy(w) == 1 and m.energy(np.array([1, -1])) == 2


@pytest.mark.parametrize("rule,order", [("metropolis", "random"), ("heat-bath", "sequential")])
def test_histograms_vs_enumeration(rule, order):
    m = perceptron_teacher(12, 1.0, seed=7)
    T = 0.6
    ex = perceptron_exact(m, T=T)
    s = PerceptronSampler(m, T=T, rule=rule, order=order, chains=2, replicas=2)
    r, st = s.sample(12000, seed=11, burn=200)
    o = r.observables
    assert st.series["energy"][0].width == 1 and st.drift_events == 0
    for name, key, sup, P in (("energy", "energy", ex["E_values"] / m.N, ex["P_E"]),
                              ("R", "R", ex["R_values"], ex["P_R"]),
                              ("q", "q", ex["q_values"], ex["P_q"])):
        chains = st.series[key][0].values()[:, 200:]
        pv, n = chi2_pvalue(chains, sup, P, o[name]["tau_int"])
        assert pv > ALPHA, (name, pv, n)
        assert abs(o[name]["mean"] - (ex["q_values"] @ ex["P_q"] if name == "q" else ex[name])) \
            < 4 * o[name]["err"], name
    assert abs(o["generalization_error"]["mean"] - ex["generalization_error"]) < 4 * o["generalization_error"]["err"]


def test_parallel_tempering_vs_enumeration():
    m = perceptron_storage(12, 1.2, kappa=0.2, seed=5)
    betas = (0.5, 1.0, 2.0, 4.0)
    s = PerceptronSampler(m, betas=betas, chains=2)
    r, st = s.sample(6000, seed=3)
    assert len(r.pt["swap_rate"]) == 3 and min(r.pt["swap_rate"]) > 0.1 and r.pt["round_trips"] > 0
    for l, b in enumerate(betas):
        ex = perceptron_exact(m, beta=b)
        o = r.observables["energy"]
        assert abs(o["mean"][l] - ex["energy"]) < 4 * o["err"][l], (b, o["mean"][l], ex["energy"])
    ex = perceptron_exact(m, beta=betas[-1])
    pv, _ = chi2_pvalue(st.series["energy"][-1].values()[:, 1200:], ex["E_values"] / m.N, ex["P_E"],
                        r.observables["energy"]["tau_int"][-1])
    assert pv > ALPHA


def test_bookkeeping_is_exact_and_runs_reproducible():
    """+-1 inputs: stabilities are integers, so the incremental ones equal the recomputed ones
    bit for bit; the same seed gives the same chains."""
    m = perceptron_teacher(60, 1.5, seed=9, inputs="rademacher")
    s = PerceptronSampler(m, T=0.3, chains=2, replicas=2)
    st = s.init_state(seed=4)
    r1 = s.run(st, 300)
    assert np.array_equal(st.u, st.w.astype(float) @ m.A) and st.drift_events == 0
    assert np.array_equal(st.E, m.energy(st.w))
    r2, _ = s.sample(300, seed=4)
    assert r1.observables == r2.observables
    with pytest.raises(ParameterError, match="init='teacher'"):
        PerceptronSampler(perceptron_storage(20, 0.5), T=1, init="teacher")


def test_T0_dynamics_never_go_uphill_and_can_get_stuck():
    """T = 0: only dE <= 0 moves (heat bath: dE = 0 with probability 1/2). Single flips from a
    random start end in a local minimum above the version space here (E = 2 at N = 40,
    alpha = 0.8): zero-temperature dynamics is not a sampler of the version space."""
    m = perceptron_teacher(40, 0.8, seed=2)
    s = PerceptronSampler(m, T=0, chains=1, rule="heat-bath")
    r, st = s.sample(500, seed=1, burn=0)
    e = st.series["energy"][0].values()[0]
    assert np.all(np.diff(e) <= 0) and st.E[0, 0] > 0 and m.energy(m.teacher) == 0


def test_binned_series_is_bounded_and_keeps_the_mean():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 10_000))
    b = BinnedSeries(2, 256)
    for k in range(0, 10_000, 333):
        b.add(x[:, k:k + 333])
    v = b.values()
    assert v.shape[1] <= 256 and b.width == 64
    n = v.shape[1] * b.width
    assert np.allclose(v.mean(1), x[:, :n].mean(1), atol=1e-12)


def test_mc_T1_matches_rs_theory_over_instances():
    """RS at alpha = 1, T = 1: R = 0.27137, q = 0.16354, e = 0.21652. N = 400, 6 instances
    (mean and standard error over instances, which holds the disorder fluctuations; the
    single-instance thermal error bars are ~3 times smaller)."""
    from statmech_nn.theory import get_model
    th = get_model("perceptron-teacher").solve(alpha=1.0, T=1.0)
    vals = {"R": [], "q": [], "energy": []}
    for k in range(6):
        m = perceptron_teacher(400, 1.0, seed=(21, k))
        r, _ = PerceptronSampler(m, T=1.0, chains=1, replicas=2).sample(500, seed=k)
        for key in vals:
            vals[key].append(r.observables[key]["mean"])
    ref = {"R": th.order_parameters["R"], "q": th.order_parameters["q"], "energy": th.energy}
    for key, v in vals.items():
        se = np.std(v, ddof=1) / math.sqrt(len(v))
        assert abs(np.mean(v) - ref[key]) < 4 * se + 0.004, (key, np.mean(v), se, ref[key])
