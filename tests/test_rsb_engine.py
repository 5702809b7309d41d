"""k-RSB engine (statmech_nn/theory/rsb): the recursion, its gradient, k = 1 against the 1RSB
solvers, SymPy at k = 2, finite differences at k = 3, the Parisi ordering, full RSB of SK."""
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from statmech_nn.theory.pspin import PSpinEngine, solve_rsb0
from statmech_nn.theory.rsb import frsb
from statmech_nn.theory.rsb.chain import make_grid, run_chain
from statmech_nn.theory.rsb.ising import KRSB, pack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "derivations"))
import krsb as D  # noqa: E402

SK = PSpinEngine((2,), 2)


def sk_prm(beta, h=0.0, n=1):
    return {"beta": np.full(n, float(beta)), "a0": np.zeros(n), "h": np.full(n, h), "c2": np.full(n, 0.5)}


def mixed():
    E = PSpinEngine((2, 4), 4)
    B = 3
    prm = {"beta": np.array([1.7, 3.0, 2.2]), "a0": np.full(B, 0.3), "h": np.array([0.0, 0.1, -0.05]),
           "c2": np.full(B, 0.2), "c4": np.full(B, 0.5)}
    return E, prm, np.array([0.5, 0.8, 0.2])


def test_chain_equals_1rsb_engine_and_is_resolved():
    """k = 1 recursion = the 1RSB engine's inner averages (T = 0 closed forms to 1e-13; T > 0 with
    the engine's 10-point panels to 1e-10), and halving the grid spacing changes nothing."""
    E, prm, m = mixed()
    q0, q1, x = np.array([0.2, 0.5, 0.1]), np.array([0.6, 0.9, 0.4]), np.array([0.3, 0.6, 0.5])
    K = KRSB(E, 1)
    av = K.averages(pack(m, np.stack([q0, q1]), x[None]), prm, False)
    ref = E.rsb_averages(m, q0, q1, x, prm, n_outer=10, n_inner=10)
    assert np.allclose(av["phi0"] * prm["beta"] * x, ref["lnZ"], atol=1e-10, rtol=0)
    assert np.allclose(av["Q"][0], ref["tt"], atol=1e-10) and np.allclose(av["Q"][1], ref["t2"], atol=1e-10)
    assert np.allclose(av["mhat"], ref["t"], atol=1e-10)
    assert np.all(av["error"] < 1e-13)
    prm0 = dict(prm, beta=np.full(3, np.inf))
    y = np.array([1.2, 2.0, 0.7])
    av0 = K.averages(pack(m, q0[None], y[None]), prm0, True)
    r0 = E.rsb0_parts(m, q0, y, prm0, n_outer=40)
    assert np.allclose(av0["phi0"] * y, r0["lnZ"], atol=1e-13, rtol=0)
    assert np.allclose(av0["C"], 2 * r0["rho"], atol=1e-13)
    # resolution: k = 2 at T = 0 and T > 0, spacing halved
    H, Dl, yy = np.zeros(1), np.array([[0.2], [0.3], [0.5]]), np.array([[0.8], [2.5]])
    for zt, beta in ((True, None), (False, np.array([2.0]))):
        vals = [run_chain(H, Dl, yy, beta=beta, zero_T=zt,
                          grid=make_grid(H, Dl, yy, beta, zt, resolution=res))["phi0"][0]
                for res in (0.22, 0.11)]
        assert abs(vals[0] - vals[1]) < 1e-12


@pytest.mark.parametrize("zero_T", [False, True])
def test_gradient_equals_sympy_k2(zero_T):
    """Hand-coded 2RSB gradient = SymPy's (derivations/krsb.py: differentiated integrands, nested
    Gauss-Hermite quadrature), two models, to 1e-9."""
    cases = [((2, 4), 4, dict(m=0.6, h=0.05, a0=0.3, c2=0.2, c4=0.4)),
             ((2,), 2, dict(m=0.0, h=0.3, a0=0.0, c2=0.5))]
    for powers, P, pt in cases:
        E = PSpinEngine(powers, P)
        K = KRSB(E, 2)
        prm = {"a0": np.array([pt["a0"]]), "h": np.array([pt["h"]])}
        prm.update({f"c{k}": np.array([pt[f"c{k}"]]) for k in powers})
        if zero_T:
            p = dict(pt, q0=0.3, q1=0.7, y1=0.9, y2=2.2)
            prm["beta"] = np.array([np.inf])
            X = pack(np.array([p["m"]]), np.array([[p["q0"]], [p["q1"]]]), np.array([[p["y1"]], [p["y2"]]]))
            g = K.gradient(X, prm, True)
            mine = {"m": g["m"][0], "q0": g["q"][0, 0], "q1": g["q"][1, 0], "y1": g["y"][0, 0],
                    "y2": g["y"][1, 0], "A": g["A"][0]}
            tol = 1e-9 if P == 4 else 2e-9     # Gauss-Hermite reference at T = 0 (|u| kink smoothed once)
            ref = D.ising_2rsb_gradient(p, powers, P, True, n=90)
        else:
            p = dict(pt, beta=1.3, q0=0.2, q1=0.5, q2=0.8, x1=0.3, x2=0.6)
            prm["beta"] = np.array([p["beta"]])
            X = pack(np.array([p["m"]]), np.array([[p["q0"]], [p["q1"]], [p["q2"]]]), np.array([[p["x1"]], [p["x2"]]]))
            g = K.gradient(X, prm, False)
            b = p["beta"]     # the package differentiates A/beta
            mine = {"m": g["m"][0] * b, "q0": g["q"][0, 0] * b, "q1": g["q"][1, 0] * b,
                    "q2": g["q"][2, 0] * b, "x1": g["x"][0, 0] * b, "x2": g["x"][1, 0] * b, "A": g["A"][0] * b}
            tol = 1e-10
            ref = D.ising_2rsb_gradient(p, powers, P, False, n=40)
        for key, v in mine.items():
            assert abs(v - ref[key]) < tol, (powers, key, v, ref[key])


