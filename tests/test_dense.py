"""Dense Hebbian (P-spin Hopfield) storage: capacities, glass lines, limits, ordering, input, CLI."""
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from statmech_nn.core.errors import ParameterError
from statmech_nn.theory.dense import DenseHebbian, gamma_from_alpha, phase_lines
from statmech_nn.theory.pspin import pspin_glass_constants
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dense():
    return DenseHebbian()


@pytest.mark.parametrize("P,tau_ref,m_ref", [(4, 0.19786, 0.918), (6, 0.15768, None)])
def test_rs_capacity_published(dense, P, tau_ref, m_ref):
    c = dense.capacity(level="rs", P=P)
    assert abs(c["alpha_c"] * math.factorial(P - 1) - tau_ref) < 5e-6
    assert abs(c["tau_c"] - tau_ref) < 5e-6
    if m_ref:
        assert abs(c["alpha_c"] - 0.032977) < 1e-6
        assert abs(c.order_parameters["m"] - m_ref) < 5e-4
    # the closed-form T = 0 equation holds at the fold: m = erf(m^{P-1}/sqrt(2 tau))
    m = c.order_parameters["m"]
    assert abs(special.erf(m ** (P - 1) / math.sqrt(2 * c["tau_c"])) - m) < 1e-9
    assert abs(c["gamma_c"] - gamma_from_alpha(c["alpha_c"], P)) < 1e-15
    # thermodynamic crossing (e_R = e_SG^RS) is at about half the spinodal (reference note: 0.197 vs 0.396 in gamma)
    assert abs(c["gamma_c_thermodynamic"] - 0.1965) < 5e-4 if P == 4 else True


def test_1rsb_capacity_above_rs(dense):
    for P, ref in ((4, 0.229172), (6, 0.175903)):   # our values (regression); RS: 0.19786, 0.15768
        rs, rb = dense.capacity(level="rs", P=P), dense.capacity(level="1rsb", P=P)
        assert rb.converged and rb["alpha_c"] > rs["alpha_c"]
        assert abs(rb["tau_c"] - ref) < 2e-5
        assert rb.order_parameters["q0"] < 1
    # the direct T = 0 1RSB solver agrees: retrieval just below alpha_c^1RSB, none just above
    a_c = dense.capacity(level="1rsb", P=4)["alpha_c"]
    below = dense.solve(level="1rsb", P=4, alpha=a_c - 1e-4, T=0, branch="retrieval")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # no retrieval saddle exists: unconverged, flagged
        above = dense.solve(level="1rsb", P=4, alpha=a_c + 1e-4, T=0, branch="retrieval")
    assert below.branch == "retrieval" and below.converged
    assert not (above.branch == "retrieval" and above.converged)
    # 1RSB thermodynamic crossing, P = 4: gamma ~ 0.36-0.38 (reference note §5)
    assert 0.36 < dense.capacity(level="1rsb", P=4)["gamma_c_thermodynamic"] < 0.39


def test_rs_zero_temperature_retrieval_closed_form(dense):
    P, alpha = 4, 0.02
    r = dense.solve(level="rs", P=P, alpha=alpha, T=0, branch="retrieval")
    m = r.order_parameters["m"]
    tau = alpha * math.factorial(P - 1)
    assert abs(special.erf(m ** (P - 1) / math.sqrt(2 * tau)) - m) < 1e-12
    s2 = alpha / math.factorial(P - 1)                     # xi'(1)
    H = m ** (P - 1) / math.factorial(P - 1)
    e = -m ** P / math.factorial(P) - math.sqrt(2 * s2 / math.pi) * math.exp(-H * H / (2 * s2))
    assert abs(r.energy - e) < 1e-14
    # RS T -> 0 of the finite-T solver
    rT = dense.solve(level="rs", P=P, alpha=alpha, T=2e-4, branch="retrieval")
    assert abs(rT.order_parameters["m"] - m) < 1e-5
    assert abs(rT.free_energy - (r.energy - 2e-4 * r.entropy)) < 1e-7


