"""Hopfield (AGS) replica theory: published and exact values, limits, SymPy gradients, CLI."""
import importlib.util
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from statmech_nn.core.errors import NotConvergedWarning, ParameterError
from statmech_nn.theory import get_model
from statmech_nn.theory import hopfield as H
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hop():
    return get_model("hopfield")


@pytest.fixture(scope="module")
def deriv():
    spec = importlib.util.spec_from_file_location("deriv_hopfield", ROOT / "derivations" / "hopfield.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- capacity
def test_rs_capacity_ags(hop):
    r = hop.capacity("rs")
    assert r.converged and r.residual < 1e-12
    # AGS: alpha_c = 0.138 (0.1379); the T = 0 RS equations give 0.1379055665 (mpmath, 30 digits)
    assert abs(r.alpha_c - 0.137905566495) < 1e-9
    assert round(r.alpha_c, 6) == 0.137906
    # m(alpha_c): AGS quote 0.967; the same equations give 0.96741712 (see docs/hopfield.md)
    assert abs(r.order_parameters["m"] - 0.9674171157) < 1e-7
    assert round(r.order_parameters["m"], 3) == 0.967


def test_rs_capacity_is_the_solver_fold(hop):
    ac = hop.capacity("rs").alpha_c
    below = hop.solve("rs", "retrieval", alpha=ac * (1 - 1e-6), T=0)
    assert below.converged and below.branch == "retrieval"
    assert abs(below.order_parameters["m"] - 0.96742) < 5e-4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        above = hop.solve("rs", "retrieval", alpha=ac * (1 + 1e-4), T=0)
    assert above.branch != "retrieval" or not above.converged


def test_1rsb_capacity_steffan_kuehn(hop):
    r = hop.capacity("1rsb")
    assert r.converged
    # Steffan & Kuehn (1994): 0.138186; slightly above RS
    assert abs(r.alpha_c - 0.138186) < 2e-6
    assert r.alpha_c > hop.capacity("rs").alpha_c
    op = r.order_parameters
    assert op["q1"] == 1.0 and 0.99 < op["q0"] < 1.0 and op["y"] > 0


# ----------------------------------------------------------------------------- exact results
@pytest.mark.parametrize("alpha,T", [(0.05, 1.5), (0.3, 1.8), (0.0, 1.2), (0.5, 3.0)])
def test_paramagnet_exact_free_energy(hop, alpha, T):
    beta = 1 / T
    r = hop.solve("rs", "paramagnet", alpha=alpha, T=T)
    assert r.converged and r.branch == "paramagnet"
    exact = math.log(2) - alpha / 2 * math.log(1 - beta) - alpha * beta / 2
    assert abs(-beta * r.free_energy - exact) < 1e-10
    e_exact = alpha / 2 - alpha / (2 * (1 - beta))   # -d(-beta f)/d beta
    assert abs(r.energy - e_exact) < 1e-10
    assert abs(r.entropy - beta * (e_exact + exact / beta)) < 1e-9
    # above T_g the selected state is the paramagnet
    sel = hop.solve("rs", alpha=alpha, T=T)
    assert sel.branch == "paramagnet" and abs(sel.free_energy - r.free_energy) < 1e-12


@pytest.mark.parametrize("alpha,T", [(0.1, 1.2), (0.1, 1.1), (0.05, 1.15)])
def test_spin_glass_is_the_state_between_1_and_Tg(hop, alpha, T):
    """1 < T < T_g = 1 + sqrt(alpha): the thermodynamic state is the RS spin glass (issue 11), whose
    f is recomputed here from the AGS m = 0 equations with adaptive quadrature (independent code);
    the paramagnet there is unstable (replicon alpha beta^2/(1-beta)^2 > 1) and has lower f."""
    from scipy import integrate
    b = 1 / T

    def Ez(g):
        return integrate.quad(lambda z: g(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -40, 40,
                              epsabs=1e-14, epsrel=1e-13, limit=200)[0]

    r_of = lambda q: q / (1 - b * (1 - q)) ** 2
    q = optimize.brentq(lambda q: Ez(lambda z: math.tanh(b * math.sqrt(alpha * r_of(q)) * z) ** 2) - q,
                        1e-4, 0.99, xtol=1e-15)
    s = math.sqrt(alpha * r_of(q))
    lc = Ez(lambda z: abs(b * s * z) + math.log1p(math.exp(-2 * abs(b * s * z))))
    f = (alpha / 2 + alpha / (2 * b) * (math.log(1 - b * (1 - q)) - b * q / (1 - b * (1 - q)))
         + alpha * b * r_of(q) * (1 - q) / 2 - lc / b)
    res = hop.solve("rs", alpha=alpha, T=T)
    assert res.converged and res.branch == "spin-glass"
    assert abs(res.free_energy - f) < 1e-10 and abs(res.order_parameters["q"] - q) < 1e-9
    para = hop.solve("rs", "paramagnet", alpha=alpha, T=T)
    assert para.stability["replicon"] > 1 and para.free_energy < res.free_energy


def test_spin_glass_line(hop):
    pl = hop.phase_lines("rs", n=5, lines=["spin_glass"])["spin_glass"]
    np.testing.assert_allclose(pl["T"], 1 + np.sqrt(pl["alpha"]), atol=1e-10)
    # the SG saddle appears continuously at T_g
    a = 0.2
    Tg = 1 + math.sqrt(a)
    lo = hop.solve("rs", "spin-glass", alpha=a, T=Tg * 0.98)
    hi = hop.solve("rs", "spin-glass", alpha=a, T=Tg * 1.02)
    assert lo.order_parameters["q"] > 1e-3 and hi.order_parameters["q"] < 1e-8


def test_retrieval_global_minimum_T0(hop):
    # AGS: retrieval states are global minima for alpha < 0.051 at T = 0
    df = lambda a: H._f_retrieval(hop, "rs", a, 0.0) - H._f_glass(hop, "rs", a, 0.0)
    ac = optimize.brentq(df, 0.03, 0.1, xtol=1e-9)
    assert abs(ac - 0.05185) < 1e-4
    # at 1RSB the spin glass is higher in f, so retrieval stays the global minimum further
    df1 = lambda a: H._f_retrieval(hop, "1rsb", a, 0.0) - H._f_glass(hop, "1rsb", a, 0.0)
    assert df1(ac) < 0


# ----------------------------------------------------------------------------- limits
def test_rs_zero_temperature_limit(hop):
    for a in (0.05, 0.12):
        r0 = hop.solve("rs", "retrieval", alpha=a, T=0)
        rT = hop.solve("rs", "retrieval", alpha=a, T=1e-3)
        assert abs(rT.order_parameters["m"] - r0.order_parameters["m"]) < 1e-5
        assert abs(rT.energy - r0.energy) < 1e-5
        assert abs(rT.entropy - r0.entropy) < 2e-3
        assert abs(rT.free_energy - (r0.free_energy - 1e-3 * r0.entropy)) < 1e-5
        # closed-form T = 0 relations: e0 = f0 = -m^2/2 - alpha (r - 1)/2
        o = r0.order_parameters
        assert abs(r0.free_energy - (-o["m"] ** 2 / 2 - a * (o["r"] - 1) / 2)) < 1e-12
    sg0 = hop.solve("rs", "spin-glass", alpha=0.1, T=0)
    sgT = hop.solve("rs", "spin-glass", alpha=0.1, T=1e-3)
    assert abs(sg0.free_energy - sgT.free_energy) < 1e-4
    # RS T = 0 spin-glass: C = a/(1 + a), a = sqrt(2/(pi alpha))
    aa = math.sqrt(2 / (math.pi * 0.1))
    assert abs(sg0.order_parameters["r"] - (1 + aa) ** 2) < 1e-9


def test_1rsb_zero_temperature_limit(hop):
    # q1 -> 1 and x -> 0 with c1 = beta(1 - q1) and y = beta x finite; corrections are O(T),
    # so compare the linear extrapolation from T = 0.004, 0.002 with the T = 0 equations
    r0 = hop.solve("1rsb", "spin-glass", alpha=0.1, T=0)
    ra = hop.solve("1rsb", "spin-glass", alpha=0.1, T=0.004)
    rb = hop.solve("1rsb", "spin-glass", alpha=0.1, T=0.002)
    assert r0.converged and ra.converged and rb.converged
    o0, oa, ob = r0.order_parameters, ra.order_parameters, rb.order_parameters
    for k in ("q0", "y"):
        assert abs(2 * ob[k] - oa[k] - o0[k]) < 1e-3, k
    assert abs(2 * rb.energy - ra.energy - r0.energy) < 1e-5
    assert abs(rb.free_energy - (r0.free_energy - 0.002 * r0.entropy)) < 1e-4
    assert abs(rb.entropy - r0.entropy) < 5e-3


@pytest.mark.parametrize("branch,alpha,T", [("retrieval", 0.08, 0.3), ("spin-glass", 0.1, 0.5)])
def test_rs_energy_is_dbetaf_dbeta(hop, branch, alpha, T):
    b, h = 1 / T, 1e-4
    fp = hop.solve("rs", branch, alpha=alpha, beta=b + h).free_energy * (b + h)
    fm = hop.solve("rs", branch, alpha=alpha, beta=b - h).free_energy * (b - h)
    r = hop.solve("rs", branch, alpha=alpha, beta=b)
    assert abs((fp - fm) / (2 * h) - r.energy) < 1e-6
    assert abs(r.entropy - b * (r.energy - r.free_energy)) < 1e-10


@pytest.fixture(scope="module")
def sg_1rsb_finite_T(hop):
    return hop.solve("1rsb", "spin-glass", alpha=0.2, T=0.8), hop.solve("rs", "spin-glass", alpha=0.2, T=0.8)


def test_1rsb_energy_is_dbetaf_dbeta(sg_1rsb_finite_T):
    # at a saddle, e = d(beta f)/d beta at fixed order parameters (stationarity)
    r, _ = sg_1rsb_finite_T
    assert r.converged
    o, b, h = r.order_parameters, r.params["beta"], 1e-5
    args = (o["m"], o["q0"], o["q1"], o["x"], o["r0"], o["r1"], 0.2)
    d = (float(H.rsb_beta_f(*args, b + h)) - float(H.rsb_beta_f(*args, b - h))) / (2 * h)
    assert abs(d - r.energy) < 1e-7
    assert abs(float(H.rsb_beta_f(*args, b)) / b - r.free_energy) < 1e-12


# ----------------------------------------------------------------------------- 1RSB vs RS
@pytest.mark.parametrize("branch,alpha,T", [("spin-glass", 0.1, 0.0), ("retrieval", 0.137, 0.0)])
def test_free_energy_ordering_rs_le_1rsb(hop, branch, alpha, T):
    rs = hop.solve("rs", branch, alpha=alpha, T=T)
    r1 = hop.solve("1rsb", branch, alpha=alpha, T=T)
    assert r1.converged and r1.branch == branch
    o = r1.order_parameters
    assert o["q0"] < o["q1"] and 0 <= o["x"] < 1
    assert r1.free_energy > rs.free_energy + 1e-7


def test_free_energy_ordering_finite_T(sg_1rsb_finite_T):
    r1, rs = sg_1rsb_finite_T
    assert r1.converged and r1.branch == "spin-glass"
    assert rs.stability["replicon"] > 1          # RS spin glass is AT-unstable
    o = r1.order_parameters
    assert 0 < o["q0"] < o["q1"] < 1 and 0 < o["x"] < 1
    assert r1.free_energy > rs.free_energy + 1e-5


def test_1rsb_sg_T0_has_q0_nonzero(hop):
    # the trap: q0 = 0 is a stationary point too, with a lower (wrong) free energy
    r = hop.solve("1rsb", "spin-glass", alpha=0.05, T=0)
    assert 0.5 < r.order_parameters["q0"] < 0.6
    g = H.rsb_geometry(0.0, 0.0, 0.68943228, 0.15466211, 0.05, np.inf)
    f_q0zero, _ = H.rsb_free_energy_parts(g, H.rsb_averages(g))
    assert r.free_energy > float(f_q0zero) + 1e-3


def test_1rsb_reduces_to_rs(deriv):
    rng = np.random.default_rng(7)
    rs_v, rsb_v = deriv.rs_value(), deriv.rsb_value()
    for _ in range(3):
        m, q, r, al, be = rng.uniform(0, 1), rng.uniform(0.4, 0.9), rng.uniform(0.2, 2), rng.uniform(0.05, 0.4), rng.uniform(0.5, 1.5)
        q1, r1, x = rng.uniform(q, 1), r + rng.uniform(0.1, 1), rng.uniform(0.2, 0.9)
        ref = rs_v(m, q, r, al, be)
        # x = 1 (any q1, r1) and q0 = q1, r0 = r1 (any x) both give the RS free energy
        for args in ((m, q, q1, 1.0, r, r1, al, be), (m, q, q, x, r, r, al, be)):
            assert abs(rsb_v(*args) - ref) < 1e-11
            assert abs(float(H.rsb_beta_f(*args)) - ref) < 1e-10
        # and the package's RS free energy at the stationary r equals the SymPy one
        c = be * (1 - q)
        assert abs(be * float(H.rs_free_energy(m, c, al, be)) - rs_v(m, q, q / (1 - c) ** 2, al, be)) < 1e-11


# ----------------------------------------------------------------------------- SymPy gradients
def test_rs_equations_equal_sympy_gradient(deriv):
    grad = deriv.rs_gradient()
    rng = np.random.default_rng(1)
    for _ in range(5):
        be = rng.uniform(0.3, 2.5)
        p = (rng.uniform(-1, 1), rng.uniform(max(0.05, 1 - 0.9 / be), 0.95), rng.uniform(0.1, 3),
             rng.uniform(0.01, 0.5), be)
        a, b = grad(*p), H.rs_gradient(*p)
        for k in a:
            assert abs(a[k] - float(b[k])) < 1e-10, (k, p)


def test_1rsb_equations_equal_sympy_gradient(deriv):
    grad = deriv.rsb_gradient()
    rng = np.random.default_rng(2)
    for _ in range(4):
        be = rng.uniform(0.5, 2)
        q1 = rng.uniform(max(0.3, 1 - 0.8 / be), 0.95)
        r0 = rng.uniform(0.1, 2)
        p = (rng.uniform(0, 1), rng.uniform(0, q1), q1, rng.uniform(0.2, 0.9), r0,
             r0 + rng.uniform(0.1, 2), rng.uniform(0.05, 0.5), be)
        a, b = grad(*p), H.rsb_gradient(*p)
        for k in a:
            assert abs(a[k] - float(b[k])) < 1e-10, (k, p)


# ----------------------------------------------------------------------------- batch API
def test_solve_batch_matches_solve_and_flags(hop):
    al = np.array([0.05, 0.1, 0.3])
    T = np.array([0.2, 0.0, 2.0])
    b = hop.solve_batch("rs", None, alpha=al, T=T)
    assert b["converged"].all()
    assert list(b["branch"]) == ["retrieval", "spin-glass", "paramagnet"]
    for i in range(3):
        r = hop.solve("rs", alpha=al[i], T=T[i])
        assert abs(r.free_energy - b["free_energy"][i]) < 1e-12
    raw = hop._rs_batch("retrieval", np.array([0.1375]), np.array([np.inf]), maxiter=1)
    assert not raw["converged"][0] and raw["residual"][0] > 1e-11


def test_unconverged_is_flagged():
    r = H.make_result("hopfield", "rs", {}, {"m": 0.1}, 0, 0, 0, False, 1e-3, 5)
    with pytest.warns(NotConvergedWarning):
        r.warn_if_unconverged()


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kw,name", [({"alpha": -0.1, "T": 0.1}, "alpha"), ({"alpha": 0.1, "T": -1}, "T"),
                                     ({"alpha": 0.1, "beta": 0}, "beta")])
