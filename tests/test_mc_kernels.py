"""MC engine: energies, bookkeeping, detailed balance, representations, RNG."""
import math

import numpy as np
import pytest
from numba import njit

from statmech_nn import mc
from statmech_nn.core.errors import ParameterError
from statmech_nn.mc.enumeration import all_states
from statmech_nn.mc.kernels_coupling import sweep_coupling
from statmech_nn.mc.kernels_hebb import (accept, energy_int, new_acache, sweep_int,
                                         sweep_int_deg1_memo, sweep_real)
from statmech_nn.mc.kernels_rng import fill_uniform, uniform
from statmech_nn.mc.models import esym_poly_binary, flip_poly
from statmech_nn.mc.rng import seed_states


def test_rng_uniform_and_seeding():
    s = seed_states(7, 3)
    assert np.array_equal(s, seed_states(7, 3))
    assert not np.array_equal(s[0], s[1])
    u = fill_uniform(s[0].copy(), np.zeros(200_000))
    assert 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 0.002
    h = np.histogram(u, 20, (0, 1))[0]
    chi2 = ((h - u.size / 20) ** 2 / (u.size / 20)).sum()
    assert chi2 < 50   # 19 dof: P(chi2 > 50) ~ 1e-4


def test_distinct_index_polynomial_p4():
    for N in (5, 17, 200):
        c = esym_poly_binary(4, N)
        assert c == [3 * N * N - 6 * N, 0, -(6 * N - 8), 0, 1]
        # G(u) = F(u-2) - F(u) exactly
        g = flip_poly(c)
        for u in range(-N, N + 1, 7):
            F = lambda x: sum(ck * x ** k for k, ck in enumerate(c))  # noqa: E731
            assert sum(gk * u ** k for k, gk in enumerate(g)) == F(u - 2) - F(u)


@pytest.mark.parametrize("maker", [
    lambda: mc.hopfield(7, K=3, seed=1, field=0.3),
    lambda: mc.dense_hebbian(7, P=4, K=3, seed=2),
    lambda: mc.dense_hebbian(6, P=4, K=2, seed=3, variant="all-tuples"),
    lambda: mc.weighted_patterns(np.random.default_rng(4).normal(size=(7, 3)), P=4,
                                 weights=[0.5, 1.0, 2.0]),
    lambda: mc.weighted_patterns(np.random.default_rng(5).normal(size=(6, 2)), P=3,
                                 variant="all-tuples"),
    lambda: mc.sk(7, seed=6, field=np.linspace(-1, 1, 7)),
    lambda: mc.curie_weiss(7, P=4),
])
def test_energy_matches_explicit_index_sum(maker):
    m = maker()
    S = all_states(m.N)[::5]
    E = m.energy(S)
    for s, e in zip(S, E):
        assert e == pytest.approx(m.energy_bruteforce(s), rel=1e-10, abs=1e-12)


def test_hopfield_energy_is_mattis_form():
    m = mc.hopfield(30, K=4, seed=1)
    s = np.random.default_rng(0).choice([-1, 1], 30)
    M = s @ m.patterns.astype(float) / 30
    assert m.energy(s) == pytest.approx(-(30 / 2) * np.sum(M ** 2 - 1 / 30), rel=1e-12)


@pytest.mark.parametrize("rep,maker", [
    ("mattis", lambda: mc.hopfield(60, K=7, seed=1)),
    ("coupling", lambda: mc.hopfield(60, K=7, seed=1)),
    ("mattis", lambda: mc.dense_hebbian(40, P=4, K=50, seed=2)),
    ("mattis", lambda: mc.dense_hebbian(40, P=6, K=20, seed=2, variant="all-tuples")),
    ("real", lambda: mc.dense_hebbian(40, P=4, K=50, seed=2)),
    ("real", lambda: mc.weighted_patterns(np.random.default_rng(3).normal(size=(40, 6)), P=4,
                                          weights=np.linspace(0.2, 1, 6))),
    ("auto", lambda: mc.sk(50, seed=4)),
])
def test_bookkept_energy_equals_recomputed(rep, maker):
    m = maker()
    s = mc.Sampler(m, T=0.05 if m.P >= 4 else 0.8, chains=2, replicas=2, representation=rep,
                   order="random", rule="heat-bath")
    st = s.init_state(1)
    s.run(st, 300)
    assert st.acc.sum() > 1000
    E = s.energies(st)
    scale = max(1.0, np.abs(E).max())
    assert np.allclose(st.ebook, E, rtol=0, atol=1e-9 * scale * 300)
    if rep == "mattis":     # integer overlaps are exact
        assert np.array_equal(st.ov, np.rint(st.sig.astype(float) @ m.patterns.astype(float)))