def test_1rsb_T_to_zero_beyond_rs_capacity(dense):
    """alpha = 0.035 > alpha_c^RS: retrieval exists only with RSB; finite-T solver -> T = 0 forms."""
    r0 = dense.solve(level="1rsb", P=4, alpha=0.035, T=0, branch="retrieval")
    assert r0.converged and r0.branch == "retrieval" and r0.order_parameters["q0"] < 0.99
    T = 5e-4
    rT = dense.solve(level="1rsb", P=4, alpha=0.035, T=T, branch="retrieval")
    assert abs(rT.order_parameters["m"] - r0.order_parameters["m"]) < 2e-4
    assert abs(rT.order_parameters["q0"] - r0.order_parameters["q0"]) < 1e-3
    assert abs(rT.order_parameters["y"] - r0.order_parameters["y"]) / r0.order_parameters["y"] < 3e-2
    assert abs(rT.free_energy - (r0.energy - T * r0.entropy)) < 2e-7
    # ordering at T = 0 on the retrieval branch at alpha = 0.03: e_RS <= e_1RSB (A minimised)
    rs = dense.solve(level="rs", P=4, alpha=0.03, T=0, branch="retrieval")
    rb = dense.solve(level="1rsb", P=4, alpha=0.03, T=0, branch="retrieval")
    assert rs.free_energy < rb.free_energy < rs.free_energy + 1e-3


def test_glass_lines_reference_note_and_rem():
    # pure Ising P-spin glass xi = q^P; convention G of the note has xi = (gamma/2) q^P: T/sqrt(gamma) = 1/(sqrt2 b)
    c3, c4 = pspin_glass_constants(3), pspin_glass_constants(4)
    g = lambda b: 1 / (math.sqrt(2) * b)
    assert abs(g(c3["b_s"]) - 0.6514) < 2e-4 and abs(g(c3["b_d"]) - 0.6816) < 2e-4
    assert abs(g(c4["b_s"]) - 0.617) < 1e-3 and abs(g(c4["b_d"]) - 0.678) < 1e-3
    assert abs(g(c4["b_rs_sg"]) - 0.375) < 1e-3
    assert abs(c4["e_1rsb"] / math.sqrt(2) + 0.8255) < 1e-4 and c4["q0_1rsb"] == 0.0
    assert abs(c4["e_rs"] + math.sqrt(8 / math.pi)) < 1e-14
    # REM limit: b_s, -e -> sqrt(2 ln 2)
    c12 = pspin_glass_constants(12)
    rem = math.sqrt(2 * math.log(2))
    assert abs(c12["b_s"] - rem) < 1e-4 and abs(c12["e_1rsb"] + rem) < 1e-4


def test_paramagnet_exact(dense):
    P, alpha, T = 4, 0.03, 0.2
    r = dense.solve(level="rs", P=P, alpha=alpha, T=T)
    assert r.branch == "paramagnet"
    assert abs(r.free_energy - (-T * math.log(2) - alpha / (2 * math.factorial(P) * T))) < 1e-12


def test_gamma_parameter_and_batch(dense):
    a = 0.02
    r1 = dense.solve(level="rs", P=4, alpha=a, T=0.01, branch="retrieval")
    r2 = dense.solve(level="rs", P=4, gamma=a * 12, T=0.01, branch="retrieval")
    assert abs(r1.free_energy - r2.free_energy) < 1e-14 and r1.params["gamma"] == pytest.approx(0.24)
    b = dense.solve_batch(level="rs", P=4, alpha=np.array([[0.01], [0.02]]), T=np.array([0.0, 0.01, 0.02]))
    assert b["m"].shape == (2, 3) and b["branch"].shape == (2, 3) and b["converged"].all()
    assert abs(b["free_energy"][1, 1] - r1.free_energy) < 1e-12


@pytest.fixture(scope="module")
def rs_lines():
    return phase_lines(4, "rs", n_rays=8, r_points=40)


