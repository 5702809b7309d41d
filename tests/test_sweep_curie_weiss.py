"""curie-weiss: the N -> inf saddle point against the exact finite-N binomial sum."""
import itertools
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.theory import get_model
from statmech_nn.theory.curie_weiss import exact_finite_n

CW = get_model("curie-weiss")


def _brute(N, beta, P, h):
    """Direct enumeration of all 2^N states (tiny N)."""
    Hs = []
    for s in itertools.product((-1, 1), repeat=N):
        eP = sum(math.prod(s[i] for i in c) for c in itertools.combinations(range(N), P))
        Hs.append(-eP * N ** (1 - P) - h * sum(s))
    Hs = np.array(Hs, float)
    a = -beta * Hs
    lz = np.log(np.sum(np.exp(a - a.max()))) + a.max()
    w = np.exp(a - lz)
    return -lz / (beta * N), float(np.sum(w * Hs)) / N


@pytest.mark.parametrize("P,h,T", [(2, 0.0, 0.7), (3, 0.1, 0.4), (4, -0.2, 1.3)])
def test_binomial_sum_equals_enumeration(P, h, T):
    N = 9
    f, e = _brute(N, 1 / T, P, h)
    ex = exact_finite_n(N, T=T, P=P, h=h)
    assert ex["free_energy"] == pytest.approx(f, abs=1e-12)
    assert ex["energy"] == pytest.approx(e, abs=1e-12)
    assert ex["entropy"] == pytest.approx((e - f) / T, abs=1e-11)


@pytest.mark.parametrize("P,h,T", [
    (2, 0.0, 1.5),    # paramagnet
    (2, 0.0, 0.6),    # ferromagnet (two symmetric states)
    (2, 0.05, 0.9),   # field
    (3, 0.0, 0.15),   # P=3 ferromagnet below the first-order transition
    (3, 0.0, 0.5),    # P=3 paramagnet
    (4, 0.02, 0.1),   # P=4 ferromagnet
])
def test_finite_n_converges_to_saddle_point(P, h, T):
    r = CW.solve(P=P, h=h, T=T)
    assert r.converged
    errs = []
    for N in (250, 1000, 4000):
        ex = exact_finite_n(N, T=T, P=P, h=h)
        errs.append(abs(ex["free_energy"] - r.free_energy))
        # finite-size corrections are O(ln N / N)
        assert errs[-1] < 2.0 * (1 + math.log(N)) / N
    assert errs[2] < errs[0]
    big = exact_finite_n(8000, T=T, P=P, h=h)
    assert big["energy"] == pytest.approx(r.energy, abs=0.02)
    assert big["m_abs"] == pytest.approx(abs(r.order_parameters["m"]), abs=0.05)


def test_zero_temperature_and_thermodynamic_identities():
    for P in (2, 3, 5):
        r = CW.solve(P=P, T=0)
        assert r.order_parameters["m"] == 1.0
        assert r.free_energy == pytest.approx(-1 / math.factorial(P), abs=1e-15)
        assert r.entropy == 0.0
        ex = exact_finite_n(60, T=0, P=P)
        assert ex["free_energy"] == pytest.approx(-1 / math.factorial(P), abs=0.05)
    # s = beta (e - f) and e = d(beta f)/d beta
    P, h, T = 3, 0.05, 0.3
    r = CW.solve(P=P, h=h, T=T)
    assert r.entropy == pytest.approx((r.energy - r.free_energy) / T, abs=1e-12)
    b, d = 1 / T, 1e-5
    bf = lambda beta: beta * CW.solve(P=P, h=h, beta=beta).free_energy  # noqa: E731
    assert (bf(b + d) - bf(b - d)) / (2 * d) == pytest.approx(r.energy, abs=1e-7)


def test_p2_critical_point_and_branches():
    assert CW.critical_temperature(P=2) == 1.0
    T = np.array([0.5, 0.9, 0.99, 1.01, 1.5])
    out = CW.solve_batch(P=2, h=0.0, T=T)
    assert out["converged"].all()
    assert (out["m"][:3] > 0.05).all() and (np.abs(out["m"][3:]) < 1e-8).all()
    assert list(out["branch"]) == ["ferromagnet"] * 3 + ["paramagnet"] * 2
    # the ferromagnet is a minimum, the P=2 paramagnet below T_c a maximum
    para = CW.solve_batch(P=2, T=0.5, branch="paramagnet")
    assert para["curvature"] < 0 and out["curvature"][0] > 0
    # P = 3: first order, the paramagnet stays locally stable
    p3 = CW.solve_batch(P=3, T=np.array([0.15, 0.5]))
    assert list(p3["branch"]) == ["ferromagnet", "paramagnet"]
    assert CW.solve_batch(P=3, T=0.15, branch="paramagnet")["curvature"] > 0


def test_solve_batch_matches_solve_and_warm_start():
    P = np.array([2, 3, 4])[:, None]
    T = np.linspace(0.05, 1.2, 7)[None, :]
    out = CW.solve_batch(P=P, h=0.01, T=T)
    assert out["m"].shape == (3, 7) and out["branch"].shape == (3, 7)
    for i, j in [(0, 3), (1, 0), (2, 6)]:
        r = CW.solve(P=int(P[i, 0]), h=0.01, T=float(T[0, j]))
        assert r.order_parameters["m"] == pytest.approx(out["m"][i, j], abs=1e-12)
        assert r.free_energy == pytest.approx(out["free_energy"][i, j], abs=1e-13)
    warm = CW.solve_batch(P=3, T=0.2, branch="ferromagnet", init={"m": np.array(0.99)})
    assert warm["converged"] and warm["m"] > 0.9


def test_bad_parameters():
    with pytest.raises(ParameterError, match="P"):
        CW.solve(P=1, T=0.5)
    with pytest.raises(ParameterError, match="T"):
        CW.solve(P=2, T=-1)
    with pytest.raises(ParameterError, match="branch"):
        CW.solve(P=2, T=0.5, branch="retrieval")
    with pytest.raises(ParameterError, match="unknown"):
        CW.solve(P=2, T=0.5, alpha=0.1)
    with pytest.raises(ParameterError):
        exact_finite_n(3, T=1, P=4)