def test_bad_parameters(hop, kw, name):
    with pytest.raises(ParameterError, match=name):
        hop.solve("rs", **kw)


def test_bad_level_and_branch(hop):
    with pytest.raises(ParameterError, match="level"):
        hop.solve("9rsb", alpha=0.1, T=0.1)        # 2rsb ... 8rsb exist since the k-RSB engine
    with pytest.raises(ParameterError, match="level"):
        hop.capacity("frsb")
    with pytest.raises(ParameterError, match="branch"):
        hop.solve("rs", "ferro", alpha=0.1, T=0.1)
    with pytest.raises(ParameterError, match="alpha"):
        hop.solve_batch("rs", "retrieval", alpha=np.array([0.1, -0.2]), T=np.array([0.1, 0.1]))


# ----------------------------------------------------------------------------- CLI


def test_cli_solve_1rsb_json():
    p = run_cli("solve", "hopfield", "--alpha", "0.05", "--T", "0.2", "--level", "1rsb", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for k in ("order_parameters", "free_energy", "energy", "entropy", "converged", "residual", "iterations"):
        assert k in d
    assert d["converged"] and d["branch"] == "retrieval"
    assert {"m", "q0", "q1", "x"} <= set(d["order_parameters"])


def test_cli_capacity_and_errors():
    p = run_cli("capacity", "hopfield", "--level", "rs", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert abs(d["alpha_c"] - 0.137906) < 1e-6 and abs(d["order_parameters"]["m"] - 0.96742) < 1e-5
    p = run_cli("solve", "hopfield", "--alpha", "-1", "--T", "0.1", "--json")
    assert p.returncode == 2 and "alpha" in p.stderr and "Traceback" not in p.stderr


def test_1rsb_selection_keeps_retrieval_where_rsb_is_weak(hop):
    o = hop.solve_batch("1rsb", None, alpha=np.array([0.05, 0.1]), T=np.array([0.0, 0.0]))
    assert o["converged"].all()
    assert list(o["branch"]) == ["retrieval", "spin-glass"]
    assert o["rsb_weak"][0]
    r = hop.solve("1rsb", alpha=0.05, T=0)
    assert r.branch == "retrieval" and "below resolution" in r.message


def test_zero_temperature_equations_equal_sympy_gradient(deriv):
    import sympy as sp
    # 1RSB at T = 0 (closed-form inner average; outer z0 average by quadrature)
    grad = deriv.rsb_zero_T_gradient()
    rng = np.random.default_rng(3)
    n = 0
    while n < 3:
        al, r0, y, q0, c1 = rng.uniform(0.05, 0.3), rng.uniform(0.5, 3), rng.uniform(0.3, 2), rng.uniform(0.2, 0.9), rng.uniform(0.05, 0.3)
        if 1 - c1 - y * (1 - q0) < 0.05:
            continue
        p = (rng.uniform(0, 1), q0, c1, y, r0, r0 + rng.uniform(0.5, 3), al)
        a, b = grad(*p), H.rsb_gradient_zero_T(*p)
        for k in a:
            assert abs(a[k] - float(b[k])) < 1e-10, (k, p)
        n += 1
    # RS at T = 0: fully symbolic f0(m, C, r) vs the solver's T = 0 map
    f0 = deriv.rs_zero_T()
    m, C, r, alpha = deriv.m, deriv.C, deriv.r, deriv.alpha
    for _ in range(3):
        v = {m: rng.uniform(0.1, 1), C: rng.uniform(0.05, 0.6), r: rng.uniform(0.5, 3), alpha: rng.uniform(0.02, 0.3)}
        a = H.rs_averages(v[m], np.inf, v[alpha], np.inf, r=v[r])
        hand = {m: v[m] - float(a["Et"]), C: float(v[alpha]) / 2 * (v[r] - 1 / (1 - v[C]) ** 2),
                r: float(v[alpha]) / 2 * (v[C] - float(a["Ec"]))}
        for s_, h in hand.items():
            assert abs(float(sp.diff(f0, s_).subs(v).evalf(20)) - h) < 1e-12, s_


def test_1rsb_x_maximises_f(hop):
    # at the 1RSB saddle f is a maximum over the Parisi parameter (minimum of A = -beta f)
    from statmech_nn.core.solver import solve_fixed_point
    r = hop.solve("1rsb", "spin-glass", alpha=0.1, T=0)
    o = r.order_parameters
    for y in (0.8 * o["y"], 1.25 * o["y"]):
        p = {"alpha": np.array([0.1]), "beta": np.array([np.inf]), "y": np.array([y]), "fixm": np.ones(1)}
        x0 = np.array([[0.0], [o["q0"]], [0.5]])
        s = solve_fixed_point(H._rsb_inner_map, x0, p, tol=1e-12, bounds=([-1, 0, 0], [1, 1, 1 - 1e-10]))
        assert s.converged[0]
        f_y = float(H.rsb_thermo(*s.x[:, 0], y, 0.1, np.inf)["free_energy"])
        assert f_y < r.free_energy - 1e-6


def test_1rsb_retrieval_spinodal_line(hop):
    """1RSB retrieval spinodal as a line in T: T = 0 end = capacity('1rsb'); at T > 0 the 1RSB
    retrieval saddle exists just below the line and not just above it; line >= RS spinodal and
    = RS where the RS fold is AT-stable (above the retrieval AT line)."""
    Ts = np.array([0.0, 0.005, 0.01, 0.05])
    sp = hop.phase_lines("1rsb", lines=["retrieval_spinodal"], T_values=Ts)["retrieval_spinodal"]
    a, a_rs = sp["alpha"], sp["alpha_rs"]
    assert np.all(np.isfinite(a))
    assert a[0] == pytest.approx(hop.capacity("1rsb").alpha_c, abs=1e-9)
    assert a[0] == pytest.approx(0.138186, abs=2e-6)
    assert np.all(a >= a_rs - 1e-10)
    assert sp["rsb"][1] and sp["rsb"][2] and a[2] - a_rs[2] > 2e-5   # RSB raises the fold
    assert sp["replicon_rs"][3] < 1 and not sp["rsb"][3] and a[3] == a_rs[3]
    for i in (1, 2):
        T, st, m = Ts[i], sp["state_1rsb"][i], sp["m"][i]
        below = H.rsb_retrieval_converges(a[i] - 1e-6, T, st, m)
        above = H.rsb_retrieval_converges(a[i] + 1e-6, T, st, m)
        assert below[0] and below[1] > m and not above[0], (T, below, above)
    # the RS retrieval saddle does not exist just below the 1RSB line at T = 0.01 (pure RSB window)
    r = H._f_branch(hop, "rs", "retrieval", a[2] - 1e-6, 0.01)
    assert not (r["converged"] and r["branch"] == "retrieval")
