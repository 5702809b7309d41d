"""Perceptron theory: literature anchors, exact limits, bad input, CLI contract."""
import json
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.perceptron import continual as C
from statmech_nn.perceptron.continual import Continual
from statmech_nn.perceptron.field import PerceptronField
from statmech_nn.perceptron.storage import PerceptronStorage, margin_integral, spherical_capacity
from statmech_nn.perceptron.teacher import PerceptronTeacher
from cli_run import run_cli

S, TCH, F = PerceptronStorage(), PerceptronTeacher(), PerceptronField()


# ---- storage ----------------------------------------------------------------------
def test_binary_capacity_is_entropy_zero_not_q_to_1():
    r = S.capacity(weights="binary", kappa=0.0)
    assert abs(r["alpha_c"] - 0.83308) < 5e-5          # Krauth-Mezard 1989
    assert abs(r.order_parameters["q"] - 0.5639) < 1e-4
    assert abs(r["alpha_c"] - 4 / math.pi) > 0.4        # NOT the Gardner-Derrida q -> 1 point
    assert abs(r["alpha_q_to_1"] - 4 / math.pi) < 1e-4  # which is reported separately
    # the RS solution at alpha_c has zero entropy, and it is negative below 4/pi
    s = S.solve(alpha=r["alpha_c"], weights="binary")
    assert abs(s.entropy) < 1e-8 and abs(s.order_parameters["q"] - r.order_parameters["q"]) < 1e-7
    assert S.solve(alpha=1.2, weights="binary").entropy < 0


@pytest.mark.parametrize("kappa", [0.0, 0.3, 1.0, 2.5])
def test_spherical_capacity_margin_law(kappa):
    ac = float(spherical_capacity(kappa))
    assert abs(ac - 1.0 / margin_integral(kappa)) < 1e-10
    assert abs(S.capacity(weights="spherical", kappa=kappa)["alpha_c"] - ac) < 1e-12
    if kappa == 0:
        assert abs(ac - 2.0) < 1e-10
    # RS q rises towards 1 as alpha -> alpha_c
    q1 = S.solve(alpha=0.98 * ac, weights="spherical", kappa=kappa).order_parameters["q"]
    q2 = S.solve(alpha=0.995 * ac, weights="spherical", kappa=kappa).order_parameters["q"]
    assert 0.9 < q1 < q2 < 1


def test_storage_no_data_and_errors():
    r = S.solve(alpha=0.0)
    assert r.order_parameters["q"] == 0 and abs(r.entropy - math.log(2)) < 1e-14
    with pytest.raises(ParameterError, match="alpha"):
        S.solve(alpha=-0.1)
    with pytest.raises(ParameterError, match="kappa.*spherical"):
        S.solve(alpha=0.5, weights="spherical", kappa=-0.2)


# ---- teacher ----------------------------------------------------------------------
def test_teacher_T0_transition_and_spinodal():
    r = TCH.capacity()
    assert abs(r["alpha_c"] - 1.2447) < 2e-4   # Gyorgyi 1990: 1.245
    assert abs(r["alpha_sp"] - 1.4926) < 2e-4
    assert r["alpha_c"] < r["alpha_sp"]
    # the poor branch at alpha_c solved by Newton has zero entropy and satisfies Nishimori
    s = TCH.solve(alpha=r["alpha_c"], T=0, branch="poor")
    op = s.order_parameters
    assert abs(s.entropy) < 1e-7 and abs(op["q"] - op["R"]) < 1e-7
    assert abs(s.generalization_error - math.acos(op["R"]) / math.pi) < 1e-14
    # thermodynamics: poor below alpha_c, perfect above
    assert TCH.solve(alpha=1.2, T=0).branch == "poor"
    g = TCH.solve(alpha=1.3, T=0)
    assert g.branch == "good" and g.generalization_error == 0


def test_teacher_finite_T_thermodynamics():
    r = TCH.solve(alpha=1.0, T=0.5)
    h = 1e-5
    fp = TCH.solve(alpha=1.0, beta=2 + h).free_energy
    fm = TCH.solve(alpha=1.0, beta=2 - h).free_energy
    # e = d(beta f)/d beta
    bf = lambda b, f: b * f
    e_fd = (bf(2 + h, fp) - bf(2 - h, fm)) / (2 * h)
    assert abs(e_fd - r.energy) < 1e-6
    assert abs(r.entropy - 2 * (r.energy - r.free_energy)) < 1e-12
    assert 0 < r.generalization_error < 0.5


