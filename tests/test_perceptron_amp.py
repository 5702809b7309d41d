"""Plefka / TAP (AMP) for the binary perceptron and its state evolution.

Against the SymPy derivation (derivations/perceptron_amp.py): channel functions, the TAP and
naive-mean-field free entropies (their gradients vanish at the fixed points the code finds),
the SE integrands. SE fixed points == RS saddle points of ``perceptron-teacher`` (1e-8); SE
jumps at the spinodal, not at the transition; AMP on instances vs SE; where Plefka fails."""
import importlib.util
import math
import pathlib

import numpy as np
import pytest
import sympy as sp

from statmech_nn.core.errors import ParameterError
from statmech_nn.mc.perceptron_channel import channel
from statmech_nn.mc.perceptron_exact import perceptron_exact
from statmech_nn.mc.perceptron_model import perceptron_storage, perceptron_teacher
from statmech_nn.mc.plefka_perceptron import PerceptronPlefka, instances
from statmech_nn.perceptron import state_evolution as SE
from statmech_nn.perceptron.teacher import PerceptronTeacher
from statmech_nn.theory import get_model

_spec = importlib.util.spec_from_file_location(
    "deriv_perceptron_amp", pathlib.Path(__file__).parents[1] / "derivations" / "perceptron_amp.py")
D = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(D)
RNG = np.random.default_rng(20260214)
TEACHER = PerceptronTeacher()


def close(a, b, tol=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))), np.max(np.abs(a - b))


def test_derivation_identities_are_exact():
    """Closed-form Z_out = its Gaussian integral; d lnZ/dV = (dg + g^2)/2; order 1 = O(beta)."""
    assert D.channel_Z_check() == 0
    assert sp.simplify(D.channel()["heat"]) == 0
    assert D.order1_is_beta_truncation() == 0


def test_channel_matches_sympy():
    c = D.channel()
    for _ in range(40):
        s, V, k = RNG.normal(0, 1.5), RNG.uniform(0.05, 2.0), RNG.choice([0.0, 0.4])
        b = RNG.choice([0.5, 2.0, 7.0, np.inf])
        lz, g, dg, _ = channel(s, V, b, k)
        ref = [f(s, V, k) for f in c["f0"]] if np.isinf(b) else [f(s, V, b, k) for f in c["f"]]
        for mine, r in zip((lz, g, dg), ref):
            close(mine, r)


@pytest.mark.parametrize("T", [0.0, 0.5])
def test_amp_fixed_point_is_stationary_for_the_sympy_tap_free_entropy(T):
    m = perceptron_teacher(300, 0.8, seed=4)
    r = PerceptronPlefka(m, T=T, variance="exact", tol=1e-12, max_iter=3000).solve()
    assert r["converged"]
    F = m.A / math.sqrt(m.N)
    dm, ds = D.tap_gradient(F, r["site_mag"], r["cavity_mean"], math.inf if T == 0 else 1 / T)
    assert np.max(np.abs(dm)) < 1e-8 and np.max(np.abs(ds)) < 1e-8


def test_naive_mean_field_fixed_point_is_stationary_for_sympy_phi1():
    m = perceptron_storage(300, 0.6, kappa=0.3, seed=2)
    r = PerceptronPlefka(m, T=1.0, order=1, variance="exact", tol=1e-12, max_iter=3000).solve()
    assert r["converged"]
    F = m.A / math.sqrt(m.N)
    assert np.max(np.abs(D.naive_gradient(F, r["site_mag"], 1.0, 0.3))) < 1e-8


def test_se_integrands_match_sympy():
    fq, fR = D.se_integrands()["f"]
    for _ in range(30):
        xi, q = RNG.normal(), RNG.uniform(0.05, 0.95)
        R = RNG.uniform(-0.9, 0.95) * math.sqrt(q)
        b = RNG.choice([0.7, 3.0, 1e6])
        iq, iR = SE.se_integrands(xi, q, R, b)
        close(iq, fq(xi, q, R, b)), close(iR, fR(xi, q, R, b))