def test_rs_phase_lines(rs_lines):
    pl = rs_lines
    sp = pl["retrieval_spinodal"]
    assert sp["T"][0] == 0 and abs(sp["alpha"][0] - 0.0329767) < 1e-6
    assert np.all(sp["T"] >= 0) and np.all(sp["alpha"] >= 0)
    assert sp["alpha"].max() > sp["alpha"][0]            # re-entrant: alpha_sp(T) first grows with T
    gl = pl["retrieval_global"]
    o = np.argsort(sp["T"][1:-1])
    a_sp = np.interp(gl["T"][1:-1], sp["T"][1:-1][o], sp["alpha"][1:-1][o])
    assert np.all(gl["alpha"][1:-1] < a_sp)            # global-minimum line inside the spinodal
    assert np.allclose(pl["spin_glass"]["T"] * pl["glass_constants"]["b_rs_sg"],
                       np.sqrt(pl["spin_glass"]["alpha"] / 24))


def test_bad_input(dense):
    with pytest.raises(ParameterError, match="hopfield"):
        dense.solve(P=2, alpha=0.1, T=0.1)
    for P in (3, 5, 1):
        with pytest.raises(ParameterError, match=r"P=.*even integer >= 4"):
            dense.solve(P=P, alpha=0.01, T=0.1)
    with pytest.raises(ParameterError, match="alpha"):
        dense.solve(P=4, alpha=-0.1, T=0.1)
    with pytest.raises(ParameterError, match="T"):
        dense.solve(P=4, alpha=0.01, T=-0.1)
    with pytest.raises(ParameterError, match="level"):
        dense.capacity(level="9rsb", P=4)          # 2rsb ... 8rsb exist since the k-RSB engine
    with pytest.raises(ParameterError, match="frsb"):
        dense.solve(level="frsb", P=4, alpha=0.01, T=0.1)
    with pytest.raises(ParameterError):
        dense.solve(P=4, alpha=0.01, gamma=0.1, T=0.1)


