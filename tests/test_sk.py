"""SK model and the p-spin engine: exact/published values, RS <= 1RSB, T -> 0, SymPy gradients."""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.theory.pspin import PSpinEngine, solve_rsb0
from statmech_nn.theory.sk import SK, paramagnet_free_energy
from cli_run import run_cli

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "derivations"))
import pspin as derivation  # noqa: E402

E_1RSB = -0.765259   # Parisi 1RSB ground state (anchors.md §5.3; q0 = 0.4768, y = 1.3608)
E_TRAP = -0.768828   # 1RSB with q0 forced to 0: wrong and lower


@pytest.fixture(scope="module")
def sk():
    return SK()


@pytest.fixture(scope="module")
def sk0_1rsb(sk):
    return sk.solve(level="1rsb", T=0)


def test_rs_ground_state_closed_forms(sk):
    r = sk.solve(level="rs", T=0)
    assert abs(r.energy + math.sqrt(2 / math.pi)) < 1e-12          # -0.797885
    assert abs(r.free_energy - r.energy) < 1e-15
    assert abs(r.entropy + 1 / (2 * math.pi)) < 1e-12               # -0.159155
    assert r.order_parameters["q"] == 1.0 and r.branch == "spin-glass"
    assert r.stability["rs_stable"] is False


@pytest.mark.parametrize("T", [1.0, 1.5, 3.0])
def test_paramagnet_exact(sk, T):
    r = sk.solve(level="rs", T=T)
    assert abs(r.free_energy - paramagnet_free_energy(T)) < 1e-10
    assert abs(r.energy + 1 / (2 * T)) < 1e-10
    assert r.branch == "paramagnet"


def test_1rsb_ground_state_and_trap(sk0_1rsb):
    r = sk0_1rsb
    op = r.order_parameters
    assert abs(r.energy - E_1RSB) < 1e-6
    assert abs(op["q0"] - 0.4768) < 1e-4 and abs(op["y"] - 1.3608) < 1e-4
    assert abs(r.energy - E_TRAP) > 3e-3          # the package does not return the q0 = 0 trap
    # the trap is a genuine stationary point, with larger A (= -e): rejected by min over (q0, y)
    E = PSpinEngine((2,), 2)
    prm = {"beta": np.array([np.inf]), "a0": np.zeros(1), "h": np.zeros(1), "c2": np.array([0.5])}
    t = solve_rsb0(E, prm, np.zeros(1), np.zeros(1), np.array([0.8]))
    assert t["converged"][0] and abs(t["energy"][0] - E_TRAP) < 1e-6 and t["q0"][0] == 0
    assert -t["energy"][0] > -r.energy
    # closed-form energy identity e = -C xi'(1) - y (xi(1) - xi(q0)) at the saddle
    th = E.rsb0_thermo(np.zeros(1), np.array([op["q0"]]), np.array([op["y"]]), prm)
    assert abs(th["energy_check"][0] - r.energy) < 1e-10


def test_1rsb_T_to_zero_matches_zero_temperature_forms(sk, sk0_1rsb):
    T = 0.003
    r = sk.solve(level="1rsb", T=T)
    op, op0 = r.order_parameters, sk0_1rsb.order_parameters
    assert abs(op["q0"] - op0["q0"]) < 3e-3
    assert abs(op["x"] / T - op0["y"]) < 1e-2
    assert abs((1 - op["q1"]) / T - op0["C"]) < 1e-2
    assert abs(r.energy - sk0_1rsb.energy) < 1e-5
    assert abs(r.free_energy - (sk0_1rsb.energy - T * sk0_1rsb.entropy)) < 1e-5


@pytest.mark.parametrize("T", [0.1, 0.8, 0.95])
def test_rs_below_1rsb_and_energy_is_dbetaf(sk, T):
    rs = sk.solve(level="rs", T=T)
    rb = sk.solve(level="1rsb", T=T)
    assert rb.converged and rb.order_parameters["q1"] > rb.order_parameters["q0"] + 1e-2
    assert rs.free_energy < rb.free_energy            # f_RS <= f_1RSB (A minimised over q0, q1, x)
    assert rs.stability["replicon"] > 1                # RS unstable below T_c = 1 at h = 0
    # energy = d(beta f)/d beta, at fixed order parameters (envelope theorem)
    E = PSpinEngine((2,), 2)
    op = rb.order_parameters
    A = lambda b: E.rsb_pressure(np.zeros(1), np.array([op["q0"]]), np.array([op["q1"]]),
                                 np.array([op["x"]]),
                                 {"beta": np.array([b]), "a0": np.zeros(1), "h": np.zeros(1), "c2": np.array([0.5])})[0]
    b, db = 1 / T, 1e-5
    assert abs(-(A(b + db) - A(b - db)) / (2 * db) - rb.energy) < 1e-7