def test_mattis_and_coupling_hopfield_identical_trajectories():
    m = mc.hopfield(80, K=12, seed=3)
    runs = []
    for rep in ("mattis", "coupling"):
        s = mc.Sampler(m, T=0.6, chains=2, representation=rep, init="pattern")
        st = s.init_state(11)
        r = s.run(st, 200)
        runs.append((st.sig.copy(), r))
    assert runs[0][1]["representation"] == "mattis" and runs[1][1]["representation"] == "coupling"
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1]["observables"]["energy"]["mean"] == pytest.approx(
        runs[1][1]["observables"]["energy"]["mean"], abs=1e-12)


@pytest.mark.parametrize("variant", ["distinct", "all-tuples"])
def test_real_and_mattis_dense_identical_trajectories(variant):
    """The float power-sum kernel (cached per-pattern F) follows the exact integer chain."""
    m = mc.dense_hebbian(40, P=4, K=30, seed=2, variant=variant)
    runs = []
    for rep in ("mattis", "real"):
        s = mc.Sampler(m, T=0.1, chains=2, representation=rep, order="random", rule="heat-bath")
        st = s.init_state(5)
        s.run(st, 150)
        runs.append((st.sig.copy(), st.acc.sum(), s.energies(st)))
    assert runs[0][1] > 1000
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    assert np.allclose(runs[0][2], runs[1][2], rtol=1e-12, atol=1e-9)


def test_auto_representation_switches_to_coupling_when_cheaper():
    m = mc.hopfield(100, K=60, seed=1)             # K comparable to N, low T: rare acceptance
    s = mc.Sampler(m, T=0.2, chains=1, init="pattern")
    r, st = s.sample(60, seed=1)
    assert r["representation"] == "coupling" and "auto" in r["representation_note"]
    assert np.allclose(st.ebook, s.energies(st))


def _transition_matrix(step, N, n_per_state):
    """Empirical one-sweep transition matrix on the 2^N states."""
    S = all_states(N)
    idx = {tuple(s): k for k, s in enumerate(S)}
    Tm = np.zeros((len(S), len(S)))
    for a, s0 in enumerate(S):
        for _ in range(n_per_state):
            s = s0.copy()
            step(s)
            Tm[a, idx[tuple(s)]] += 1
    return Tm / n_per_state, S


@pytest.mark.parametrize("kind", ["int", "real", "coupling"])
@pytest.mark.parametrize("rule", [0, 1])
def test_detailed_balance_single_site_kernels(kind, rule):
    """Random-site sweeps of N = 3 single-flip moves: pi_a T_ab = pi_b T_ba (5 sigma)."""
    N, beta = 3, 0.7
    rng = seed_states(100 + rule, 1)[0]
    f = np.array([0.3, -0.2, 0.1])
    if kind == "coupling":
        m = mc.sk(N, seed=1, field=f)
        J = m.J

        def step(s):
            hl = J @ s.astype(float)
            sweep_coupling(J, 1.0, f, s, hl, beta, rule, 1, rng)
    elif kind == "int":
        m = mc.dense_hebbian(N, P=2, K=2, seed=2, field=f)
        fco, gco, pref = m.int_coefficients()
        xi = m.patterns

        def step(s):
            ov = (s.astype(np.int64) @ xi.astype(np.int64))
            sweep_int(xi, gco, pref, f, s, ov, beta, rule, 1, rng)
    else:
        m = mc.weighted_patterns(np.array([[0.5, -1.2], [1.5, 0.3], [-0.7, 0.9]]), P=3,
                                 weights=[1.0, 0.5], field=f)
        xi = m.patterns
        xp = np.stack([xi, xi ** 3], axis=2)

        def step(s):
            ps = np.empty((2, 4))
            for k in range(4):
                ps[:, k] = s @ (xi ** k) if k % 2 else (xi ** k).sum(0)
            sweep_real(xp, m.weights, 3, 0, -1.0 / N ** 2, f, s, ps, beta, rule, 1, rng)
    n = 3000
    Tm, S = _transition_matrix(step, N, n)
    E = m.energy(S)
    pi = np.exp(-beta * (E - E.min()))
    pi /= pi.sum()
    flux = pi[:, None] * Tm
    sd = np.sqrt(pi[:, None] ** 2 * Tm * (1 - Tm) / n + (pi[None, :] ** 2 * Tm.T * (1 - Tm.T)) / n)
    assert np.all(np.abs(flux - flux.T) <= 5 * sd + 1e-12)
    assert np.allclose(pi @ Tm, pi, atol=5 * np.sqrt(0.25 / n))     # stationarity