def test_cli_capacity_json_and_bad_P():
    p = run_cli("capacity", "dense-hebbian", "--P", "4", "--level", "rs", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert abs(d["alpha_c"] - 0.032977) < 1e-6 and abs(d["order_parameters"]["m"] - 0.918) < 5e-4
    p = run_cli("capacity", "dense-hebbian", "--P", "2", "--json")
    assert p.returncode == 2 and "hopfield" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_grid_and_continuation():
    from statmech_nn.theory.grid import solve_grid
    ds = solve_grid("dense-hebbian", level="rs", P=4, alpha=np.array([0.01, 0.02]), T=np.array([0.0, 0.01]))
    assert ds["m"].shape == (2, 2) and bool(ds["converged"].all())
    assert set(np.unique(ds["branch"].values)) <= {"retrieval", "spin-glass", "paramagnet"}
    ds = solve_grid("dense-hebbian", level="rs", branch="retrieval", continuation=True, P=4,
                    T=np.array([0.005]), alpha=np.array([0.01, 0.02, 0.03]))
    assert np.all(np.diff(ds["m"].values[0]) < 0) and bool(ds["converged"].all())


def test_ray_scaling_identity_used_by_phase_lines():
    """A_dense(m, glass; beta, alpha) = A_scaled(glass; b, r) - b r m (P-1)/P with b = beta sqrt(c),
    r = a0 P m^{P-1}/sqrt(c), c = alpha/P!: the exact identity behind the ray-traced lines."""
    from statmech_nn.theory.pspin import _scaled
    P, alpha, beta, m = 4, 0.03, 37.0, 0.83
    d = DenseHebbian()
    E, prm = d.engine(P), d.prm(P, beta, alpha)
    c = alpha / math.factorial(P)
    b, r = beta * math.sqrt(c), m ** (P - 1) / (math.factorial(P - 1) * math.sqrt(c))
    Es, ps = _scaled(P, b, r)
    a = lambda v: np.array([v])
    A_d = E.rsb_pressure(a(m), a(0.7), a(0.95), a(0.3), prm)[0]
    A_s = Es.rsb_pressure(a(0.0), a(0.7), a(0.95), a(0.3), ps)[0]
    assert abs(A_d - (A_s - b * r * m * (P - 1) / P)) < 1e-10 * abs(A_d)
    assert abs(E.rs_pressure(a(m), a(0.9), prm)[0] - (Es.rs_pressure(a(0.0), a(0.9), ps)[0]
                                                      - b * r * m * (P - 1) / P)) < 1e-10 * abs(A_d)
    # 1RSB m = 0 lines without retrieval tracing are the exact rays T = sqrt(alpha/P!)/b_*
    pl = phase_lines(P, "1rsb", rsb_retrieval=False)
    k = pl["glass_constants"]
    assert np.allclose(pl["spin_glass_dynamic"]["T"] * k["b_d"], np.sqrt(pl["spin_glass_dynamic"]["alpha"] / 24))


def test_rs_at_retrieval_line(rs_lines):
    """AT line of RS retrieval (replicon = 1): independent dense re-solves on, below and above it;
    below the spinodal; ends at (0, 0) (T_AT ~ exp(-1/(2 alpha (P-1)!))) and on the spinodal at the
    Nishimori point T = alpha; the paramagnet (q = 0) has replicon 0 (xi''(0) = 0, P > 2)."""
    from statmech_nn.theory.dense import _at_asymptote
    from statmech_nn.theory.registry import get_model
    model = get_model("dense-hebbian")
    at, sp = rs_lines["at_retrieval"], rs_lines["retrieval_spinodal"]
    assert rs_lines["at_retrieval_skipped"] == []
    a, T = at["alpha"], at["T"]
    assert len(a) >= 6 and a[0] == 0 and T[0] == 0
    assert np.all(np.diff(a) > 0) and np.all(np.diff(T) > 0)
    solve = lambda al, t, br="retrieval": model.solve(level="rs", P=4, alpha=al, T=t, branch=br)
    for i in (1, len(a) // 2, len(a) - 2):
        r = solve(a[i], T[i])
        assert r.converged and r.branch == "retrieval"
        assert abs(r.stability["replicon"] - 1) < 1e-6
        lo, hi = solve(a[i], 0.97 * T[i]), solve(a[i], 1.03 * T[i])
        assert lo.converged and hi.converged and lo.branch == hi.branch == "retrieval"
        assert lo.stability["replicon"] > 1 > hi.stability["replicon"]
        p = solve(a[i], T[i], "paramagnet")
        assert p.converged and p.order_parameters["q"] == 0 and p.stability["replicon"] == 0
    # below the (re-entrant) spinodal: between its lower (T -> 0 at alpha_c) and upper branches
    k = int(np.argmax(sp["alpha"]))
    up_a, up_T = sp["alpha"][k:][::-1], sp["T"][k:][::-1]
    lo_a, lo_T = sp["alpha"][:k + 1], sp["T"][:k + 1]
    inner = slice(1, -1)
    assert np.all(T[inner] < np.interp(a[inner], up_a, up_T))
    assert np.all(T[inner] > np.interp(a[inner], lo_a, lo_T, left=0.0))
    # T -> 0 end: the RS T = 0 replicon is infinite; the coldest ray (b = 12) obeys the asymptote
    assert solve(0.02, 0.0).stability["replicon"] == np.inf
    m0 = solve(a[1], 0.0).order_parameters["m"]
    assert abs(T[1] / _at_asymptote(4, a[1], m0) - 1) < 0.02
    # spinodal end: lambda = 1 at the fold on the Nishimori line T = alpha, the nose of the spinodal
    assert abs(T[-1] / a[-1] - 1) < 1e-6 and np.all(T[inner] < a[inner])
    assert sp["alpha"].max() <= a[-1]
    r = solve(0.998 * a[-1], T[-1])
    assert r.converged and r.branch == "retrieval"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # no retrieval saddle beyond the nose: unconverged, flagged
        for f in (0.95, 1.0, 1.05):
            r = solve(1.002 * a[-1], f * T[-1])
            assert not (r.converged and r.branch == "retrieval")
