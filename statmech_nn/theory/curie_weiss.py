"""P-spin Curie-Weiss ferromagnet (the K = 1 dense model), exact in the N -> inf limit.

Hamiltonian (distinct indices, the same normalisation as ``dense-hebbian`` with one
pattern gauged to all +1)::

    H = -N^{1-P} sum_{i1<...<iP} s_i1 ... s_iP  -  h sum_i s_i,      P >= 2,

at temperature ``T = 1/beta``. With ``m = (1/N) sum_i s_i`` the energy is
``H/N = -m^P/P! - h m + O(1/N)``, so the free energy per spin is the variational
(replica-symmetric, here exact) expression

    f(m) = -m^P/P! - h m - T s(m),   s(m) = ln 2 - [(1+m) ln(1+m) + (1-m) ln(1-m)]/2,

stationary at ``m = tanh(beta (m^{P-1}/(P-1)! + h))``. P = 2: second-order
transition at T_c = 1 (h = 0). P >= 3: the paramagnet m = 0 is always locally stable
and the ferromagnet appears discontinuously (first-order transition).

Branches: ``ferromagnet`` (start at m = 1), ``paramagnet`` (start at m = 0),
``antiferro`` is not a thing here but ``reversed`` (start at m = -1) exists for a
field h < 0 or even P. ``branch=None`` returns the state of lowest f among the
three (``theory/states.py``: m is not a glassy parameter, so every start is its own sector;
ties: the larger entropy, then the first of ferromagnet, paramagnet, reversed).

Stability: ``curvature`` = d^2 f / dm^2 = -m^{P-2}/(P-2)! + T/(1 - m^2) (stable when > 0).

:func:`exact_finite_n` gives the exact finite-N free energy, energy and entropy by
the binomial sum over the magnetisation (exact integer arithmetic for the P-spin
interaction), which converges to the N -> inf solution as O(ln N / N).
"""
import math

import numpy as np
from scipy.special import gammaln, logsumexp, xlogy

from ..core.errors import ParameterError, beta_from, check_int, check_range
from ..core.result import make_result
from . import states
from .base import Param, TheoryModel
from .contract import Contract, Point

BRANCH_STARTS = {"ferromagnet": 1.0, "paramagnet": 0.0, "reversed": -1.0}
CONVENTION = ("H = -N^(1-P) sum_{i1<...<iP} s..s - h sum_i s_i; T = 1/beta multiplies H; "
              "f, e, s per spin; m = mean spin")


def _binary_entropy(m):
    return math.log(2.0) - 0.5 * (xlogy(1.0 + m, 1.0 + m) + xlogy(1.0 - m, 1.0 - m))


def _local_field(m, P, h):
    fact = np.exp(gammaln(P))  # (P-1)!
    return np.sign(m) ** (P - 1) * np.abs(m) ** (P - 1) / fact + h


def _map(x, p):
    m = x[0]
    field = _local_field(m, p["P"], p["h"])
    beta = p["beta"]
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(np.isinf(beta), np.sign(field), np.tanh(np.where(np.isinf(beta), 0.0, beta) * field))
    return out[None, :]