@pytest.mark.parametrize("zero_T", [False, True])
def test_gradient_equals_finite_differences_k3(zero_T):
    E, prm, m = mixed()
    if zero_T:
        prm = dict(prm, beta=np.full(3, np.inf))
    K = KRSB(E, 3)
    rng = np.random.default_rng(3)
    q = np.sort(rng.uniform(0.05, 0.95, (3 if zero_T else 4, 3)), 0)
    last = np.sort(rng.uniform(0.3, 3.0, (3, 3)), 0) if zero_T else np.sort(rng.uniform(0.1, 0.9, (3, 3)), 0)
    X = pack(m, q, last)
    spec = K.spec(X, prm, zero_T)
    g = K.gradient(X, prm, zero_T, av=K.averages(X, prm, zero_T, spec=spec))
    G = np.concatenate([g["m"][None], g["q"], g["y" if zero_T else "x"]], 0)
    h = 1e-6
    for i in range(X.shape[0]):
        Xp, Xm = X.copy(), X.copy()
        Xp[i] += h
        Xm[i] -= h
        num = (K.pressure(Xp, prm, zero_T, av=K.averages(Xp, prm, zero_T, spec=spec, forward=False))
               - K.pressure(Xm, prm, zero_T, av=K.averages(Xm, prm, zero_T, spec=spec, forward=False))) / (2 * h)
        assert np.all(np.abs(num - G[i]) < 2e-9), (i, num, G[i])


def test_k1_reproduces_the_1rsb_solvers():
    """k = 1 minimum of the engine: SK ground state -0.7652594 (the 1RSB solver's value, Parisi 1979:
    -0.7653), dense P = 4 1RSB capacity alpha_c 3! = 0.229172 (dense.rsb_capacity)."""
    seq = frsb.k_sequence(SK, sk_prm(np.inf), 1, True)
    ref = solve_rsb0(SK, sk_prm(np.inf), np.zeros(1), np.array([0.4]), np.array([1.4]))
    assert abs(seq[0]["energy"] - ref["energy"][0]) < 1e-12
    assert abs(seq[0]["energy"] - (-0.7652594)) < 1e-7
    assert abs(seq[0]["q"][0] - ref["q0"][0]) < 1e-9 and abs(seq[0]["y"][0] - ref["y"][0]) < 1e-8
    from statmech_nn.theory.dense import rsb_capacity
    from statmech_nn.theory.rsb.capacity import capacity_krsb
    c1 = capacity_krsb(4, 1)
    assert c1["converged"]
    assert abs(c1["tau_c"] - rsb_capacity(4)["tau_c"]) < 1e-9
    assert abs(c1["tau_c"] - 0.229172) < 1e-6


def test_parisi_ordering_and_monotone_convergence_sk():
    """SK at T = 0.5 (free energy -T ln Z / N): f_RS <= f_1RSB <= f_2RSB <= ... with shrinking steps."""
    from statmech_nn.theory.pspin import solve_rs
    prm = sk_prm(2.0)
    f_rs = solve_rs(SK, prm, np.zeros(1), np.full(1, 0.5))["free_energy"][0]
    seq = frsb.k_sequence(SK, prm, 5, False)
    f = np.array([f_rs] + [s["free_energy"] for s in seq])
    assert all(s["converged"] for s in seq)
    steps = np.diff(f)
    assert np.all(steps > 0), f
    assert np.all(np.diff(steps) < 0), steps
    assert abs(seq[0]["free_energy"] - (-0.7912088424)) < 1e-9    # the 1RSB solver's value


