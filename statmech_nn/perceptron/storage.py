"""Gardner volume of the perceptron with random +-1 labels (storage problem).

Weights binary (w in {-1,1}^N) or spherical (|w|^2 = N); P = alpha N random
patterns with random labels must all have stability  y w.x/sqrt(N) >= kappa.
Replica-symmetric free entropy per weight (the log of the number of binary
solutions, or of the solution-volume fraction of the sphere):

    binary    Phi = -qh(1-q)/2 + E_z ln 2cosh(sqrt(qh) z) + alpha G_E(q)
    spherical Phi = ln(1-q)/2 + q/(2(1-q))                 + alpha G_E(q)
    G_E(q) = E_z ln H(u),   u = (kappa - sqrt(q) z)/sqrt(1-q).

Stationarity: binary q = E_z tanh^2(sqrt(qh) z), qh = -2 alpha G_E'(q);
spherical q/(1-q)^2 = -2 alpha G_E'(q).  (derivations/perceptron.py checks
these against SymPy.)

Capacity. Binary: the RS entropy vanishes at alpha_c (Krauth-Mezard; 0.83308 at
kappa = 0, q = 0.5639). The RS point where q -> 1 (Gardner-Derrida 4/pi at
kappa = 0) lies where the entropy is already negative and is *not* the capacity;
it is reported as ``alpha_q_to_1`` for reference only. Spherical: q -> 1 gives
alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2 (= 2 at kappa = 0).
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from ..core.errors import ParameterError
from ..core.quaderr import estimate
from ..core.quadrature import expect, kink_nodes, log_2cosh
from ..core.result import make_result
from ..core.typed import make_capacity
from ..core.solver import solve_fixed_point
from ..theory.base import Param, TheoryModel
from ..theory.contract import Contract, Point
from .common import H, log_H, mills, z_rule

Q_MAX = 1.0 - 1e-12


# ---- energetic term -----------------------------------------------------------------
def storage_GE(q, kappa, n_panel=10):
    """G_E(q) = E_z ln H(u) and dG_E/dq (chain rule under the integral), batched."""
    q = np.asarray(q, float)
    kappa = np.asarray(kappa, float) + 0 * q
    sq = np.maximum(np.sqrt(q), 1e-300)
    z0 = np.where(q > 0, kappa / sq, 0.0)
    # nodes in z with the kink of ln H(u) (at z = kappa/sqrt(q), width sqrt(1-q)/sqrt(q)) resolved
    h, w = kink_nodes(-z0, np.ones_like(q), np.minimum(np.sqrt(1 - q) / sq, 1.0), n_panel=n_panel)
    z = h + z0[..., None]
    qq, kk = q[..., None], kappa[..., None]
    ge, dge = _ge_integrand(z, qq, kk)
    return expect(ge, w), expect(dge, w)


def _ge_integrand(z, q, kappa):
    s = np.sqrt(1.0 - q)
    sq = np.sqrt(q)
    u = (kappa - sq * z) / s
    dudq = -z / (2.0 * np.maximum(sq, 1e-300) * s) + (kappa - sq * z) / (2.0 * s ** 3)
    return log_H(u), -mills(u) * dudq


def binary_GS(qh, n=None):
    """E_z ln 2cosh(sqrt(qh) z) and E_z tanh^2(sqrt(qh) z)."""
    qh = np.asarray(qh, float)
    b = np.sqrt(np.maximum(qh, 0.0))
    z, w = z_rule(1.0 / np.maximum(b, 1.0))
    x = b[..., None] * z
    return expect(log_2cosh(x), w), expect(np.tanh(x) ** 2, w)


def margin_integral(kappa):
    """int_{-kappa}^inf Dt (t + kappa)^2 in closed form: (1 + k^2) H(-k) + k phi(k)."""
    k = np.asarray(kappa, float)
    return (1 + k * k) * H(-k) + k * np.exp(-0.5 * k * k) / math.sqrt(2 * math.pi)


def spherical_capacity(kappa):
    """Gardner's alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t+kappa)^2, by quadrature
    (the closed form :func:`margin_integral` is the test reference)."""
    k = np.asarray(kappa, float)
    # E_t (t + k)^2 theta(t + k) with nodes h = k + t resolving the kink at h = 0
    h, w = kink_nodes(k, np.ones_like(k), np.ones_like(k))
    return 1.0 / expect(np.where(h > 0, h * h, 0.0), w)


# ---- model ----------------------------------------------------------------------------
@dataclass
class PerceptronStorage(TheoryModel):
    """Perceptron storage (Gardner volume): binary or spherical weights, margin kappa."""
    name: str = "perceptron-storage"
    levels: tuple = ("rs",)
    has_temperature: bool = False
    params: tuple = field(default_factory=lambda: (
        Param("alpha", "load P/N (alpha = 0: no patterns)", lo=0.0, allowed="[0, inf)"),
        Param("kappa", "margin kappa (stability y w.x/sqrt(N) >= kappa)", default=0.0),
        Param("weights", "weight prior", kind="choice", choices=("binary", "spherical"),
              default="binary"),
    ))
    convention: str = ("Phi = (1/N) ln (number of binary solutions | solution fraction of the sphere); "
                       "labels random +-1; alpha = P/N")
    _NO_T = "no temperature: the Gardner volume counts solutions (Phi is an entropy, no beta)"
    contract = Contract(
        points=(Point(dict(alpha=0.5)), Point(dict(alpha=0.7, kappa=0.2)),
                Point(dict(alpha=0.5, kappa=0.3, weights="spherical"))),
        not_applicable={"energy_derivative": _NO_T, "entropy_identity": _NO_T, "zero_T_continuity": _NO_T})

    def check_params(self, params, require=True):
        return self._check(params)

    def _check(self, params, need_alpha=True):
        p = dict(params)
        p.pop("T", None), p.pop("beta", None)
        if not need_alpha:
            p.setdefault("alpha", 0.0)
        out = super().check_params(p)
        if out["weights"] == "spherical" and out["kappa"] < 0:
            raise ParameterError(f"kappa={out['kappa']!r} is outside the allowed range [0, inf) for "
                                 "spherical weights (the RS theory is exact only for kappa >= 0)")
        if not math.isfinite(out["kappa"]):
            raise ParameterError("kappa must be finite")
        return out

    # -- maps -------------------------------------------------------------------------
    @staticmethod
    def _F_binary(x, p):
        q = np.clip(x[0], 1e-14, Q_MAX)
        _, dge = storage_GE(q, p["kappa"])
        qh = np.where(p["alpha"] > 0, -2.0 * p["alpha"] * dge, 0.0)
        return binary_GS(qh)[1][None]

    @staticmethod
    def _F_spherical(x, p):
        q = np.clip(x[0], 1e-14, Q_MAX)
        _, dge = storage_GE(q, p["kappa"])
        c = np.maximum(np.where(p["alpha"] > 0, -2.0 * p["alpha"] * dge, 0.0), 0.0)
        # solve c (1-q)^2 = q for q in [0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            qn = np.where(c > 1e-12, (2 * c + 1 - np.sqrt(4 * c + 1)) / (2 * np.maximum(c, 1e-300)), c)
        return qn[None]

    def entropy_at(self, q, alpha, kappa=0.0, weights="binary", GE=None):
        """RS free entropy Phi(q) with the conjugate eliminated (binary) at given alpha.
        ``GE``: (G_E, dG_E/dq) = storage_GE(q, kappa) if the caller already has it."""
        q = np.asarray(q, float)
        ge, dge = storage_GE(q, kappa) if GE is None else GE
        if weights == "binary":
            qh = -2.0 * alpha * dge
            lc, _ = binary_GS(qh)
            return -0.5 * qh * (1 - q) + lc + alpha * ge
        return 0.5 * np.log1p(-q) + q / (2 * (1 - q)) + alpha * ge

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        self.check_level(level)
        if branch is not None:
            raise ParameterError(f"branch={branch!r}: perceptron-storage has one RS saddle (no branches)")
        arrays = self.check_arrays(arrays)
        weights = arrays.pop("weights", "binary")
        if np.ndim(weights):
            raise ParameterError("weights must be a single choice in solve_batch")
        if weights == "spherical" and np.any(np.asarray(arrays["kappa"], float) < 0):
            raise ParameterError("kappa must be >= 0 for spherical weights (allowed range [0, inf))")
        alpha, kappa = np.broadcast_arrays(np.asarray(arrays["alpha"], float),
                                           np.asarray(arrays["kappa"], float))
        shape = alpha.shape
        a, k = alpha.ravel(), kappa.ravel()
        if init is not None and "q" in init:
            x0 = np.broadcast_to(np.asarray(init["q"], float), shape).ravel()[None].copy()
        else:
            x0 = np.clip(0.5 * a, 1e-3, 0.9)[None]
        F = self._F_binary if weights == "binary" else self._F_spherical
        r = solve_fixed_point(F, x0, {"alpha": a, "kappa": k}, bounds=([0.0], [Q_MAX]), tol=1e-12)
        q = np.where(a == 0, 0.0, r.x[0])
        qc = np.clip(q, 1e-14, Q_MAX)
        GE = estimate(storage_GE, qc, k, where="storage G_E")[0]
        qh = np.where(a > 0, -2 * a * GE[1], 0.0) if weights == "binary" else q / (1 - q) ** 2
        if weights == "binary":
            estimate(binary_GS, qh, where="storage G_S")
        s = self.entropy_at(qc, a, k, weights, GE=GE)
        s = np.where(a == 0, np.log(2.0) if weights == "binary" else 0.0, s)
        branch = np.where((s >= 0) | (weights == "spherical"), "solutions", "rs-negative-entropy")
        conv = np.asarray(r.converged, bool)
        if weights == "spherical":
            # at alpha >= alpha_c(kappa) no weight vector stores the patterns: q -> 1 and the
            # volume vanishes; the clipped iterate q = Q_MAX is not a solution
            full = a >= spherical_capacity(k)
            q, s = np.where(full, 1.0, q), np.where(full, -np.inf, s)
            qh = np.where(full, np.inf, qh)
            conv, branch = conv & ~full, np.where(full, "above-capacity", branch)
        out = dict(q=q, q_hat=qh, entropy=s, free_energy=np.full_like(q, np.nan),
                   energy=np.zeros_like(q), converged=conv, residual=r.residual,
                   iterations=r.iterations, branch=branch)
        return {kk: np.reshape(v, shape) for kk, v in out.items()}

    def point_result(self, level, branch, p, o):
        s = float(o["entropy"])
        msg = "" if (s >= 0 or p["weights"] == "spherical") else ("RS entropy is negative: alpha is above the capacity, the RS "
                                 "solution is unphysical")
        if str(o["branch"]) == "above-capacity":
            msg = (f"alpha={p['alpha']:g} is at or above the spherical capacity alpha_c(kappa="
                   f"{p['kappa']:g}) = {float(spherical_capacity(p['kappa'])):.10g}: no weight vector "
                   "stores the patterns (q -> 1, entropy -> -inf)")
        return make_result(self.name, level, p, {"q": o["q"], "q_hat": o["q_hat"]},
                           free_energy=np.nan, energy=0.0, entropy=s, converged=bool(o["converged"]),
                           residual=float(o["residual"]), iterations=int(o["iterations"]),
                           branch=str(o["branch"]), message=msg)

    # -- capacity ---------------------------------------------------------------------
    def alpha_of_q(self, q, kappa=0.0):
        """Binary RS branch parametrised by q: (alpha(q), qh(q)). qh inverts
        q = E_z tanh^2(sqrt(qh) z); alpha = -qh / (2 G_E'(q))."""
        return self._alpha_of_q(q, kappa)[:2]

    def _alpha_of_q(self, q, kappa):
        """(alpha, qh, (G_E, G_E')) at q; G_E is returned for reuse by entropy_at."""
        q = float(q)
        f = lambda lq: binary_GS(np.exp(lq))[1] - q
        lqh = optimize.brentq(f, -60.0, 60.0, xtol=1e-15, rtol=1e-15, maxiter=500)
        qh = math.exp(lqh)
        GE = storage_GE(np.array(q), kappa)
        return float(-qh / (2 * GE[1])), qh, GE

    def capacity(self, level="rs", **params):
        level = self.check_level(level)
        p = self._check(params, need_alpha=False)
        k = p["kappa"]
        if p["weights"] == "spherical":
            ac = float(estimate(spherical_capacity, k, where="margin integral")[0])
            p["alpha"] = ac
            return make_capacity(self.name, level, p, {"q": 1.0}, free_energy=np.nan, energy=0.0,
                               entropy=-np.inf, converged=True, residual=0.0, iterations=0,
                               branch="q->1", alpha_c=ac,
                               message="spherical capacity: q -> 1 (Gardner 1988)")

        def s_of_q(q):
            a, _, GE = self._alpha_of_q(q, k)
            return float(self.entropy_at(np.array(q), a, k, "binary", GE=GE))

        qc = optimize.brentq(s_of_q, 1e-6, 1 - 1e-7, xtol=1e-14, rtol=1e-13)
        ac, qh = self.alpha_of_q(qc, k)
        estimate(lambda: (storage_GE(np.array(qc), k), binary_GS(qh)), where="storage capacity")
        # residual of the fixed-point equation at (alpha_c, q_c) as a check
        res = abs(float(self._F_binary(np.array([[qc]]), {"alpha": np.array([ac]),
                                                           "kappa": np.array([k])})[0, 0]) - qc)
        a1, _ = self.alpha_of_q(1 - 1e-8, k)
        p["alpha"] = ac
        return make_capacity(self.name, level, p, {"q": qc, "q_hat": qh}, free_energy=np.nan,
                           energy=0.0, entropy=0.0, converged=res < 1e-9, residual=res, iterations=0,
                           branch="entropy-zero", alpha_c=ac, alpha_q_to_1=a1,
                           message=("binary capacity where the RS entropy vanishes (Krauth-Mezard); "
                                    "alpha_q_to_1 is the unphysical RS q -> 1 point (Gardner-Derrida), "
                                    "not the capacity"))
