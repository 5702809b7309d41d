"""Field-space variational learning of a binary teacher (Li, Huang, Zou & Huang 2023).

The student is a factorised posterior over binary weights with means m_i = tanh(theta_i)
(fields theta). With the Gaussian-field approximation of the preactivation, one
example costs  -ln H(-y m.x / sqrt(sum_i (1 - m_i^2) x_i^2)), and for +-1 inputs the
denominator is sqrt(N (1 - Q)), Q = |m|^2/N. The minimisers reached by SGD are
modelled by the Gibbs measure over m in [-1, 1]^N (flat reference measure) at inverse
temperature beta_T = 1/T, optionally with a KL term gamma1 * KL(q_m || uniform) in
the objective. RS free entropy per weight (teacher gauged to +1):

    Phi = -Qh Q + qh q/2 - rh R + G_S(qh, rh, Qh) + alpha G_E(q, R, Q)
    G_S = E_z ln int_{-1}^{1} dm exp[(Qh - qh/2) m^2 + (sqrt(qh) z + rh) m + k S(m)],  k = beta_T gamma1
    G_E = 2 E_z H(-R z/sqrt(q-R^2)) ln E_x H(-g)^{beta_T},  g = (sqrt(q) z + sqrt(Q-q) x)/sqrt(1-Q)

Stationarity: q = E<m>^2, R = E<m>, Q = E<m^2>; qh = -2 alpha dG_E/dq,
rh = alpha dG_E/dR, Qh = alpha dG_E/dQ. The clipped student sign(m) has teacher
overlap p = E<sign m> and error eps = arccos(p)/pi (sign(0) = +1 is a null set here).

Quadrature (no Monte Carlo; :mod:`statmech_nn.perceptron.field_terms`): z by composite
Gauss-Legendre with breakpoints at the kinks, x by the peak-centred rule (the x-integrand is
a Gaussian tilted by H(-g)^beta whose peak leaves any fixed window), the m-integral in
t = atanh(m). Every solution carries ``quadrature_error``: the change of all integrals at the
solution when every node count is doubled. derivations/perceptron.py checks the hand-coded
derivatives against SymPy.

Branches (:mod:`statmech_nn.perceptron.field_branches`): at beta_T = 20 the RS solutions form
an S-shaped curve in (alpha, R): a low-R branch (continued from alpha = 0), an unstable middle
branch and a high-R branch; ``branch='low'|'high'`` selects one, ``'auto'`` (or None) the
thermodynamic state (larger Phi); ``capacity`` returns the first-order transition alpha_c and
the spinodals.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, beta_from
from ..core.quaderr import QUADRATURE_TOL, estimate
from ..core.result import make_result
from ..core.typed import make_capacity
from ..core.solver import FixedPointResult
from ..theory.base import Param, TheoryModel
from ..theory.contract import Contract, Point
from . import field_branches as FB
from .common import eps_from_overlap
from .field_terms import clamp, field_GE, field_GE_integrand, site_moments  # noqa: F401 (re-exported)

_clamp = clamp  # backward-compatible name
BRANCHES = ("low", "high")


def _hats(q, R, Q, alpha, beta):
    ge, dq, dR, dQ, e = field_GE(q, R, Q, beta)
    on = alpha > 0
    return (np.where(on, -2 * alpha * dq, 0.0), np.where(on, alpha * dR, 0.0),
            np.where(on, alpha * dQ, 0.0), ge, e)


def field_map(x, p):
    """Undamped map (q, R, Q) -> (E<m>^2, E<m>, E<m^2>)."""
    q, R, Q = clamp(x[0], x[1], x[2])
    qh, rh, Qh, _, _ = _hats(q, R, Q, p["alpha"], p["beta"])
    _, m1, mm, m2, _ = site_moments(qh, rh, Qh, p["beta"] * p["gamma1"])
    return np.stack([mm, m1, m2])


def check_field_T(p):
    if math.isinf(p["beta"]):
        raise ParameterError("T=0 is outside the allowed range (0, inf) for the field-space models "
                             "(the Gibbs measure over m needs a finite beta_T)")


def _even(a, step):
    """Evenly spaced loads a/n, ..., a with n = ceil(a / step) (the continuation up to a)."""
    n = max(1, int(math.ceil(a / step)))
    return np.linspace(a / n, a, n)


def _terms(q, R, Q, alpha, beta, kappa):
    """Conjugates, G_E, E ln H and the site averages at (q, R, Q): every integral of Phi."""
    if alpha == 0:
        hats = (0.0, 0.0, 0.0, 0.0, 0.0)
    else:
        qc, Rc, Qc = clamp(q, R, Q)
        hats = tuple(float(np.squeeze(v)) for v in _hats(qc, Rc, Qc, alpha, beta))
    site = tuple(float(np.squeeze(v)) for v in site_moments(*hats[:3], kappa))
    return hats, site


def exact_zero(beta, gamma1):
    """The alpha = 0 solution: the map applied once to any point (no data: no dependence)."""
    return field_map(np.array([[0.0], [0.0], [0.5]]), {"alpha": np.array([0.0]), "beta": np.array([beta]),
                                                       "gamma1": np.array([gamma1])})[:, 0]


def select_state(candidates):
    """The thermodynamic state among candidate solutions: the converged one with the largest
    free entropy Phi (smallest f = -Phi/beta_T); candidates that coincide are one state.
    ``candidates``: list of (label, observables dict with 'phi' and 'converged'). Returns the
    chosen (label, observables)."""
    best = None
    for lab, o in candidates:
        if best is None or (o["converged"] and (not best[1]["converged"] or o["phi"] > best[1]["phi"] + 1e-12)):
            best = (lab, o)
    return best


@dataclass
class PerceptronField(TheoryModel):
    """Field-space variational learning of a binary teacher (Gibbs measure over means m)."""
    name: str = "perceptron-field"
    levels: tuple = ("rs",)
    params: tuple = field(default_factory=lambda: (
        Param("alpha", "load P/N (alpha = 0: no data)", lo=0.0, hi=1e6, allowed="[0, 1e6]"),
        Param("gamma1", "weight of KL(q_m || uniform) in the objective", lo=0.0, default=0.0,
              allowed="[0, inf)"),
    ))
    convention: str = ("T = 1/beta_T multiplies the variational objective; Phi per weight with flat dm "
                       "on [-1,1]; eps = arccos(p)/pi for the clipped student sign(m)")
    capacity_has_temperature: bool = True
    contract = Contract(
        points=(Point(dict(alpha=0.25, T=0.5)), Point(dict(alpha=0.5, T=0.25))),
        not_applicable={
            "zero_T_continuity": "the field model has no T = 0 form: the Gibbs measure over the "
                                 "means m needs a finite beta_T (T = 0 is rejected)",
        })

    HIGH_START = FB.HIGH_START

    def solve_raw(self, alpha, beta, gamma1=0.0, init=None, path_step=0.25, branch="low", search=True):
        """One branch at one point: continuation from alpha = 0 (``branch='low'``), the
        well-generalising start continued down (``'high'``; ``search=False``: the direct start
        at alpha only), or Newton from ``init`` = (q, R, Q). Returns the FixedPointResult
        (converged = the branch reaches alpha)."""
        if alpha == 0 and init is None:
            x = exact_zero(beta, gamma1)[:, None]
            pp = {"alpha": np.array([0.0]), "beta": np.array([beta]), "gamma1": np.array([gamma1])}
            res = np.max(np.abs(field_map(x, pp) - x), axis=0)
            return FixedPointResult(x=x, residual=res, converged=res <= 1e-10, iterations=np.zeros(1, int))
        if init is not None:
            return FB.newton(field_map, alpha, beta, gamma1, init, maxiter=100)
        if branch == "high":
            return FB.high_branch(field_map, alpha, beta, gamma1, tries=8 if search else 0)[0]
        return FB.follow(field_map, 0.0, exact_zero(beta, gamma1), alpha, beta, gamma1, step=path_step)[0]

    def evaluate(self, x, alpha, beta, gamma1=0.0, errors=True):
        """All observables at order parameters x = (q, R, Q); with ``errors`` also the
        quadrature error of every integral there (``quadrature_error``)."""
        q, R, Q = (float(v) for v in x)
        args = (q, R, Q, alpha, beta, beta * gamma1)
        if errors:
            (hats, site), qerr = estimate(_terms, *args, where="perceptron-field")
        else:
            (hats, site), qerr = _terms(*args), math.nan
        qh, rh, Qh, ge, e = hats
        lz, m1, mm, m2, ms = site
        phi = -Qh * Q + 0.5 * qh * q - rh * R + lz + alpha * ge
        energy = -alpha * e  # mean data loss per weight (-ln H summed / N), plus KL part in phi
        return dict(q=q, R=R, Q=Q, q_hat=qh, r_hat=rh, Q_hat=Qh, p=ms, phi=phi,
                    free_energy=-phi / beta, energy=energy, entropy=phi + beta * energy,
                    generalization_error=float(eps_from_overlap(ms)),
                    eps_mean=float(eps_from_overlap(R / math.sqrt(max(Q, 1e-300)))),
                    quadrature_error=float(qerr) if errors else math.nan)

    def _branch(self, br, a, b, g1, search=True):
        r = self.solve_raw(a, b, g1, branch=br, search=search)
        o = self.evaluate(r.x[:, 0], a, b, g1)
        o.update(converged=bool(r.converged[0]), residual=float(r.residual[0]),
                 iterations=int(r.iterations[0]))
        return o

    def solve(self, level="rs", branch=None, init=None, **params):
        level = self.check_level(level)
        p = self.check_params(params)
        check_field_T(p)
        a, b, g1 = p["alpha"], p["beta"], p["gamma1"]
        if branch not in (None, "auto") + BRANCHES:
            raise ParameterError(f"branch={branch!r} is not one of low, high, auto")
        msg = ""
        if init is not None:
            r = self.solve_raw(a, b, g1, [init["q"], init["R"], init["Q"]])
            lab, o = "init", self.evaluate(r.x[:, 0], a, b, g1)
            o.update(converged=bool(r.converged[0]), residual=float(r.residual[0]),
                     iterations=int(r.iterations[0]))
        elif branch in BRANCHES:
            lab, o = branch, self._branch(branch, a, b, g1)
            if not o["converged"]:
                msg = (f"the {branch} branch does not reach alpha={a:g} at T={p['T']:g} (it ends at a "
                       "spinodal, see capacity); the last point reached is shown")
        else:
            # the high branch: only the direct Newton start at alpha (at beta_T = 20 it converges
            # wherever the branch exists, alpha >= alpha_sp = 1.50); branch='high' searches further
            cands = [("low", self._branch("low", a, b, g1))]
            if a > 0:
                cands.append(("high", self._branch("high", a, b, g1, search=False)))
            lab, o = select_state(cands)
        op = {k: o[k] for k in ("q", "R", "Q", "q_hat", "r_hat", "Q_hat", "p")}
        return make_result(self.name, level, p, op, o["free_energy"], o["energy"], o["entropy"],
                           o["converged"], o["residual"], o["iterations"], branch=lab, message=msg,
                           generalization_error=o["generalization_error"], eps_mean=o["eps_mean"],
                           quadrature_error=o["quadrature_error"]).warn_if_unconverged()

    def solve_batch(self, level="rs", branch=None, init=None, **arrays):
        self.check_level(level)
        arrays = self.check_arrays(arrays)
        a, b, g = np.broadcast_arrays(*(np.asarray(arrays[k], float) for k in ("alpha", "beta", "gamma1")))
        keys = ["q", "R", "Q", "p", "free_energy", "energy", "entropy", "generalization_error",
                "converged", "residual", "iterations", "quadrature_error", "branch"]
        out = {k: [] for k in keys}
        for ai, bi, gi in zip(a.ravel(), b.ravel(), g.ravel()):
            r = self.solve(level, branch=branch, alpha=ai, beta=bi, gamma1=gi)
            for k in keys:
                out[k].append(r["order_parameters"][k] if k in ("q", "R", "Q", "p") else r[k])
        return {k: np.reshape(np.array(v), a.shape) for k, v in out.items()}

    def capacity(self, level="rs", **params):
        """First-order transition of the field model at temperature T: ``alpha_c`` (Phi_low =
        Phi_high), ``alpha_sp`` (lower spinodal: the high-R branch exists for alpha >= alpha_sp),
        ``alpha_sp_low`` (upper spinodal: the low branch exists for alpha <= alpha_sp_low),
        ``eps_low``/``eps_high`` (generalisation errors of both branches at alpha_c)."""
        level = self.check_level(level)
        params = dict(params)
        if "alpha" in params:
            raise ParameterError("alpha is not a parameter of perceptron-field capacity (it finds alpha_c); "
                                 "give T (or beta) and gamma1")
        if params.get("T") is None and params.get("beta") is None:
            raise ParameterError("perceptron-field capacity needs a temperature: T in (0, inf) (or beta)")
        p = self.check_params(dict(params, alpha=0.0))
        check_field_T(p)
        b, g1 = p["beta"], p["gamma1"]
        tr, cv = FB.transition(field_map, self.evaluate, b, g1)
        if tr is None:
            return make_capacity(self.name, level, p, {}, math.nan, math.nan, math.nan, False, math.nan, 0,
                                 branch="none", alpha_c=math.nan, alpha_sp=math.nan,
                                 message=f"no first-order transition at T={p['T']:g}: alpha(R) is not "
                                         "S-shaped (a single branch)")
        lo, hi = tr["low"], tr["high"]
        p["alpha"] = tr["alpha_c"]
        ops = {f"{k}_{br}": o[k] for br, o in (("low", lo), ("high", hi)) for k in ("q", "R", "Q", "p")}
        res = max(lo["residual"], hi["residual"])
        qe = max(lo["quadrature_error"], hi["quadrature_error"])
        return make_capacity(self.name, level, p, ops, hi["free_energy"], math.nan, math.nan,
                             lo["converged"] and hi["converged"], res, 0, branch="transition",
                             alpha_c=tr["alpha_c"], alpha_sp=cv["high"]["alpha"],
                             alpha_sp_low=cv["low"]["alpha"], eps_low=lo["generalization_error"],
                             eps_high=hi["generalization_error"], quadrature_error=qe,
                             message=("alpha_c: first-order transition (Phi_low = Phi_high); alpha_sp: "
                                      "lower spinodal, where the high-R branch ends (it exists for alpha "
                                      ">= alpha_sp); alpha_sp_low: upper spinodal, where the low branch "
                                      "ends"))


def _follow_all(fm, alphas, beta, gamma1, start, x0):
    """Continue one branch through sorted ``alphas`` from (start, x0); None where it ends."""
    out, a, x = {}, start, x0
    for al in alphas:
        r, reached = FB.follow(field_map, a, x, al, beta, gamma1)
        if reached != al or not r.converged[0]:
            break
        a, x = al, r.x[:, 0]
        o = fm.evaluate(x, al, beta, gamma1)
        out[al] = dict(o, converged=True, residual=float(r.residual[0]))
    return out


def sweep_alpha(alphas, T, gamma1=0.0, both_branches=True):
    """Both branches along ``alphas`` by continuation (the low one forward from alpha = 0, the
    high one backward from the largest alpha, where Newton starts from the well-generalising
    point) and, per alpha, the thermodynamic state (larger Phi). Returns a list of dicts: the selected state's observables plus ``branch`` and the
    two branches under ``low`` / ``high`` (None where a branch does not exist)."""
    fm = PerceptronField()
    beta = beta_from(T=T)
    al = sorted(float(a) for a in alphas)
    low = _follow_all(fm, al, beta, gamma1, 0.0, exact_zero(beta, gamma1))
    if 0.0 in al:
        low[0.0] = dict(fm.evaluate(exact_zero(beta, gamma1), 0.0, beta, gamma1), converged=True, residual=0.0)
    high = {}
    if both_branches and al and al[-1] > 0:
        r = fm.solve_raw(al[-1], beta, gamma1, branch="high", search=False)
        if r.converged[0]:
            high = _follow_all(fm, al[::-1], beta, gamma1, al[-1], r.x[:, 0])
    out = []
    for a in (float(v) for v in alphas):
        cands = [(k, d[a]) for k, d in (("low", low), ("high", high)) if a in d]
        if not cands:
            out.append(dict(branch="none", converged=False, low=None, high=None))
            continue
        lab, o = select_state(cands)
        out.append(dict(o, branch=lab, low=low.get(a), high=high.get(a)))
    return out


def transition_alpha(T, lo=None, hi=None, gamma1=0.0, xtol=1e-9):
    """First-order transition of the field model at temperature T (``lo``, ``hi`` are not
    needed any more: the spinodals bracket it). Returns dict(alpha_c, eps_low, eps_high,
    alpha_sp, alpha_sp_low)."""
    r = PerceptronField().capacity(T=T, gamma1=gamma1)
    return {k: r[k] for k in ("alpha_c", "eps_low", "eps_high", "alpha_sp", "alpha_sp_low") if k in r}
