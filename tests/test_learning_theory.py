"""RS theory of dense Hebbian learning: exact limits, storage limits, SymPy gradient, CLI."""
import importlib.util
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from statmech_nn.core.errors import ParameterError
from statmech_nn.learning import laws as L
from statmech_nn.theory import get_model

SUP = get_model("dense-hebbian-supervised")
UNS = get_model("dense-hebbian-unsupervised")
ROOT = Path(__file__).resolve().parents[1]


def _derivation():
    spec = importlib.util.spec_from_file_location("deriv_learning", ROOT / "derivations" / "learning.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- data model (exact)
@pytest.mark.parametrize("r,M", [(0.5, 30), (0.2, 7), (0.9, 1), (0.0, 5)])
def test_binomial_law_moments_are_exact(r, M):
    law = L.BinomialLaw(r, M)
    x, w = law.x[0], law.w[0]
    assert abs(w.sum() - 1) < 1e-14
    assert abs(np.dot(w, x * x) - 1) < 1e-12              # E xi~^2 = 1
    rho = L.rho_of(r, M)
    if r > 0:
        assert abs(np.dot(w, x) - 1 / math.sqrt(1 + rho)) < 1e-12
        xh = x * math.sqrt(1 + rho)                        # xi^ = S/(rM)
        assert abs(np.dot(w, (xh - 1) ** 2) - rho) < 1e-12  # Var(xi^ | xi) = rho


def test_M1_constants_coincide():
    for P in (2, 4, 6):
        for r in (0.3, 0.7):
            assert abs(L.nu_unsupervised(P, r, 1) - 1) < 1e-13
            rho = L.rho_of(r, 1)
            assert abs((1 + rho) ** P - (1 + L.rho_P(P, r, 1))) < 1e-9 * (1 + rho) ** P


# ---------------------------------------------------------------- low load, T = 0
@pytest.mark.parametrize("rho,m", [(0.1, 0.998435), (0.3, 0.932111), (1.0, 0.682689)])
def test_low_load_clt_is_erf(rho, m):
    res = SUP.solve(P=4, alpha=0, T=0, rho=rho)
    assert abs(res.order_parameters["m"] - special.erf(1 / math.sqrt(2 * rho))) < 1e-12
    assert abs(res.order_parameters["m"] - m) < 5e-7


@pytest.mark.parametrize("model", [SUP, UNS])
def test_low_load_binomial_r05_M30(model):
    res = model.solve(P=4, alpha=0, T=0, r=0.5, M=30)
    assert abs(res.order_parameters["m"] - 0.996431) < 5e-7
    assert abs(res.order_parameters["m"] - L.exact_low_load_m(0.5, 30)) < 1e-12
    clt = model.solve(P=4, alpha=0, T=0, r=0.5, M=30, law="gaussian").order_parameters["m"]
    assert abs(clt - 0.998435) < 5e-7 and clt - 0.996431 > 1e-3   # measurably different


@pytest.mark.parametrize("P", [2, 4, 6])
def test_K1_supervised_ground_state_is_sign_of_class_average(P):
    """Exact enumeration at N = 12: argmin H = +-sign(class average)."""
    rng = np.random.default_rng(P)
    N, M, r = 12, 5, 0.4
    xi = rng.choice([-1, 1], N)
    chi = np.where(rng.random((M, N)) < (1 + r) / 2, 1, -1)
    avg = (chi * xi).sum(0) / M
    states = np.array(list(itertools.product([-1, 1], repeat=N)))
    # distinct-index energy -N^{1-P} e_P(avg * s) by Newton's identities (any real avg)
    y = states * avg
    p = [None] + [np.sum(y ** k, 1) for k in range(1, P + 1)]
    e = [np.ones(len(states))]
    for k in range(1, P + 1):
        e.append(sum((-1) ** (j - 1) * e[k - j] * p[j] for j in range(1, k + 1)) / k)
    H = -float(N) ** (1 - P) * e[P]
    gs = states[np.argmin(H)]
    assert np.all(gs == np.sign(avg)) or np.all(gs == -np.sign(avg))
    # and brute force over distinct tuples agrees with Newton's identities at the ground state
    yg = gs * avg
    brute = sum(np.prod(yg[list(ix)]) for ix in itertools.combinations(range(N), P))
    assert abs(brute - e[P][np.argmin(H)]) < 1e-9 * max(1, abs(brute))


# ---------------------------------------------------------------- M = 1: protocols coincide
@pytest.mark.parametrize("P,alpha,T", [(4, 0.01, 0.0), (4, 0.01, 0.03), (2, 0.03, 0.0), (2, 0.03, 0.3)])
def test_M1_supervised_equals_unsupervised(P, alpha, T):
    a = SUP.solve(P=P, alpha=alpha, T=T, r=0.6, M=1)
    b = UNS.solve(P=P, alpha=alpha, T=T, r=0.6, M=1)
    for k in ("m", "n", "q"):
        assert abs(a.order_parameters[k] - b.order_parameters[k]) < 1e-10
    assert abs(a.free_energy - b.free_energy) < 1e-10
    assert a.branch == b.branch
    ca, cb = SUP.capacity(P=P, r=0.6, M=1), UNS.capacity(P=P, r=0.6, M=1)
    assert abs(ca["alpha_c"] - cb["alpha_c"]) < 1e-10


# ---------------------------------------------------------------- storage limits
def test_r1_P2_is_hopfield_AGS():
    hop = get_model("hopfield")
    for alpha, T in [(0.05, 0.0), (0.05, 0.2), (0.1, 0.3), (0.12, 0.0)]:
        h = hop.solve(alpha=alpha, T=T, branch="retrieval")
        for model in (SUP, UNS):
            s = model.solve(P=2, alpha=alpha, T=T, r=1, M=7, branch="retrieval")
            assert abs(s.order_parameters["m"] - h.order_parameters["m"]) < 1e-8
            assert abs(s.order_parameters["q"] - h.order_parameters["q"]) < 1e-8
            assert abs(s.free_energy - h.free_energy) < 1e-8
    assert abs(SUP.capacity(P=2, r=1, M=3)["alpha_c"] - 0.13791) < 2e-5
    assert abs(SUP.capacity(P=2, r=1, M=3)["alpha_c"] - hop.capacity()["alpha_c"]) < 1e-6


def test_P2_is_not_the_dense_formula():
    """Trap: the p-spin formula at P = 2 would give alpha_c = 2/pi."""
    assert abs(SUP.capacity(P=2, r=1, M=1)["alpha_c"] - 2 / math.pi) > 0.4


@pytest.mark.parametrize("P,tau", [(4, 0.19786), (6, 0.15768)])
def test_dense_storage_capacity(P, tau):
    res = SUP.capacity(P=P, r=1, M=1)
    assert abs(res["tau_c"] - tau) < 2e-5
    assert abs(res["alpha_c"] - tau / math.factorial(P - 1)) < 1e-5
    if P == 4:
        assert abs(res["alpha_c"] - 0.032977) < 1e-6 and abs(res.order_parameters["m"] - 0.918) < 1e-3


def test_r1_P4_matches_dense_hebbian_model():
    dense = get_model("dense-hebbian")
    for alpha, T in [(0.01, 0.0), (0.02, 0.03), (0.0, 0.05)]:
        d = dense.solve(P=4, alpha=alpha, T=T, branch="retrieval")
        s = SUP.solve(P=4, alpha=alpha, T=T, r=1, M=1, branch="retrieval")
        assert abs(s.order_parameters["m"] - d.order_parameters["m"]) < 1e-7
        assert abs(s.free_energy - d.free_energy) < 1e-7


@pytest.mark.parametrize("P,alpha,T", [(4, 0.02, 0.0), (4, 0.02, 0.04), (2, 0.05, 0.0), (2, 0.05, 0.2)])
def test_large_M_gives_storage(P, alpha, T):
    ref = SUP.solve(P=P, alpha=alpha, T=T, r=1, M=1, branch="retrieval")
    prev = None
    for M in (1e2, 1e4, 1e6):
        for model in (SUP, UNS):
            s = model.solve(P=P, alpha=alpha, T=T, r=0.5, M=M, law="gaussian", branch="retrieval")
            err = abs(s.order_parameters["m"] - ref.order_parameters["m"]) + abs(s.free_energy - ref.free_energy)
            if M == 1e6:
                assert err < 1e-4
        prev = err
    assert prev < 1e-4


# ---------------------------------------------------------------- finite-T numbers
def test_low_load_spinodal_temperature_matches_note():
    """rho = 0.1, P = 4, alpha = 0: T_sp = 0.81746 in the note's normalisation
    (H = -(N/2) sum n~^P); ours is H = -(N/P!) sum n~^P, so T = 0.81746 * 2/4!."""
    Tsp = 0.81746 * 2 / 24
    ok = SUP.solve(P=4, alpha=0, T=Tsp * (1 - 2e-4), rho=0.1, branch="retrieval")
    gone = SUP.solve(P=4, alpha=0, T=Tsp * (1 + 2e-4), rho=0.1, branch="retrieval")
    assert ok.order_parameters["n"] > 0.5 and gone.order_parameters["n"] < 1e-6


def test_unsupervised_is_supervised_with_rescaled_load():
    """P >= 3: unsupervised RS at alpha equals supervised at alpha * nu (every T)."""
    r, M, P = 0.7, 15, 4
    nu = float(L.nu_unsupervised(P, r, M))
    for T in (0.0, 0.03):
        a = UNS.solve(P=P, alpha=0.004, T=T, r=r, M=M, branch="retrieval")
        b = SUP.solve(P=P, alpha=0.004 * nu, T=T, r=r, M=M, branch="retrieval")
        assert abs(a.order_parameters["m"] - b.order_parameters["m"]) < 1e-10
        assert abs(a.free_energy - b.free_energy) < 1e-10


def test_thermodynamics_consistent():
    """e = d(beta f)/d beta and s = beta (e - f), by finite differences."""
    for P, kw in [(4, dict(alpha=0.01, r=0.8, M=10)), (2, dict(alpha=0.03, r=0.8, M=10))]:
        for model in (SUP, UNS):
            T = 0.05 if P == 4 else 0.4
            b = 1 / T
            h = 1e-5 * b
            res = model.solve(P=P, beta=b, branch="retrieval", **kw)
            fp = model.solve(P=P, beta=b + h, branch="retrieval", **kw).free_energy * (b + h)
            fm = model.solve(P=P, beta=b - h, branch="retrieval", **kw).free_energy * (b - h)
            assert abs((fp - fm) / (2 * h) - res.energy) < 1e-6


# ---------------------------------------------------------------- thresholds and scaling
def test_supervised_threshold_scales_as_r_minus_2():
    rc = [SUP.threshold(alpha=0.02, r=r, P=4, law="gaussian")["rho_c"] for r in (0.2, 0.4)]
    assert abs(rc[0] - rc[1]) < 1e-5 * rc[0]                     # rho_c(alpha) only: M_c ~ r^-2
    Mc = SUP.threshold(alpha=0.02, r=0.3, P=4)["M_c"]            # binomial: integer
    assert Mc == int(Mc) and 50 < Mc < 120


def test_unsupervised_threshold_scales_as_r_minus_2P():
    vals = [UNS.threshold(alpha=0.005, r=r, P=4, law="gaussian")["M_c"] * r ** 8 for r in (0.3, 0.4)]
    assert abs(vals[0] - 0.179) < 0.02 and abs(vals[1] - 0.179) < 0.02   # note: ~0.179


def test_no_learning_above_storage_capacity():
    assert math.isinf(SUP.threshold(alpha=0.04, r=0.5, P=4, law="gaussian")["M_c"])


# ---------------------------------------------------------------- SymPy gradient
@pytest.mark.parametrize("P,protocol,lawname", [(4, "sup", "binomial"), (4, "uns", "gaussian"),
                                                 (6, "sup", "gaussian"), (2, "sup", "binomial"),
                                                 (2, "uns", "gaussian")])
def test_hand_coded_equations_equal_sympy_gradient(P, protocol, lawname):
    der = _derivation()
    rng = np.random.default_rng(hash((P, protocol, lawname)) % 2 ** 32)
    model = SUP if protocol == "sup" else UNS
    for _ in range(3):
        r, M = rng.uniform(0.4, 0.9), int(rng.integers(2, 12))
        d = model.check_params(dict(P=P, alpha=rng.uniform(0.005, 0.05), T=rng.uniform(1.5, 3) if P >= 4
                                    else rng.uniform(1.5, 3), r=r, M=M, law=lawname))
        c = model._ctx(d)
        nq = np.array([[rng.uniform(0.2, 0.9)], [rng.uniform(0.2, 0.9)]])
        F = model._map(c, nq, False)[:, 0]
        nn, qq = nq[:, 0]
        beta, al = c["beta"], c["alpha"]
        if lawname == "binomial":
            lx, lw = c["law"].x[0], c["law"].w[0]
        else:
            zz, wz = np.polynomial.hermite_e.hermegauss(120)
            lx, lw = c["law"].a0[0] + c["law"].s[0] * zz, wz / wz.sum()
        pt = dict(n=nn, q=qq, beta=beta, alpha=al, nu=c["nu"])
        if P >= 3:
            g = der.pressure_gradient(P, pt, lx, lw)
            hand = np.array([beta * (P - 1) * nn ** (P - 2) / math.factorial(P - 1) * (F[0] - nn),
                             beta ** 2 * al * c["nu"] * qq ** (P - 2) / (2 * math.factorial(P - 2)) * (qq - F[1])])
        else:
            spec = c["spec"]
            pt["rr"] = sum(mult * ck * ck * qq / (1 - beta * ck * (1 - qq)) ** 2 for ck, mult in spec)
            g = der.pressure_gradient(P, pt, lx, lw, spec=spec)
            hand = np.array([beta * (F[0] - nn), 0.0, al * beta ** 2 / 2 * (qq - F[1])])
        assert np.max(np.abs(g - hand)) < 1e-10, (g, hand)


def test_pressure_value_matches_sympy():
    der = _derivation()
    d = SUP.check_params(dict(P=4, alpha=0.02, T=2.0, r=0.6, M=5))
    c = SUP._ctx(d)
    x = np.array([[0.7], [0.5]])
    obs = SUP._observables(c, x, False)
    A = der.pressure_value(4, dict(n=0.7, q=0.5, beta=0.5, alpha=0.02, nu=1.0), c["law"].x[0], c["law"].w[0])
    assert abs(-obs["free_energy"][0] * 0.5 - A) < 1e-12
    assert der.check_effective_model()


# ---------------------------------------------------------------- errors and CLI
@pytest.mark.parametrize("kw", [dict(r=1.5, M=3), dict(r=-0.1, M=3), dict(r=0.5, M=0.5),
                                dict(r=0.5, M=2.5), dict(rho=0.1, law="binomial"), dict(r=0.5, M=3, P=3),
                                dict(r=0.5, M=3, alpha=-1)])
def test_bad_parameters_raise(kw):
    args = dict(P=4, alpha=0.01, T=0)
    args.update(kw)
    with pytest.raises(ParameterError):
        SUP.solve(**args)


def _cli(argv, capsys):
    from statmech_nn.cli.main import main
    code = main(argv)
    out = capsys.readouterr()
    return code, out


def test_cli_solve_capacity_threshold(capsys):
    code, out = _cli(["solve", "dense-hebbian-supervised", "--P", "4", "--alpha", "0", "--T", "0",
                      "--r", "0.5", "--M", "30", "--json"], capsys)
    assert code == 0
    d = json.loads(out.out)
    assert abs(d["order_parameters"]["m"] - 0.996431) < 5e-7 and {"m", "n", "q"} <= set(d["order_parameters"])
    code, out = _cli(["solve", "dense-hebbian-supervised", "--P", "4", "--alpha", "0", "--T", "0",
                      "--rho", "0.3", "--law", "gaussian", "--json"], capsys)
    assert code == 0 and abs(json.loads(out.out)["order_parameters"]["m"] - 0.932111) < 5e-7
    code, out = _cli(["capacity", "dense-hebbian-unsupervised", "--P", "4", "--r", "1", "--M", "3",
                      "--json"], capsys)
    assert code == 0 and abs(json.loads(out.out)["alpha_c"] - 0.032977) < 1e-6
    code, out = _cli(["threshold", "dense-hebbian-supervised", "--P", "4", "--alpha", "0.02", "--r", "0.3",
                      "--T", "0", "--json"], capsys)
    assert code == 0
    d = json.loads(out.out)
    assert d["M_c"] == SUP.threshold(alpha=0.02, r=0.3, P=4)["M_c"]
    code, out = _cli(["solve", "dense-hebbian-supervised", "--P", "4", "--alpha", "0", "--T", "0",
                      "--r", "1.5", "--M", "3", "--json"], capsys)
    assert code == 2 and "r=" in out.err and out.err.count("\n") == 1


def test_1rsb_r1_spin_glass_matches_dense_storage():
    """1RSB (P = 4, r = 1, alpha = 0.05, T = 0.02): non-trivial x; f equals the dense-hebbian
    model's 1RSB spin-glass value -0.05334797848584 (computed by its own engine call path)."""
    a = SUP.solve(level="1rsb", P=4, alpha=0.05, T=0.02, r=1, M=1, branch="spin-glass")
    assert a.converged and 0.3 < a.order_parameters["x"] < 0.7 and a.order_parameters["q1"] > 0.98
    assert abs(a.free_energy + 0.05334797848584) < 1e-9
    rs = SUP.solve(P=4, alpha=0.05, T=0.02, r=1, M=1, branch="spin-glass")
    assert a.free_energy >= rs.free_energy - 1e-12          # A_1RSB <= A_RS


def test_unsupervised_reports_memorised_example_states():
    small = UNS.solve(P=4, alpha=0, T=0, r=0.5, M=3)["example_state"]
    big = UNS.solve(P=4, alpha=0, T=0, r=0.8, M=40)["example_state"]
    assert small["memorising"] and not big["memorising"]
    # the energies are those of the distinct-index Hamiltonian on a finite sample (N = 4000)
    from statmech_nn.learning.simulate import make_dataset, mc_model
    xi, eta = make_dataset(4000, 1, 3, 0.5, seed=2)
    model = mc_model("unsupervised", xi, eta, 4, r=0.5)
    e_ex = model.energy(eta[:, 0, 0].astype(float)) / 4000
    avg = eta[:, 0].sum(-1)
    e_sym = model.energy(np.sign(avg).astype(float)) / 4000
    assert abs(e_ex - small["energy_example"]) < 0.003 and abs(e_sym - small["energy_symmetric"]) < 0.003