def test_bad_input_errors():
    with pytest.raises(ParameterError, match="\\+1/-1"):
        mc.hopfield(4, patterns=np.array([[1, 0], [1, 1], [-1, 1], [1, 1]]))
    with pytest.raises(ParameterError, match="too small"):
        mc.dense_hebbian(10, P=4, alpha=1e-4)
    with pytest.raises(ParameterError, match="too small"):
        mc.dense_hebbian(3, P=4, K=2)
    with pytest.raises(ParameterError, match="increasing"):
        mc.Sampler(mc.sk(5), betas=(1.0, 0.5, 2.0))
    with pytest.raises(ParameterError, match="unknown observable"):
        s = mc.Sampler(mc.sk(6), T=1.0, chains=1)
        r, st = s.sample(10)
        s.summarise(st, observables=["energy", "magnetization"])
    with pytest.raises(ParameterError):
        mc.Sampler(mc.dense_hebbian(8, P=4, K=2), T=1.0, representation="coupling")
    with pytest.raises(ParameterError):
        mc.weighted_patterns(np.ones((5, 2)), P=4, weights=[1.0])


def test_interrupt_keeps_samples(monkeypatch):
    calls = {"n": 0}
    orig = mc.Sampler._wait

    def fake(futs):
        orig(futs)
        calls["n"] += 1
        return calls["n"] >= 2       # "Ctrl-C" during the second chunk

    monkeypatch.setattr(mc.Sampler, "_wait", staticmethod(fake))
    s = mc.Sampler(mc.hopfield(40, K=2, seed=1), T=0.5, chains=2)
    r, st = s.sample(1000, seed=1)
    assert r["interrupted"] and r["sweeps"] == st.sweeps_done < 1000
    assert np.isfinite(r["observables"]["energy"]["mean"])


def test_weighted_patterns_track_archetypes():
    """Learning-protocol use: real 'patterns' in H, binary archetypes tracked separately."""
    g = np.random.default_rng(0)
    arch = g.choice([-1, 1], size=(120, 2))
    xi = arch * (1 + 0.3 * g.standard_normal((120, 2)))
    m = mc.weighted_patterns(xi, P=4, weights=[1.0, 1.0], track=arch)
    s = mc.Sampler(m, T=0.02, init=np.sign(xi[:, 0]).astype(int), chains=1)
    r, st = s.sample(40, seed=1)
    tr = r["tracked_overlaps"]
    assert len(tr) == 2 and tr[0]["mean"] > 0.9 and abs(tr[1]["mean"]) < 0.3
    sig = st.configurations()[0, 0, 0].astype(float)
    assert r["series"]["m_all"][0, -1, 0, 0, 0] == pytest.approx(sig @ arch[:, 0] / 120)
    with pytest.raises(ParameterError):
        mc.weighted_patterns(xi, P=4, track=np.ones((5, 1)))