def test_rs_at_line(sk):
    assert sk.at_temperature(0.0) == 1.0
    Tat = sk.at_temperature(0.5)
    assert 0.3 < Tat < 1.0
    lam = lambda T: sk.solve(level="rs", T=T, h=0.5).stability["replicon"]
    assert lam(Tat * 0.99) > 1 > lam(Tat * 1.01)


def test_1rsb_reduces_to_rs():
    E = PSpinEngine((2, 4), 3)
    prm = {"beta": np.array([1.3]), "a0": np.array([0.3]), "h": np.array([0.1]),
           "c2": np.array([0.4]), "c4": np.array([0.3])}
    m, q0, q1 = np.array([0.5]), np.array([0.3]), np.array([0.7])
    A_rs = E.rs_pressure(m, q0, prm)
    A1 = lambda a, b, x: E.rsb_pressure(m, a, b, x, prm, E.rsb_averages(m, a, b, x, prm, 10, 10))
    assert abs(A1(q0, q1, np.ones(1)) - A_rs)[0] < 1e-12                     # x = 1
    for x in (0.2, 0.7):
        assert abs(A1(q0, q0, np.array([x])) - A_rs)[0] < 1e-12              # q0 = q1
    p0 = dict(prm, beta=np.array([np.inf]))
    rs0 = E.rs0_thermo(m, p0)
    assert abs(E.rsb0_pressure(m, np.ones(1), np.array([1.7]), p0) + rs0["energy"])[0] < 1e-12


POINTS = [((2,), 2, dict(beta=1.4, a0=0.0, h=0.2, c2=0.5)),
          ((4,), 4, dict(beta=2.1, a0=0.25, h=0.0, c4=0.3)),
          ((2, 4), 3, dict(beta=1.1, a0=0.3, h=-0.15, c2=0.35, c4=0.45))]


@pytest.mark.parametrize("powers,P,p", POINTS)
def test_stationarity_equations_equal_sympy_gradient(powers, P, p):
    """Hand-coded equations (PSpinEngine.*_gradient) == SymPy gradient of the pressures."""
    rng = np.random.default_rng(hash(powers) % 2 ** 32)
    E = PSpinEngine(powers, P)
    prm = {k: np.array([v]) for k, v in p.items()}
    m, q0, q1, x, y = rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.35), rng.uniform(0.45, 0.9), \
        rng.uniform(0.2, 0.9), rng.uniform(0.5, 2.5)
    a = lambda v: np.array([v])
    g = derivation.rs_gradient(powers, P)(m, q1, p)
    h = E.rs_gradient(a(m), a(q1), prm)
    for k in ("m", "q", "A"):
        assert abs(g[k] - h[k][0]) < 1e-10, k
    g = derivation.rsb_gradient(powers, P, n_panels=60)(m, q0, q1, x, p)
    h = E.rsb_gradient(a(m), a(q0), a(q1), a(x), prm, n_outer=10, n_inner=10)
    for k in ("m", "q0", "q1", "x", "A"):
        assert abs(g[k] - h[k][0]) < 1e-10, k
    p0 = dict(p, beta=math.inf)
    prm0 = dict(prm, beta=np.array([np.inf]))
    g = derivation.rsb0_gradient(powers, P)(m, q0, y, p0)
    h = E.rsb0_gradient(a(m), a(q0), a(y), prm0)
    for k in ("m", "q0", "y", "A"):
        assert abs(g[k] - h[k][0]) < 1e-10, k
    g = derivation.rs0_gradient(powers, P)(m, p0)
    if p["a0"] > 0:   # T = 0 RS m-equation: dÃ/dm = a0 P (P-1) m^{P-2} (erf(.) - m)
        sgn = E.rs0_parts(a(m), prm0)[0][0]
        assert abs(g["m"] - p["a0"] * P * (P - 1) * m ** (P - 2) * (sgn - m)) < 1e-12
    assert abs(g["A"] + E.rs0_thermo(a(m), prm0)["energy"][0]) < 1e-12


def test_bad_input(sk):
    with pytest.raises(ParameterError, match="T"):
        sk.solve(T=-1)
    with pytest.raises(ParameterError, match="level"):
        sk.solve(level="9rsb", T=0.5)              # 2rsb ... 8rsb and frsb exist since the k-RSB engine
    with pytest.raises(ParameterError, match="branch"):
        sk.solve(T=0.5, branch="retrieval")


def test_cli_solve_sk_ground_state_json():
    p = run_cli("solve", "sk", "--T", "0", "--level", "1rsb", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert abs(d["energy"] - E_1RSB) < 1e-6 and d["converged"] is True
    assert set(d["order_parameters"]) >= {"q0", "q1", "x", "y"}
    p = run_cli("solve", "sk", "--T", "-1", "--json")
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