def _thermo(m, P, h, beta):
    """(free_energy, energy, entropy, curvature) at the stationary m (arrays)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        Pf = np.exp(gammaln(P + 1.0))
        mP = np.sign(m) ** P * np.abs(m) ** P
        e = -mP / Pf - h * m
        s = _binary_entropy(m)
        T = np.where(np.isinf(beta), 0.0, 1.0 / beta)
        f = e - T * s
        m_pm2 = np.where(P == 2, 1.0, np.sign(m) ** (P - 2) * np.abs(m) ** (P - 2))
        curv = -m_pm2 / np.exp(gammaln(P - 1.0)) + np.where(T > 0, T / (1.0 - m * m), 0.0)
    return f, e, s, curv


class CurieWeiss(TheoryModel):
    """P-spin Curie-Weiss ferromagnet (K = 1 dense model), exact mean-field solution."""

    def __init__(self):
        super().__init__(
            name="curie-weiss",
            levels=("rs",),
            params=(
                Param("P", "interaction order (P-body couplings)", lo=2, kind="int", default=2,
                      allowed="integer >= 2"),
                Param("h", "external field", default=0.0),
            ),
            convention=CONVENTION,
        )

    contract = Contract(
        points=(Point(dict(P=2, T=0.5)), Point(dict(P=3, T=0.2, h=0.05)), Point(dict(P=2, T=1.5)),
                Point(dict(P=4, T=0.05, h=-0.02))),
        zero_T=(Point(dict(P=2, T=0)), Point(dict(P=3, T=0, h=0.05))))

    solver_settings = {"tol": 1e-13, "maxiter": 200, "damping": 0.5, "method": "newton"}

    # ---- batched -----------------------------------------------------------------
    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        self.check_level(level)
        arrays = self.check_arrays(arrays)
        keys = ("P", "h", "beta")
        shape = np.broadcast_shapes(*(np.shape(arrays[k]) for k in keys))
        if init is not None and "m" in init:
            shape = np.broadcast_shapes(shape, np.shape(init["m"]))
        p = {k: np.broadcast_to(np.asarray(arrays[k], float), shape).ravel() for k in keys}
        n = int(np.prod(shape))
        if branch is not None and branch not in BRANCH_STARTS:
            raise ParameterError(f"branch={branch!r} is not one of {', '.join(BRANCH_STARTS)}")
        names = [branch] if branch is not None else list(BRANCH_STARTS)
        st = self.solver_settings
        starts = {}
        for name in names:
            x0 = np.full(n, BRANCH_STARTS[name])
            if init is not None and "m" in init and (branch is not None or name == "ferromagnet"):
                m0 = np.broadcast_to(np.asarray(init["m"], float), shape).ravel()
                x0 = np.where(np.isfinite(m0), m0, x0)
            starts[name] = x0[None, :]
        runs = states.run_starts(_map, starts, p, tol=st["tol"], maxiter=st["maxiter"],
                                 damping=st["damping"], bounds=([-1.0], [1.0]))
        cands = []
        for name in names:
            r = runs[name]
            m = r.x[0]
            f, e, s, curv = _thermo(m, p["P"], p["h"], p["beta"])
            cands.append((name, dict(m=m, free_energy=f, energy=e, entropy=s, converged=r.converged,
                                     residual=r.residual, iterations=r.iterations, curvature=curv,
                                     branch=_labels(m))))
        # m is not glassy: every start is its own sector, the lowest f wins (theory/states.py)
        sel = states.select(cands, distinct=True)
        best = sel.take([c for _, c in cands])
        out = {k: np.asarray(v).reshape(shape) for k, v in best.items()}
        out["branch"] = out["branch"].astype(str)
        out["converged"] = out["converged"].astype(bool)
        out["iterations"] = out["iterations"].astype(int)
        return out

    # ---- one point -----------------------------------------------------------------
    def point_result(self, level, branch, prm, b):
        return make_result(
            self.name, level, prm, {"m": b["m"]}, b["free_energy"], b["energy"], b["entropy"],
            b["converged"], b["residual"], b["iterations"], stability={"curvature": float(b["curvature"])},
            branch=str(b["branch"]), message=CONVENTION)

    def critical_temperature(self, P=2):
        """T_c for P = 2 (h = 0): 1. (P >= 3: first-order; use phase_lines.)"""
        P = check_int("P", P, lo=2)
        if P != 2:
            raise ParameterError("a critical temperature exists only for P=2 (P >= 3 is first order)")
        return 1.0


def _labels(m):
    return np.where(~states.condensed(m), "paramagnet", np.where(m > 0, "ferromagnet", "reversed"))


def exact_finite_n(N, T=None, beta=None, P=2, h=0.0):
    """Exact finite-N thermodynamics by the binomial sum over the magnetisation.

    Returns dict(free_energy, energy, entropy, m_abs=E|M|/N, m2=E M^2/N^2) per spin,
    for H = -N^{1-P} e_P(s) - h sum s, where e_P is the elementary symmetric
    polynomial of the spins (computed exactly with integers).
    """
    N = check_int("N", N, lo=1)
    P = check_int("P", P, lo=2)
    if P > N:
        raise ParameterError(f"P={P} must not exceed N={N}")
    h = check_range("h", h)
    b = beta_from(T, beta)
    n_plus = np.arange(N + 1)
    M = 2 * n_plus - N
    # e_P(n+, n-) = sum_k C(n+, P-k) C(n-, k) (-1)^k, exact integers
    eP = np.array([sum((-1) ** k * math.comb(int(npl), P - k) * math.comb(N - int(npl), k)
                        for k in range(P + 1)) for npl in n_plus], dtype=object)
    H = -np.array([float(x) for x in eP]) * float(N) ** (1 - P) - h * M
    logC = gammaln(N + 1.0) - gammaln(n_plus + 1.0) - gammaln(N - n_plus + 1.0)
    if math.isinf(b):
        e0 = H.min()
        deg = logsumexp(logC[H <= e0 + 1e-12 * max(1.0, abs(e0))])
        sel = H <= e0 + 1e-12 * max(1.0, abs(e0))
        w = np.exp(logC[sel] - deg)
        return dict(free_energy=e0 / N, energy=e0 / N, entropy=deg / N,
                    m_abs=float(np.sum(w * np.abs(M[sel])) / N), m2=float(np.sum(w * M[sel] ** 2)) / N ** 2)
    a = logC - b * H
    lz = logsumexp(a)
    w = np.exp(a - lz)
    e = float(np.sum(w * H)) / N
    f = -lz / (b * N)
    return dict(free_energy=f, energy=e, entropy=b * (e - f),
                m_abs=float(np.sum(w * np.abs(M))) / N, m2=float(np.sum(w * M.astype(float) ** 2)) / N ** 2)