def test_sk_full_rsb_ground_state_published():
    """Full RSB of SK at T = 0 by k-RSB (k <= 7) and the k^-4 extrapolation: the Parisi ground
    state -0.7631667 (Crisanti & Rizzo, PRE 65, 046137 (2002); Oppermann, Schmidt & Sherrington,
    PRL 98, 127201 (2007)) within 1e-6, and within the stated extrapolation error x 2."""
    r = frsb.full_rsb(SK, sk_prm(np.inf), True, kmax=7)
    assert r["converged"]
    assert abs(r["free_energy"] - (-0.7631667)) < 1e-6
    assert abs(r["free_energy"] - (-0.7631667)) < 2 * r["free_energy_error"] + 1e-7
    e = [s["energy"] for s in r["sequence"]]
    assert all(a < b for a, b in zip(e, e[1:]))               # monotone in k (e_k increases)


def test_sk_qx_is_x_over_2_near_tc():
    """Near T_c, q(x) = x/2 to leading order in tau = 1 - T (Parisi 1980) and q_max = tau + O(tau^2):
    the slope of the k = 5 staircase (jump midpoints against the x_l) and q_max/tau at tau = 0.05
    and 0.1, extrapolated linearly to tau = 0, give 1/2 and 1."""
    slopes, qmax = [], []
    taus = (0.05, 0.1)
    for tau in taus:
        s = frsb.k_sequence(SK, sk_prm(1 / (1 - tau)), 5, False)[-1]
        assert s["converged"]
        q, x = s["q"], s["x"]
        slopes.append(np.polyfit(x, 0.5 * (q[:-1] + q[1:]), 1)[0])
        qmax.append(q[-1] / tau)
    ext = lambda v: v[0] - taus[0] * (v[1] - v[0]) / (taus[1] - taus[0])
    assert abs(ext(slopes) - 0.5) < 0.02, slopes
    assert abs(ext(qmax) - 1.0) < 0.01, qmax


def test_T_to_zero_limit_of_the_finite_T_solver():
    """SK 2RSB at T = 0.04 and 0.02 against the T = 0 forms: the energy approaches e0 faster than
    linearly (|e - e0| = 5.3e-5, 1.0e-5), and the linear extrapolation of y_l = beta x_l and q_l to
    T = 0 meets the T = 0 solution (y to 1.5 %, q to 3e-3)."""
    s0 = frsb.k_sequence(SK, sk_prm(np.inf), 2, True)[-1]
    s4, s2 = (frsb.k_sequence(SK, sk_prm(1 / T), 2, False)[-1] for T in (0.04, 0.02))
    d4, d2 = s4["energy"] - s0["energy"], s2["energy"] - s0["energy"]
    assert 0 < d2 < 2e-5 and d4 / d2 > 3.0
    assert np.allclose(2 * s2["y"] - s4["y"], s0["y"], rtol=0.015)
    assert np.allclose(2 * s2["q"][:2] - s4["q"][:2], s0["q"][:2], atol=3e-3)


def test_parisi_identities_on_explicit_matrices():
    """The hierarchical-matrix formulas behind the Hopfield k-RSB free energy (derivations/krsb.py)
    hold on explicit 12 x 12 Parisi matrices (k = 2) and 8 x 8 (k = 1)."""
    assert D.check_parisi_identities() < 1e-13
    assert D.check_parisi_identities(n=8, blocks=(4,), q=(0.3, 0.7), r=(0.4, 0.9)) < 1e-13


def test_hopfield_k1_equals_hopfield_1rsb():
    """k = 1 of rsb/hopfield.py = hopfield.py's 1RSB (f, df/dy, e, s and the map) at T = 0 and T > 0."""
    from statmech_nn.theory import hopfield as H
    from statmech_nn.theory.rsb import hopfield as HK
    for beta in (np.inf, 3.0, 8.0):
        m, q0, c1, y, al = 0.7, 0.9, 0.3, 1.0, 0.1
        g = H.rsb_geometry(m, q0, c1, y, al, beta)
        av = H.rsb_averages(g, n_inner=16, n_outer=16)
        f, dfdy = H.rsb_free_energy_parts(g, av)
        old = H.rsb_thermo(m, q0, c1, y, al, beta)
        X = np.array([[m], [q0], [c1], [y]])
        th = HK.thermo(X, np.array([al]), np.array([beta]), 1, not np.isfinite(beta))
        tol = 1e-9 if beta == 8.0 else 1e-12    # hopfield.py's own quadrature at beta = 8
        assert abs(f - th["free_energy"][0]) < tol and abs(dfdy - th["dfdy"][0, 0]) < tol
        assert abs(old["energy"] - th["energy"][0]) < 1e-9 and abs(old["entropy"] - th["entropy"][0]) < 1e-8
        p = {"alpha": np.array([al]), "beta": np.array([beta]), "fixm": np.zeros(1)}
        assert np.allclose(H.rsb_map(X, p), HK.hmap(X, p, 1, not np.isfinite(beta)), atol=1e-9)
