"""Validation rows: dense Hebbian learning from examples (exact limits and cross-checks)."""
import math

from ..theory import get_model
from . import check

FAM = "learning"


def _sup():
    return get_model("dense-hebbian-supervised")


@check("learning_lowload_binomial_m", "supervised m, alpha=0, T=0, r=0.5, M=30 (exact binomial law)",
       "exact: m = P(S>0) - P(S<0), (M+S)/2 ~ Bin(30, 0.75)",
       sum(math.comb(30, k) * 0.75 ** k * 0.25 ** (30 - k) * (1 if 2 * k > 30 else -1 if 2 * k < 30 else 0)
           for k in range(31)), 1e-10, kind="exact", family=FAM)
def _m_binomial():
    return _sup().solve(P=4, alpha=0, T=0, r=0.5, M=30).order_parameters["m"]


@check("learning_lowload_clt_m", "supervised m, alpha=0, T=0, rho=0.1 (CLT law)",
       "exact: erf(1/sqrt(2 rho))", math.erf(1 / math.sqrt(0.2)), 1e-10, kind="exact", family=FAM)
def _m_clt():
    return _sup().solve(P=4, alpha=0, T=0, rho=0.1, law="gaussian").order_parameters["m"]


@check("learning_r1_equals_dense_capacity", "alpha_c(supervised, r=1, M=1) - alpha_c(dense-hebbian), P=4",
       "cross-check: r = 1 is the storage model", 0.0, 1e-9, kind="cross-check", family=FAM)
def _r1_capacity():
    return (_sup().capacity(P=4, r=1, M=1)["alpha_c"]
            - get_model("dense-hebbian").capacity(level="rs", P=4)["alpha_c"])


@check("learning_P2_r1_equals_hopfield", "supervised alpha_c at r=1, P=2 (AGS-type theory)",
       "AGS 1987 / hopfield model: 0.137906", 0.137906, 5e-6, kind="published", family=FAM)
def _p2_capacity():
    return _sup().capacity(P=2, r=1, M=1)["alpha_c"]


@check("learning_P2_not_dense_formula", "supervised alpha_c at r=1, P=2 must not be the dense formula",
       "trap: dense formula at P=2 gives 2/pi", 2 / math.pi, 1e-3, kind="trap", family=FAM)
def _p2_trap():
    return _sup().capacity(P=2, r=1, M=1)["alpha_c"]


@check("learning_M1_protocols_coincide", "f(supervised) - f(unsupervised) at M=1, P=4, alpha=0.01, T=0.03, r=0.6",
       "exact: identical Hamiltonians at M=1", 0.0, 1e-10, kind="exact", family=FAM)
def _m1():
    kw = dict(P=4, alpha=0.01, T=0.03, r=0.6, M=1)
    return (_sup().solve(**kw).free_energy
            - get_model("dense-hebbian-unsupervised").solve(**kw).free_energy)


def _grid_gap(index):
    """Largest |difference| of f, e, s, m on the declared grid (inf if a branch label differs)."""
    from ..theory.contract import coincidence_gap
    gap, labels, _, _ = coincidence_gap("dense-hebbian-supervised", index)
    return gap if labels == 0 else math.inf


@check("learning_P2_r1_M1_is_hopfield_grid", "max abs. difference of f, e, s, m: supervised (P=2, r=1, M=1) vs hopfield, "
       "alpha in {0.02, 0.05, 0.1} x 7 T in [0, 1.6] incl. 1 < T < 1 + sqrt(alpha)",
       "cross-check: the same model (README); thermodynamic state and branch label at every point", 0.0, 1e-9,
       kind="cross-check", family=FAM)
def _p2_grid():
    return _grid_gap(0)


@check("learning_P4_r1_M1_is_dense_grid", "max abs. difference of f, e, s, m: supervised (P=4, r=1, M=1) vs dense-hebbian, "
       "alpha in [0.005, 0.07] x T in [0, 0.12] (20 points)",
       "cross-check: the same model (README); thermodynamic state and branch label at every point", 0.0, 1e-9,
       kind="cross-check", family=FAM)
def _p4_grid():
    return _grid_gap(1)
