"""k-RSB of the storage models: dense P = 4 and Hopfield capacities beyond 1RSB, the Gardner
point of the dense m = 0 sector against an independent evaluation (the 2RSB bifurcation)."""
import numpy as np
import pytest

from statmech_nn.theory.pspin import _scaled
from statmech_nn.theory.rsb import gardner as G
from statmech_nn.theory.rsb import solve as S
from statmech_nn.theory.rsb.capacity import capacity_krsb
from statmech_nn.theory.rsb.ising import KRSB


def test_dense_P4_2rsb_capacity_above_1rsb():
    """Dense P = 4 at T = 0: the 2RSB retrieval capacity exceeds the 1RSB one (0.229172) and agrees
    with the scratch 2RSB estimate quoted in issue 15 (alpha_c 3! = 0.2300, 4 digits); the fold is a
    genuine (non-degenerate, converged) 2RSB minimum."""
    c1 = capacity_krsb(4, 1)
    c2 = capacity_krsb(4, 2, previous=c1)
    assert c2["converged"] and c2["residual"] < 1e-10
    assert c2["tau_c"] > c1["tau_c"] + 5e-4
    assert abs(c2["tau_c"] - 0.2300) < 1e-4
    assert 0 < c2["q"][0] < c2["q"][1] < 1 and 0 < c2["y"][0] < c2["y"][1]


def test_hopfield_2rsb_capacity_above_1rsb():
    """Hopfield at T = 0: at the overlap of the 2RSB fold a genuine 2RSB retrieval saddle exists at a
    load above the 1RSB capacity 0.1381865 (Steffan & Kuehn 1994: 0.138186)."""
    from statmech_nn.theory.rsb import hopfield as HK
    m = 0.966753112675405
    x0 = np.array([0.13819634, 0.99595775, 0.99914536, 0.02559499, 25.96, 86.38])   # near the fold
    x, ok, res = HK.solve_fixed_m(2, m, x0 * (1 + np.array([0, 0, 0, 0.02, 0.03, -0.03])))
    assert ok and res < 1e-10
    X = np.concatenate([[m], x[1:]])[:, None]
    th = HK.thermo(X, x[:1], np.full(1, np.inf), 2, True)
    assert HK.valid(X, th, 2, np.inf)[0]
    assert x[0] > 0.1381865 + 5e-6


def test_dense_glass_gardner_point_is_the_2rsb_bifurcation():
    """m = 0 sector of dense P = 4 (pure 4-spin glass, b = beta sqrt(alpha/4!)): lambda_1 = 1 at b_G;
    independently, the 2RSB minimiser collapses onto 1RSB below b_G and branches off (A_2 < A_1,
    q_2 - q_1 small) above it."""
    P = 4
    bG, _ = G.glass_gardner_b(P)
    assert 5.0 < bG < 6.0
    found = {}
    for b in (0.95 * bG, 1.05 * bG):
        lam, X = G.glass_replicon(P, b)
        E, prm = _scaled(P, np.array([b]), 0.0)
        m, q, y = X[0], X[1:3], X[3:4] * b
        starts = [S.insert_starts(m, q, y, np.array([b]), False)[-2]]    # new innermost level
        out = S.solve_from_starts(E, prm, 2, starts, False)
        A1 = KRSB(E, 1).pressure(X, prm, False)[0]
        found[b < bG] = (lam, bool(out["converged"][0] and not out["collapsed"][0]),
                         -out["free_energy"][0] - A1, out["q"][:, 0])
    lam_lo, broken_lo, dA_lo, _ = found[True]
    lam_hi, broken_hi, dA_hi, q_hi = found[False]
    assert lam_lo < 1 < lam_hi
    assert not broken_lo
    assert broken_hi and dA_hi < -1e-10 and 0 < q_hi[2] - q_hi[1] < 1e-2