# ---- the fast paths take the same decisions as the plain formulas -----------------------
@njit
def _accept_plain(dE, beta, rule, rng):
    """The acceptance test written plainly: exp on every draw."""
    if rule == 0:
        if dE <= 0.0:
            return True
        return uniform(rng) < math.exp(-beta * dE)
    x = beta * dE if dE != 0.0 else 0.0
    if x > 700.0:
        return False
    return uniform(rng) * (1.0 + math.exp(x)) < 1.0


@njit
def _accept_both(dEs, beta, rule, rng):
    r1 = rng.copy()
    r2 = rng.copy()
    out = np.zeros((dEs.shape[0], 2), np.bool_)
    for k in range(dEs.shape[0]):
        out[k, 0] = accept(dEs[k], beta, rule, r1)
        out[k, 1] = _accept_plain(dEs[k], beta, rule, r2)
    return out, r1, r2


@njit
def _sweep_int_plain(xi, gco, pref, field, sig, ov, beta, rule, order, rng):
    """Reference binary-pattern sweep: products, Horner per pattern, plain acceptance."""
    N = sig.shape[0]
    K = ov.shape[0]
    deg = gco.shape[0] - 1
    nacc = 0
    dEtot = 0.0
    for t in range(N):
        i = t if order == 0 else int(uniform(rng) * N)
        s = sig[i]
        tot = 0
        for mu in range(K):
            u = s * xi[i, mu] * ov[mu]
            a = gco[deg]
            for k in range(deg - 1, -1, -1):
                a = a * u + gco[k]
            tot += a
        dE = pref * tot + 2.0 * s * field[i]
        if _accept_plain(dE, beta, rule, rng):
            sig[i] = -s
            for mu in range(K):
                ov[mu] -= 2 * s * xi[i, mu]
            nacc += 1
            dEtot += dE
    return nacc, dEtot


@pytest.mark.parametrize("rule", [0, 1])
def test_accept_pretest_same_decisions_and_draws(rule):
    """The exp-free pre-test of ``accept`` never changes a decision or the draws: random
    dE over all regimes (|beta dE| around the pre-test threshold 2 and the heat-bath cut at
    700, signed zeros, inf, nan), and dE placed within a few ulps of the decision boundary
    for the uniform that is drawn next."""
    g = np.random.default_rng(rule)
    beta = 1.7
    x = np.concatenate([g.uniform(-40, 40, 4000), g.uniform(-2.5, 2.5, 4000),
                        g.uniform(1.9, 2.1, 2000), g.uniform(-2.1, -1.9, 2000),
                        g.uniform(690, 710, 500), g.exponential(0.3, 2000),
                        [0.0, -0.0, 2.0, -2.0, 700.0, 1e300, -1e300, np.inf, -np.inf, np.nan]])
    dEs = x / beta
    rng = seed_states(3, 1)[0]
    out, r1, r2 = _accept_both(dEs, beta, rule, rng)
    assert np.array_equal(out[:, 0], out[:, 1]) and np.array_equal(r1, r2)
    assert 0.05 < out[:, 0].mean() < 0.95
    # boundary: the next uniform u decides; put beta dE at -log(u) (Metropolis) or
    # log(1/u - 1) (heat-bath), +- a few ulps
    hits = 0
    for trial in range(300):
        u = fill_uniform(rng.copy(), np.zeros(1))[0]
        xb = -math.log(u) if rule == 0 else math.log(1.0 / u - 1.0)
        for j in range(-3, 4):
            d = np.array([xb * (1.0 + j * 2.0 ** -52) / beta])
            o, a, b = _accept_both(d, beta, rule, rng)
            assert o[0, 0] == o[0, 1] and np.array_equal(a, b)
            hits += int(o[0, 0])
        fill_uniform(rng, np.zeros(1))
    assert 0 < hits < 7 * 300


