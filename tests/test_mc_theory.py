"""MC against the replica theory models.

Finite-size allowance: one disorder sample at N ~ 10^3 deviates from the N -> inf saddle
point by O(1/sqrt(N)) in m and O(1/N) in u; the tolerance is 4 sigma + that allowance."""
import math

import pytest

from statmech_nn import mc
from statmech_nn.theory import get_model as _theory


def test_hopfield_low_load_retrieval_vs_ags_rs():
    th = _theory("hopfield")
    N, K, T = 1000, 10, 0.5
    r, _ = mc.Sampler(mc.hopfield(N, K=K, seed=4), T=T, chains=2, init="pattern").sample(400, seed=1)
    res = th.solve(level="rs", branch="retrieval", alpha=K / N, T=T)
    o = r["observables"]
    assert res["converged"]
    assert abs(o["m"]["mean"] - res["order_parameters"]["m"]) < 4 * o["m"]["err"] + 1 / math.sqrt(N)
    assert abs(o["energy"]["mean"] - res["energy"]) < 4 * o["energy"]["err"] + 3 / math.sqrt(N)


def test_dense_p4_low_load_vs_rs():
    th = _theory("dense-hebbian")
    N, K, T = 300, 2, 0.06
    r, _ = mc.Sampler(mc.dense_hebbian(N, P=4, K=K, seed=4), T=T, chains=2,
                      init="pattern").sample(300, seed=1)
    res = th.solve(level="rs", branch="retrieval", alpha=K / N ** 3, P=4, T=T)
    o = r["observables"]
    assert abs(o["m"]["mean"] - res["order_parameters"]["m"]) < 4 * o["m"]["err"] + 1 / math.sqrt(N)


def test_sk_paramagnet_vs_theory_model():
    th = _theory("sk")
    N, T = 400, 2.0
    r, _ = mc.Sampler(mc.sk(N, seed=3), T=T, chains=2).sample(800, seed=1)
    res = th.solve(level="rs", T=T)
    o = r["observables"]["energy"]
    assert res["energy"] == pytest.approx(-1 / (2 * T), abs=1e-8)
    assert abs(o["mean"] - res["energy"]) < 4 * o["err"] + 3 / N