def test_se_map_is_the_replica_map():
    """The SE energetic integrals (teacher output law x student channel) == -2 alpha dG_E/dq,
    alpha dG_E/dR of teacher.py after the site average: an integration by parts, 2e-9."""
    for _ in range(20):
        q = RNG.uniform(0.05, 0.97)
        R = RNG.uniform(-0.9, 0.99) * math.sqrt(q)
        p = {"alpha": np.array([RNG.uniform(0.2, 3)]), "beta": np.array([RNG.choice([np.inf, 0.7, 3.0])])}
        x = np.array([[q], [R]])
        assert np.max(np.abs(SE.se_map(x, p) - TEACHER._F(x, p))) < 2e-9


@pytest.mark.parametrize("alpha,T", [(0.5, 0), (1.0, 0), (1.3, 0), (1.45, 0), (1.0, 1.0), (2.0, 1.0),
                                     (1.0, 0.5)])
def test_se_fixed_point_equals_rs_saddle(alpha, T):
    se = TEACHER.solve(alpha=alpha, T=T, method="state-evolution")
    rs = TEACHER.solve(alpha=alpha, T=T, branch="poor")
    assert se.converged and rs.converged and se.branch == rs.branch == "poor"
    for k in ("q", "R"):
        assert abs(se.order_parameters[k] - rs.order_parameters[k]) < 1e-8, k
    assert abs(se.free_energy - rs.free_energy) < 1e-8
    if T == 0:       # Nishimori along the whole trajectory, not just at the end
        tr = SE.trajectory(alpha, T=0)
        assert max(abs(a - b) for a, b in zip(tr["R"], tr["q"])) < 1e-9
    else:            # mismatched: R and q differ
        assert se.order_parameters["R"] - se.order_parameters["q"] > 0.05


def test_se_reaches_the_teacher_at_the_spinodal_not_at_the_transition():
    cap = TEACHER.capacity()
    a_c, a_sp = cap["alpha_c"], cap["alpha_sp"]
    for a in (a_c + 0.01, 0.5 * (a_c + a_sp), a_sp - 2e-3):
        r = TEACHER.solve(alpha=a, T=0, method="state-evolution")
        assert r.branch == "poor" and r.order_parameters["R"] < 0.95 and r.entropy < 0, a
    r = TEACHER.solve(alpha=a_sp + 2e-3, T=0, method="state-evolution")
    assert r.branch == "good" and r.order_parameters["R"] == 1.0 and r.converged


def test_zero_start_is_not_a_fixed_point():
    """The sign channel is odd in the teacher's field: from m = 0 the first AMP field is the
    Hebbian vector sum_mu y_mu x_mu (exactly proportional for +-1 inputs, whose pattern norms
    are all equal), so there is no symmetric trap to escape from."""
    m = perceptron_teacher(500, 1.0, seed=3, inputs="rademacher")
    r = PerceptronPlefka(m, T=0, max_iter=1).solve(init="zero")
    hebb = m.A.sum(1)
    B = np.arctanh(r["site_mag"])
    assert abs(np.corrcoef(B, hebb)[0, 1] - 1) < 1e-12 and r["R"] > 0.1


@pytest.mark.parametrize("alpha,T", [(0.5, 0.0), (1.0, 0.0), (1.0, 1.0)])
def test_amp_on_instances_matches_state_evolution(alpha, T):
    """N = 1000, 4 instances: mean R, q within 4 s.e. + 0.01 (finite N) of the SE fixed point."""
    se = TEACHER.solve(alpha=alpha, T=T, method="state-evolution")
    out = instances(lambda s: perceptron_teacher(1000, alpha, seed=s), 4, seed=int(10 * alpha + T), T=T)
    assert out["converged"] == 4
    for k in ("R", "q"):
        o = out["observables"][k]
        assert abs(o["mean"] - se.order_parameters[k]) < 4 * o["err"] + 0.01, (k, o, se.order_parameters[k])
    if T == 0:       # Bethe free entropy of AMP = RS entropy of the version space
        o = out["observables"]["free_entropy"]
        assert abs(o["mean"] - se.entropy) < 4 * o["err"] + 0.01