@pytest.mark.parametrize("rule", [0, 1])
@pytest.mark.parametrize("order", [0, 1])
def test_int_kernels_follow_the_plain_chain(rule, order):
    """sweep_int (selections for the +-1 products, pre-test) and the P = 2 kernel with a
    kept acceptance table give the plain kernel's chain bit for bit: spins, overlaps, RNG
    state, acceptance counts and sums of dE, over temperatures from hot to frozen and with
    zero, uniform and site-dependent fields."""
    N = 60
    fields = [np.zeros(N), np.full(N, 0.15), np.random.default_rng(1).normal(0, 0.1, N)]
    models = [mc.hopfield(N, K=5, seed=1), mc.hopfield(N, K=40, seed=2),
              mc.dense_hebbian(N, P=2, K=7, seed=3, variant="all-tuples"),
              mc.dense_hebbian(N, P=3, K=6, seed=4), mc.dense_hebbian(N, P=4, K=8, seed=5),
              mc.dense_hebbian(N, P=6, K=4, seed=6, variant="all-tuples")]
    n_acc = 0
    for m in models:
        fco, gco, pref = m.int_coefficients()
        xi = m.patterns
        for f in fields:
            for T in (5.0, 0.5, 0.05, 1e-4):
                beta = 1.0 / (T * abs(pref) * N ** (m.P - 1))    # T in the model's units
                runs = []
                for kern in ("plain", "int", "memo"):
                    if kern == "memo" and gco.shape[0] != 2:
                        continue
                    sig = np.sign(xi[:, 0]).astype(np.int8)
                    sig[::3] *= -1
                    ov = sig.astype(np.int64) @ xi.astype(np.int64)
                    rng = seed_states(11, 1)[0]
                    tab = new_acache(1)[0]
                    res = []
                    for _ in range(40):
                        if kern == "plain":
                            res.append(_sweep_int_plain(xi, gco, pref, f, sig, ov, beta, rule,
                                                        order, rng))
                        elif kern == "int":
                            res.append(sweep_int(xi, gco, pref, f, sig, ov, beta, rule, order,
                                                 rng))
                        else:
                            res.append(sweep_int_deg1_memo(xi, gco, pref, f, sig, ov, beta,
                                                           rule, order, rng, tab))
                    runs.append((sig, ov, rng, res))
                for r in runs[1:]:
                    assert np.array_equal(r[0], runs[0][0]) and np.array_equal(r[1], runs[0][1])
                    assert np.array_equal(r[2], runs[0][2]) and r[3] == runs[0][3]
                n_acc += sum(a for a, _ in runs[0][3])
    assert n_acc > 15_000


def test_energy_zero_field_shortcut_and_integer_measurements():
    m = mc.hopfield(40, K=3, seed=1)
    fco, gco, pref = m.int_coefficients()
    g = np.random.default_rng(0)
    for _ in range(20):
        s = g.choice(np.array([-1, 1], np.int8), 40)
        ov = s.astype(np.int64) @ m.patterns.astype(np.int64)
        a = energy_int(fco, pref, np.zeros(40), s, ov, True)
        assert np.float64(a).tobytes() == np.float64(energy_int(fco, pref, np.zeros(40), s,
                                                                ov)).tobytes()
    # a total of exactly -0.0 (pref < 0, F(M) = M^2 - N = 0): the field loop turns it into
    # +0.0, and the shortcut must not skip it
    xi = np.ones((4, 1), np.int8)
    fco4, _, pref4 = mc.hopfield(4, patterns=xi).int_coefficients()
    s = np.array([1, 1, 1, -1], np.int8)
    ov = s.astype(np.int64) @ xi.astype(np.int64)
    a = energy_int(fco4, pref4, np.zeros(4), s, ov, True)
    b = energy_int(fco4, pref4, np.zeros(4), s, ov)
    assert a == 0.0 and np.float64(a).tobytes() == np.float64(b).tobytes()
    # the driver's integer sums for the magnetisation and the tracked overlaps: the values
    # of the float loops (exact integers over N)
    s = mc.Sampler(m, T=0.4, chains=2, replicas=2)
    st = s.init_state(3)
    s.run(st, 5)
    mag = st.streams["mag"].latest               # the last sweep's values, (G, R, L)
    mall = st.streams["m_all"].latest            # (G, R, L, T)
    for g in range(2):
        for r in range(2):
            x = st.sig[g, st.slot[g, r, 0]].astype(np.float64)
            assert mag[g, r, 0] == x.sum() / 40
            assert mall[g, r, 0, 0] == (m.track[:, 0] * x).sum() / 40