def test_teacher_no_data():
    r = TCH.solve(alpha=0.0, T=1.0)
    assert r.order_parameters["R"] == 0 and abs(r.generalization_error - 0.5) < 1e-15
    assert abs(r.entropy - math.log(2)) < 1e-12


# ---- field ------------------------------------------------------------------------
def test_field_no_data_limit_exact():
    r = F.solve(alpha=0.0, T=0.05)
    op = r.order_parameters
    assert abs(op["q"]) < 1e-14 and abs(op["R"]) < 1e-14 and abs(op["Q"] - 1 / 3) < 1e-12
    assert abs(r.generalization_error - 0.5) < 1e-14


def test_field_task1_solution_and_reproducibility():
    r = F.solve(alpha=0.5, T=0.2)
    op = r.order_parameters
    assert r.converged and 0 < op["q"] < op["Q"] < 1 and 0 < op["R"] < math.sqrt(op["q"])
    assert abs(r.generalization_error - math.acos(op["p"]) / math.pi) < 1e-14
    r2 = F.solve(alpha=0.5, T=0.2)
    assert r2.generalization_error == r.generalization_error  # deterministic
    # the fixed point is also reached from the converged point after a perturbation
    r3 = F.solve(alpha=0.5, T=0.2, init={"q": op["q"] * 0.9, "R": op["R"] * 0.9, "Q": op["Q"]})
    assert abs(r3.generalization_error - r.generalization_error) < 1e-6


def test_field_rejects_T0_and_negative_gamma1():
    with pytest.raises(ParameterError, match="T"):
        F.solve(alpha=0.5, T=0)
    with pytest.raises(ParameterError, match="gamma1"):
        F.solve(alpha=0.5, T=0.1, gamma1=-1)


# ---- continual --------------------------------------------------------------------
@pytest.fixture(scope="module")
def atoms():
    t1 = F.evaluate(F.solve_raw(0.5, 5.0).x[:, 0], 0.5, 5.0)
    return t1, C.reference_atoms(t1["q_hat"], t1["r_hat"], t1["Q_hat"])


@pytest.mark.parametrize("r0", [-0.5, 0.0, 0.5])
def test_continual_alpha2_zero_identity(atoms, r0):
    t1, at = atoms
    s = C.task2_site(0.0, 0.0, 0.0, 5.0 * 1.0, r0, at)
    assert abs(s["p2"] - r0 * s["p1"]) < 1e-12
    # strong KL: the task-2 student stays at the task-1 solution
    s = C.task2_site(0.0, 0.0, 0.0, 5.0 * 1e3, r0, at)
    assert abs(s["p1"] - t1["p"]) < 2e-3
    assert abs(C.eps_from_overlap(s["p2"]) - math.acos(r0 * t1["p"]) / math.pi) < 2e-3


def test_continual_r0_one_and_perfect_student(atoms):
    _, at = atoms
    s = C.task2_site(3.0, 1.0, 1.0, 5.0, 1.0, at)
    assert abs(s["p1"] - s["p2"]) < 1e-14
    for r0 in (-0.5, 0.0, 0.5):
        s = C.task2_site(1e4, 1e4, 5e3, 5.0, r0, at)  # task-2 fields dominate: p2 -> 1
        assert s["p2"] > 1 - 1e-9
        assert abs(C.eps_from_overlap(s["p1"]) - math.acos(r0) / math.pi) < 1e-6


def test_continual_solve_end_to_end():
    m = Continual()
    r0 = m.solve(alpha1=0.5, alpha2=0.0, r0=0.5, gamma=1.0, T=0.2)
    p1 = r0.order_parameters["p1"]
    assert abs(r0["eps2"] - math.acos(0.5 * p1) / math.pi) < 1e-12
    r = m.solve(alpha1=0.5, alpha2=0.5, r0=0.5, gamma=1.0, T=0.2)
    assert r.converged
    assert r["eps2"] < r0["eps2"]   # learning task 2
    assert 0 < r["eps1"] < 0.5