def test_amp_poor_between_transition_and_spinodal_and_perfect_above():
    cap = TEACHER.capacity()
    se = TEACHER.solve(alpha=1.35, T=0, method="state-evolution").order_parameters["R"]
    assert cap["alpha_c"] < 1.35 < cap["alpha_sp"]
    between = instances(lambda s: perceptron_teacher(1000, 1.35, seed=s), 3, seed=5, T=0)
    above = instances(lambda s: perceptron_teacher(1000, 1.8, seed=s), 3, seed=6, T=0)
    Rb = [r["R"] for r in between["runs"]]
    assert max(Rb) < 0.9 and abs(np.mean(Rb) - se) < 0.05
    assert above["converged"] == 3 and min(r["R"] for r in above["runs"]) > 1 - 1e-9


# ---- where Plefka fails ------------------------------------------------------------------
def test_naive_mean_field_needs_T_and_misses_the_energy():
    with pytest.raises(ParameterError, match="order=1"):
        PerceptronPlefka(perceptron_teacher(50, 1.0), T=0, order=1)
    rs = TEACHER.solve(alpha=1.0, T=1.0)
    mf = instances(lambda s: perceptron_teacher(1500, 1.0, seed=s), 2, seed=1, T=1.0, order=1)
    tap = instances(lambda s: perceptron_teacher(1500, 1.0, seed=s), 2, seed=1, T=1.0, order=2)
    assert mf["observables"]["energy"]["mean"] - rs.energy > 0.05        # 0.29 vs 0.2165
    assert abs(tap["observables"]["energy"]["mean"] - rs.energy) < 0.01


def test_small_N_marginals_fail_at_T0_and_work_at_high_T():
    """N = 16 (exact enumeration): at T = 0 the version space holds a handful of weight
    vectors and the Gaussian-cavity picture fails (rms site error > 0.1, both input laws);
    at T = 4 AMP is within 0.03 of the exact marginals."""
    for inputs in ("gaussian", "rademacher"):
        for T, bad in ((0.0, True), (4.0, False)):
            errs = []
            for sd in range(3):
                m = perceptron_teacher(16, 1.0, seed=sd, inputs=inputs)
                ex = perceptron_exact(m, T=T)
                idx = np.arange(1 << 16)
                exact = np.array([ex["p"] @ (((idx >> k) & 1) * 2.0 - 1) for k in range(16)])
                r = PerceptronPlefka(m, T=T, variance="exact", max_iter=3000).solve()
                errs.append(np.sqrt(np.mean((r["site_mag"] - exact) ** 2)))
            assert (np.mean(errs) > 0.1) if bad else (max(errs) < 0.03), (inputs, T, errs)


def test_storage_marginals_but_no_solution_and_breakdown_beyond_capacity():
    """alpha = 0.5 (< alpha_c = 0.833): AMP's q and Bethe entropy follow RS, but sign(m) is not
    a solution (AMP estimates marginals). alpha = 1.1: the undamped iteration oscillates."""
    rs = get_model("perceptron-storage").solve(alpha=0.5, kappa=0.0)
    m = perceptron_storage(1000, 0.5, seed=1)
    r = PerceptronPlefka(m, T=0).solve()
    assert r["converged"] and abs(r["q"] - rs.order_parameters["q"]) < 0.015
    assert abs(r["free_entropy"] - rs.entropy) < 0.02
    assert m.energy(np.where(r["site_mag"] >= 0, 1, -1)) > 0
    r = PerceptronPlefka(perceptron_storage(1000, 1.1, seed=1), T=0, max_iter=300).solve()
    assert not r["converged"] and r["residual"] > 0.1
