"""Monte Carlo of dense Hebbian learning through the MC engine: theory vs MC, memorised
examples of the unsupervised network, Plefka vs the full sampler."""
import numpy as np
import pytest

from statmech_nn.learning import simulate as S


@pytest.mark.parametrize("protocol", ["supervised", "unsupervised"])
def test_low_load_mc_matches_theory(protocol):
    """K = 1, P = 4, r = 0.5, M = 30 (rho = 0.1), T = 0.025 (= 0.3 in the note's
    normalisation, x 2/4!): RS m = 0.99208 (binomial law). Disorder fluctuations of m at
    N = 1000 are ~0.004, so two samples and a 0.008 tolerance."""
    th = S.theory_point(protocol, 4, 0.0, 0.025, 0.5, 30).order_parameters["m"]
    assert abs(th - 0.992082) < 1e-5
    ms = [S.simulate(protocol, N=1000, P=4, K=1, M=30, r=0.5, T=0.025, sweeps=60, seed=s)["m"]
          for s in (11, 12)]
    assert abs(np.mean(ms) - th) < 0.008


def test_unsupervised_random_starts_find_memorised_examples():
    small = S.simulate("unsupervised", N=60, P=4, K=1, M=3, r=0.5, T=0.0, sweeps=20, seed=3,
                       init="random", chains=16)
    assert small["memorised_example"] and "archetype" not in small["states"]
    big = S.simulate("unsupervised", N=60, P=4, K=1, M=40, r=0.8, T=0.0, sweeps=20, seed=3,
                     init="random", chains=16)
    assert not big["memorised_example"]
    # started on an example with small M r^P the network stays there (memorising, not learning)
    ex = S.simulate("unsupervised", N=200, P=4, K=1, M=3, r=0.5, T=0.0, sweeps=10, seed=4,
                    init="example", chains=1)
    assert ex["states"] == ["example"]


def test_supervised_ground_state_from_mc_is_sign_of_class_average():
    xi, eta = S.make_dataset(300, 1, 9, 0.4, seed=5)
    res = S.simulate("supervised", N=300, P=4, K=1, M=9, r=0.4, T=0.0, sweeps=10, seed=5,
                     data=(xi, eta), chains=1)
    m_exact = float(np.mean(np.sign(eta[:, 0].sum(-1)) * xi[:, 0]))
    assert abs(res["abs_m_final"][0] - abs(m_exact)) < 1e-12


def test_plefka_vs_full_sampler():
    out = S.plefka_vs_mc("supervised", N=1000, P=4, K=1, M=30, r=0.5, T=0.025, sweeps=60)
    assert out["plefka_converged"] and out["abs_error"] < 0.005 and out["speedup"] > 0


@pytest.mark.parametrize("protocol", ["supervised", "unsupervised"])
def test_P2_saturated_load_mc_matches_AGS_type_theory(protocol):
    """P = 2, K = alpha N = 60 classes (N = 2000), r = 0.8, M = 5, T = 0.1: the AGS-type theory
    with the class spectrum (unsupervised: c = 1 once, (1-r^2)/(1+(M-1) r^2) M-1 times)."""
    th = S.theory_point(protocol, 2, 0.03, 0.1, 0.8, 5).order_parameters["m"]
    ms = [S.simulate(protocol, N=2000, P=2, K=60, M=5, r=0.8, T=0.1, sweeps=40, seed=s, chains=1)["m"]
          for s in (1, 2)]
    assert abs(np.mean(ms) - th) < 0.012