def test_continual_table_accuracy():
    A, k = -15.0, 20.0
    spl, h0 = C.site_table(A, k, 300.0)
    h = np.linspace(-200, 200, 2001)
    assert np.max(np.abs(spl(np.arcsinh(h / h0)) - C.site_direct(A, k, h))) < 1e-7


def test_continual_bad_input():
    m = Continual()
    with pytest.raises(ParameterError, match=r"r0.*\[-1, 1\]"):
        m.solve(alpha1=1, alpha2=1, r0=1.5, T=0.1)
    with pytest.raises(ParameterError, match="gamma"):
        m.solve(alpha1=1, alpha2=1, r0=0, gamma=-0.1, T=0.1)
    with pytest.raises(ParameterError, match="alpha2"):
        m.solve(alpha1=1, alpha2=-1, r0=0, T=0.1)


# ---- CLI --------------------------------------------------------------------------
def _cli(*args):
    p = run_cli(*args)
    return p.returncode, p.stdout, p.stderr


def test_cli_contract():
    rc, out, _ = _cli("capacity", "perceptron-storage", "--weights", "binary", "--kappa", "0", "--json")
    assert rc == 0 and abs(json.loads(out)["alpha_c"] - 0.83308) < 5e-5
    rc, out, _ = _cli("solve", "perceptron-teacher", "--alpha", "1", "--T", "0.5", "--json")
    d = json.loads(out)
    assert rc == 0 and {"R", "q"} <= set(d["order_parameters"]) and "generalization_error" in d
    rc, out, _ = _cli("solve", "continual", "--alpha1", "0.5", "--alpha2", "0", "--r0", "0",
                      "--gamma", "1", "--T", "0.2", "--json")
    d = json.loads(out)
    assert rc == 0 and "eps1" in d and "eps2" in d and "q2" in d["order_parameters"]
    rc, _, err = _cli("solve", "continual", "--alpha1", "1", "--alpha2", "0", "--r0", "-2", "--T", "0.1")
    assert rc == 2 and "r0" in err


def test_continual_chain_three_tasks():
    ch = C.continual_chain([0.5, 0.4, 0.0], r0=0.5, gamma=1.0, T=0.2)
    two = Continual().solve(alpha1=0.5, alpha2=0.4, r0=0.5, gamma=1.0, T=0.2)
    assert abs(ch[1]["eps"][0] - two["eps1"]) < 1e-10 and abs(ch[1]["eps"][1] - two["eps2"]) < 1e-10
    # no task-3 data: overlap with teacher 3 is r0 times the overlap with teacher 2
    p = ch[2]["p"]
    assert len(p) == 3 and abs(p[2] - 0.5 * p[1]) < 1e-12


@pytest.mark.parametrize("kappa", [5.0, 20.0, 100.0, 1000.0])
def test_field_site_quadrature_with_strong_kl(kappa):
    """No data, KL to the uniform prior with weight kappa = beta_T gamma1: Q = <m^2> of
    exp(kappa S(m)) against adaptive quadrature (Q ~ 1/kappa for large kappa)."""
    from scipy import integrate

    from statmech_nn.perceptron.common import binary_entropy
    from statmech_nn.perceptron.field import site_moments
    f = lambda m, k: m ** k * np.exp(kappa * (binary_entropy(m) - math.log(2)))
    ref = (integrate.quad(f, -1, 1, args=(2,), points=[0], epsabs=0, epsrel=1e-13, limit=500)[0]
           / integrate.quad(f, -1, 1, args=(0,), points=[0], epsabs=0, epsrel=1e-13, limit=500)[0])
    r = F.solve(alpha=0.0, beta=kappa, gamma1=1.0)
    assert abs(r.order_parameters["Q"] / ref - 1) < 1e-8
    assert abs(float(site_moments(0, 0, 0, kappa)[3][0]) - ref) < 1e-8 * ref


def test_storage_solve_batch_matches_solve():
    al = np.array([0.0, 0.3, 0.6, 0.8])
    out = S.solve_batch(alpha=al, kappa=0.2, weights="binary")
    for a, q, s in zip(al, out["q"], out["entropy"]):
        r = S.solve(alpha=a, kappa=0.2)
        assert abs(r.order_parameters["q"] - q) < 1e-10 and abs(r.entropy - s) < 1e-10
    assert out["converged"].all()
