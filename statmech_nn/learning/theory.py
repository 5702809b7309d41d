r"""Replica-symmetric theory of dense Hebbian learning from noisy examples.

Convention (the storage models' one, so that r -> 1 or M -> inf *is* ``dense-hebbian``
/ ``hopfield`` at every temperature): K = alpha N^{P-1} classes, distinct indices,

* supervised   H = -N^{1-P} sum_mu sum_{i1<...<iP} xi~^mu_{i1}..xi~^mu_{iP} s_{i1}..s_{iP},
  xi~^mu = sum_a eta^{mu,a} / (M sqrt(R)), R = r^2 + (1 - r^2)/M  (E xi~^2 = 1);
* unsupervised H = -N^{1-P} / (M R^{P/2}) sum_mu sum_a sum_{i1<...<iP} eta^{mu,a}_{i1}.. s_{iP}.

For P = 2 this is the AGS normalisation -(1/N) sum_{i<j} (K = alpha N).

Effective model for P >= 3 (derivations/learning.py): the condensed class gives the
signal -N n^P/P! with n = <xi~ . s>/N for *both* protocols (the unsupervised symmetric
state has every example overlap equal to r sqrt(1+rho) n); the other classes give a
Gaussian cross-talk with covariance N alpha nu q^P / P!, nu = 1 (supervised) or
nu = (1 + (M-1) r^{2P}) / (M R^P) (unsupervised). RS pressure

    A = ln 2 + E ln cosh(beta h) - beta (P-1) n^P / P!
        + beta^2 alpha nu / (2 P!) [1 - P q^{P-1} + (P-1) q^P],
    h = n^{P-1} xi~ / (P-1)! + z sqrt(alpha nu q^{P-1} / (P-1)!),

n = E[xi~ tanh(beta h)], q = E[tanh^2], m = E[tanh] (archetype Mattis overlap).

P = 2 (AGS-type, not the formula above): each class is a Gaussian block whose
normalised correlation spectrum is c = 1 (once) and, unsupervised only,
c = (1 - r^2)/(1 + (M-1) r^2) (M - 1 times):

    A = ln 2 + E ln cosh beta(n xi~ + sqrt(alpha rr) z) - beta n^2/2
        - (alpha/2) sum_k [ln D_k - beta c_k q / D_k + beta c_k] - alpha beta^2 rr (1-q)/2,
    D_k = 1 - beta c_k (1 - q),  rr = sum_k c_k^2 q / D_k^2.

Class-average law: exact binomial (S = sum_a chi_a) or its CLT form
xi~ = (1 + sqrt(rho) lam)/sqrt(1 + rho).
"""
import math

import numpy as np
from scipy import optimize, special

from ..core import quaderr
from ..core.errors import ParameterError, check_range
from ..core.quadrature import expect, hermite, log_cosh, normal_nodes, sech2
from ..core.result import make_result
from ..core.typed import Threshold, make_capacity
from ..core.solver import solve_fixed_point
from ..theory import states
from ..theory.base import Param, TheoryModel
from ..theory.contract import Coincidence, Contract, Point
from . import laws as L

SQ2 = math.sqrt(2.0)
SQ2PI = math.sqrt(2.0 * math.pi)
CHUNK = 3_000_000       # max batch * atoms * nodes evaluated at once


# --------------------------------------------------------------------------- moments
def _moments(law, kappa, b, beta, full=True):
    """Site averages for h = kappa xi~ + b z at finite beta (arrays of shape (batch,)).

    Returns E tanh, E tanh^2, E xi~ tanh and, with ``full``, E sech^4, E ln cosh (all of beta h).
    With ``full`` (the evaluation at a solution) their quadrature error is recorded
    (:func:`core.quaderr.estimate`).
    """
    if full:
        return quaderr.estimate(_moments_rule, law, kappa, b, beta, True, where="RS site averages")[0]
    return _moments_rule(law, kappa, b, beta, False)


def _moments_rule(law, kappa, b, beta, full):
    if law.kind == "gaussian":
        mu = kappa * law.a0
        sd = np.sqrt(kappa * kappa * law.s * law.s + b * b)
        h, w = normal_nodes(mu, sd, beta)
        bh = beta[:, None] * h
        t = np.tanh(bh)
        s2 = sech2(bh)
        Et, Et2, Es2 = expect(t, w), expect(t * t, w), expect(s2, w)
        Ext = law.a0 * Et + kappa * law.s ** 2 * beta * Es2
        out = dict(Et=Et, Et2=Et2, Ext=Ext)
        if full:
            out.update(Es4=expect(s2 * s2, w), Elc=expect(log_cosh(bh), w))
        return out
    x, wl = law.x, law.w
    a = kappa[:, None] * x
    h, w = normal_nodes(a, np.broadcast_to(b[:, None], a.shape), np.broadcast_to(beta[:, None], a.shape))
    bh = beta[:, None, None] * h
    t = np.tanh(bh)
    Et_l, Et2_l = expect(t, w), expect(t * t, w)
    out = dict(Et=np.sum(wl * Et_l, -1), Et2=np.sum(wl * Et2_l, -1), Ext=np.sum(wl * x * Et_l, -1))
    if full:
        s2 = sech2(bh)
        out.update(Es4=np.sum(wl * expect(s2 * s2, w), -1), Elc=np.sum(wl * expect(log_cosh(bh), w), -1))
    return out


def _moments0(law, kappa, b):
    """T = 0: E sign h, E xi~ sign h, E|h|, density p_h(0) (0 where b = 0)."""
    if law.kind == "gaussian":
        mu = kappa * law.a0
        V = kappa * kappa * law.s * law.s + b * b
        sd = np.sqrt(V)
        with np.errstate(divide="ignore", invalid="ignore"):
            Et = np.where(sd > 0, special.erf(mu / (SQ2 * sd)), np.sign(mu))
            p0 = np.where(sd > 0, np.exp(-mu * mu / (2 * V)) / (SQ2PI * sd), 0.0)
        Ext = law.a0 * Et + kappa * law.s ** 2 * 2 * p0
        Eabs = mu * Et + 2 * V * p0
        p0b = np.where(b > 0, p0, 0.0)
        return dict(Et=Et, Ext=Ext, Eabs=Eabs, p0=p0b)
    x, wl = law.x, law.w
    a = kappa[:, None] * x
    bb = b[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(bb > 0, special.erf(a / (SQ2 * bb)), np.sign(a))
        p = np.where(bb > 0, np.exp(-a * a / (2 * bb * bb)) / (SQ2PI * bb), 0.0)
    Eabs = a * e + 2 * bb * bb * p
    return dict(Et=np.sum(wl * e, -1), Ext=np.sum(wl * x * e, -1), Eabs=np.sum(wl * Eabs, -1),
                p0=np.sum(wl * p, -1))


# --------------------------------------------------------------------------- the model
class _Learning(TheoryModel):
    protocol = "supervised"

    def __init__(self):
        super().__init__(
            name=f"dense-hebbian-{self.protocol}", levels=("rs", "1rsb"),
            params=(
                Param("P", "interaction order, even (P = 2: AGS-type theory)", lo=2, hi=170, kind="even",
                      allowed="even integer in [2, 170] (P! must be a finite double)"),
                Param("alpha", "load: K = alpha N^(P-1) classes (alpha = 0: low load; "
                      "with --b: K = alpha N^b)", lo=0.0),
                Param("r", "dataset quality r = E chi in [0, 1]", lo=0.0, hi=1.0),
                Param("M", "examples per class, M >= 1 (integer for the binomial law)", lo=1.0),
                Param("law", "class-average law: binomial (exact) or gaussian (CLT)", kind="choice",
                      choices=("binomial", "gaussian")),
                Param("rho", "dataset entropy rho = (1-r^2)/(M r^2) >= 0 (Gaussian law; replaces "
                      "(r, M)" + (", needs r)" if self.protocol == "unsupervised" else ")"), lo=0.0),
                Param("b", "sub-saturated load exponent: K = alpha N^b, 0 <= b < P-1 (needs N)", lo=0.0),
                Param("N", "network size (only with b: effective alpha N^(b-P+1))", lo=1.0),
            ),
            convention=("H = -N^(1-P) sum_mu sum_{i1<..<iP} xi~..xi~ s..s (supervised, xi~ = class "
                        "average / (M sqrt R)); unsupervised: -N^(1-P)/(M R^(P/2)) sum_mu,a sum_{i<..} "
                        "eta..eta s..s; K = alpha N^(P-1); T multiplies H"),
        )

    # ---- validation ----------------------------------------------------------------
    def check_params(self, params, require=True):
        params = dict(params)
        out = super().check_params(params, require=False)
        out = self._resolve(out)
        return out

    def _resolve(self, d):
        if "P" not in d:
            raise ParameterError(f"{self.name} needs parameter P (even interaction order)")
        if "alpha" not in d:
            raise ParameterError(f"{self.name} needs parameter alpha (load, >= 0)")
        law = d.get("law")
        has_rho = d.get("rho") is not None
        if law is None:
            law = "gaussian" if has_rho else "binomial"
        d["law"] = law
        if has_rho and law != "gaussian":
            raise ParameterError("rho is only allowed with law=gaussian (the binomial law needs r and M)")
        if has_rho:
            if d.get("M") is not None:
                raise ParameterError("give either (r, M) or rho, not both")
            if self.protocol == "unsupervised":
                if d.get("r") is None or d["r"] <= 0:
                    raise ParameterError("the unsupervised model with rho also needs r in (0, 1] "
                                         "(its cross-talk depends on r^(2P)); M = (1-r^2)/(rho r^2)")
                d["M"] = float(L.M_of(d["r"], d["rho"]))
                if d["M"] < 1:
                    raise ParameterError(f"rho={d['rho']} with r={d['r']} gives M={d['M']:.4g} < 1")
        else:
            for k in ("r", "M"):
                if d.get(k) is None:
                    raise ParameterError(f"{self.name} needs parameter {k} (or rho with law=gaussian)")
            if law == "binomial" and float(d["M"]) != int(d["M"]):
                raise ParameterError(f"M={d['M']} must be an integer for the binomial law "
                                     "(use law=gaussian for real M)")
            d["rho"] = float(L.rho_of(d["r"], d["M"]))
        if d.get("b") is not None:
            if d.get("N") is None:
                raise ParameterError("b (sub-saturated load K = alpha N^b) needs N: the load that "
                                     "enters is alpha N^(b-P+1) (for N -> inf give alpha=0)")
            if d["b"] >= d["P"] - 1:
                raise ParameterError(f"b={d['b']} must be < P-1={d['P'] - 1} (b = P-1 is the default "
                                     "saturated load)")
        elif d.get("N") is not None:
            raise ParameterError("N is only used with b (sub-saturated load)")
        return d

    def alpha_eff(self, d):
        """Load entering the saturated-load equations: alpha N^(b-P+1) with b, else alpha."""
        if d.get("b") is None:
            return d["alpha"]
        return d["alpha"] * d["N"] ** (d["b"] - (d["P"] - 1))

    def nu(self, d):
        if self.protocol == "supervised":
            return 1.0
        return float(L.nu_unsupervised(d["P"], d["r"], d["M"]))

    def spectrum(self, d):
        """P = 2 class spectrum [(c_k, multiplicity)]."""
        if self.protocol == "supervised":
            return [(1.0, 1.0)]
        r, M = d["r"], d["M"]
        return [(1.0, 1.0), ((1 - r * r) / (1 + (M - 1) * r * r), M - 1.0)]

    def law_of(self, d):
        return L.law_for(d["law"], d.get("r"), d.get("M"), d["rho"])

    @staticmethod
    def law_note(d):
        """``{'law_used': 'gaussian', 'law_note': ...}`` when the binomial law runs in its CLT
        form (M > laws.M_CLT), else ``{}``."""
        note = L.clt_note(d["law"], d.get("M"))
        return {"law_used": "gaussian", "law_note": note} if note else {}

    # ---- core: one parameter point, all branches ------------------------------------------
    def _ctx(self, d):
        P = d["P"]
        return dict(P=P, law=self.law_of(d), alpha=self.alpha_eff(d), nu=self.nu(d),
                    spec=self.spectrum(d), beta=d["beta"], fact=math.factorial(P - 1))

    @staticmethod
    def _map(c, x, T0):
        """Undamped map for a batch of starting points (columns of x) at one parameter point."""
        P, law, al, beta, fact = c["P"], c["law"], c["alpha"], c["beta"], c["fact"]
        nb = x.shape[1]
        lawb = law.take(np.zeros(nb, int))
        n = np.maximum(x[0], 0.0)
        if P >= 3:
            kappa = n ** (P - 1) / fact
            if T0:
                b = np.full(nb, math.sqrt(al * c["nu"] / fact))
                mo = _moments0(lawb, kappa, b)
                return np.array([mo["Ext"]])
            q = np.clip(x[1], 0, 1)
            b = np.sqrt(al * c["nu"] * q ** (P - 1) / fact)
            # the Newton hot path: Es4 and Elc are only needed at the solution (_observables)
            mo = _moments(lawb, kappa, b, np.full(nb, beta), full=False)
            return np.array([mo["Ext"], mo["Et2"]])
        # P = 2
        if T0:
            C = x[1]
            rr = sum(mult * ck * ck / (1 - ck * C) ** 2 for ck, mult in c["spec"])
            bad = np.any([1 - ck * C <= 0 for ck, _ in c["spec"]], axis=0)
            b = np.sqrt(al * rr)
            mo = _moments0(lawb, n, b)
            out = np.array([mo["Ext"], 2 * mo["p0"]])
            out[:, bad] = np.nan
            return out
        q = np.clip(x[1], 0, 1)
        D = [1 - beta * ck * (1 - q) for ck, _ in c["spec"]]
        bad = np.any([Dk <= 0 for Dk in D], axis=0)
        rr = sum(mult * ck * ck * q / np.where(Dk > 0, Dk, 1.0) ** 2
                 for (ck, mult), Dk in zip(c["spec"], D))
        mo = _moments(lawb, n, np.sqrt(al * rr), np.full(nb, beta), full=False)
        out = np.array([mo["Ext"], mo["Et2"]])
        out[:, bad] = np.nan
        return out

    def _observables(self, c, x, T0):
        """m, q, f, e, s, replicon, A for solved points (columns of x)."""
        P, law, al, beta, fact, nu = c["P"], c["law"], c["alpha"], c["beta"], c["fact"], c["nu"]
        nb = x.shape[1]
        lawb = law.take(np.zeros(nb, int))
        n = np.maximum(x[0], 0.0)
        Pf = math.factorial(P)
        if P >= 3:
            kappa = n ** (P - 1) / fact
            if T0:
                b = np.full(nb, math.sqrt(al * nu / fact))
                mo = _moments0(lawb, kappa, b)
                f = -mo["Eabs"] + (P - 1) * n ** P / Pf
                # T -> 0 of the RS entropy: -C^2 xi''(1)/4 with C = lim beta (1 - q) = 2 p_h(0) and
                # xi''(1) = alpha nu / (P-2)!  (as the p-spin engine); replicon ~ beta -> inf
                C = 2.0 * mo["p0"]
                s0 = -0.25 * C * C * al * nu / math.factorial(P - 2)
                return dict(m=mo["Et"], n=n, q=np.ones(nb), free_energy=f, energy=f,
                            entropy=s0, replicon=np.where(C > 0, np.inf, 0.0))
            q = np.clip(x[1], 0, 1)
            b = np.sqrt(al * nu * q ** (P - 1) / fact)
            mo = _moments(lawb, kappa, b, np.full(nb, beta))
            A = (math.log(2) + mo["Elc"] - beta * (P - 1) * n ** P / Pf
                 + beta ** 2 * al * nu / (2 * Pf) * (1 - P * q ** (P - 1) + (P - 1) * q ** P))
            e = -n ** P / Pf - beta * al * nu / Pf * (1 - q ** P)
            rep = beta ** 2 * al * nu * q ** (P - 2) / math.factorial(P - 2) * mo["Es4"]
            return dict(m=mo["Et"], n=n, q=q, free_energy=-A / beta, energy=e,
                        entropy=beta * e + A, replicon=rep)
        spec = c["spec"]
        if T0:
            C = x[1]
            rr = sum(mult * ck * ck / (1 - ck * C) ** 2 for ck, mult in spec)
            mo = _moments0(lawb, n, np.sqrt(al * rr))
            e = -n * n / 2 - al / 2 * sum(mult * (ck / (1 - ck * C) - ck) for ck, mult in spec) - al / 2 * rr * C
            # T -> 0 of the RS entropy (AGS: -(alpha/2)[ln(1 - C) + C/(1 - C)], one term per block)
            s0 = -al / 2 * sum(mult * (np.log1p(-ck * C) + ck * C / (1 - ck * C)) for ck, mult in spec)
            return dict(m=mo["Et"], n=n, q=np.ones(nb), free_energy=e, energy=e, entropy=s0,
                        replicon=np.where(al > 0, np.inf, 0.0) + 0.0 * C, C=C)
        q = np.clip(x[1], 0, 1)
        D = [1 - beta * ck * (1 - q) for ck, _ in spec]
        rr = sum(mult * ck * ck * q / Dk ** 2 for (ck, mult), Dk in zip(spec, D))
        mo = _moments(lawb, n, np.sqrt(al * rr), np.full(nb, beta))
        with np.errstate(invalid="ignore", divide="ignore"):
            A = (math.log(2) + mo["Elc"] - beta * n * n / 2
                 - al / 2 * sum(mult * (np.log(Dk) - beta * ck * q / Dk + beta * ck)
                                for (ck, mult), Dk in zip(spec, D))
                 - al * beta ** 2 * rr * (1 - q) / 2)
            e = (-n * n / 2 - al / 2 * sum(mult * (ck / Dk - ck) for (ck, mult), Dk in zip(spec, D))
                 - al / 2 * beta * rr * (1 - q))
            rep = al * beta ** 2 * sum(mult * ck * ck / Dk ** 2 for (ck, mult), Dk in zip(spec, D)) * mo["Es4"]
        return dict(m=mo["Et"], n=n, q=q, free_energy=-A / beta, energy=e, entropy=beta * e + A,
                    replicon=rep)

    def _starts(self, c, T0, branch, init):
        n1 = float(c["law"].mean_abs()[0])
        if init is not None:   # a missing or NaN entry (e.g. C from a T > 0 row) takes the default
            get = lambda k, d: d if not np.isfinite(init.get(k, np.nan)) else float(init[k])
            x = [get("n", n1), get("C" if (T0 and c["P"] == 2) else "q", 1.0)]
            return [("init", x[:1] if (T0 and c["P"] >= 3) else x)]
        if T0:
            if c["P"] >= 3:
                s = {"retrieval": [n1], "spin-glass": [0.0]}
            else:
                s = {"retrieval": [n1, 0.0], "retrieval-b": [0.8 * n1, 0.3], "spin-glass": [0.0, 0.5]}
        else:
            # P = 2 needs D = 1 - beta c (1 - q) > 0 at the start: q = 0.999 fails for beta >= 1000
            q_sg = 0.999 if c["P"] >= 3 else max(0.999, 1.0 - 0.5 / c["beta"])
            s = {"retrieval": [n1, 1.0], "retrieval-b": [0.85 * n1, 0.9], "spin-glass": [0.0, q_sg],
                 "paramagnet": [0.0, 0.0]}
            if c["P"] == 2 and c["beta"] >= 1 and branch != "paramagnet":
                del s["paramagnet"]   # q = 0 needs 1 - beta (1 - q) > 0 (AGS: T > 1)
        if branch is not None:
            if branch not in s:
                raise ParameterError(f"branch={branch!r} is not one of {', '.join(k for k in s if k[-2:] != '-b')}")
            return [(k, v) for k, v in s.items() if k.split("-b")[0] == branch]
        return list(s.items())

    def _solve_point(self, d, branch=None, init=None, tol=1e-11):
        c = self._ctx(d)
        T0 = np.isinf(c["beta"])
        starts = self._starts(c, T0, branch, init)
        x0 = np.array([s for _, s in starts], float).T
        if T0 and c["P"] >= 3:
            bounds = ([0.0], [10.0])
        elif T0:
            bounds = ([0.0, 0.0], [10.0, 1.0 - 1e-12])
        else:
            bounds = ([0.0, 0.0], [10.0, 1.0])
        F = lambda x, p: self._map(c, x, T0)
        fp = solve_fixed_point(F, x0, {}, tol=tol, bounds=bounds, maxiter=120)
        # plain iteration from the same starts (monotone from above near spinodals); not where the
        # map is undefined at the start (P = 2: D = 1 - beta c (1 - q) <= 0), which it cannot leave
        bad = np.nonzero(~fp.converged & np.isfinite(fp.residual))[0]
        if bad.size:
            fb = solve_fixed_point(F, x0[:, bad], {}, tol=tol, bounds=bounds, maxiter=4000,
                                   newton=False, damping=1.0)
            better = fb.residual < fp.residual[bad]
            idx = bad[better]
            fp.x[:, idx], fp.residual[idx] = fb.x[:, better], fb.residual[better]
            fp.converged[idx], fp.iterations[idx] = fb.converged[better], fb.iterations[better]
        obs = self._observables(c, fp.x, T0)
        rows = []
        for k in range(x0.shape[1]):
            row = {key: float(v[k]) for key, v in obs.items()}
            row.update(converged=bool(fp.converged[k]), residual=float(fp.residual[k]),
                       iterations=int(fp.iterations[k]), start=starts[k][0])
            row["branch"] = str(states.classify(row["n"], row["q"]))
            rows.append(row)
        ok = [r for r in rows if r["converged"] and np.isfinite(r["free_energy"])]
        if branch == "retrieval" and init is None:
            # several retrieval solutions can coexist (discrete class-average law): report the
            # one closest to the archetype (largest n), i.e. the branch continued from n = E|xi~|
            ret = [r for r in ok if r["branch"] == "retrieval"]
            best = max(ret, key=lambda r: r["n"]) if ret else (ok[0] if ok else rows[0])
        elif branch is not None or init is not None:
            best = rows[0]
        else:
            # the thermodynamic state (theory/states.py): n = 0 sector by its largest f, then
            # the lowest f across sectors; n is the condensed order parameter
            i, sel = states.select_rows(rows, condensed_key="n")
            best = dict(rows[i], converged=bool(rows[i]["converged"] and sel.found[0]))
            if not sel.found[0] or sel.excluded[0]:
                best["selection"] = states.message(sel)
        best = dict(best)
        best["all_branches"] = rows
        return best, c

    # ---- 1RSB (P >= 3, T > 0) --------------------------------------------------------------
    def _rsb_parts(self, c, X, full=True):
        """Per-atom 1RSB averages through the p-spin engine (signal field = kappa xi~ per atom);
        without ``full`` only what :meth:`_rsb_map` needs (no m, s4)."""
        from ..theory.pspin import PSpinEngine
        P, law, beta = c["P"], c["law"], c["beta"]
        if law.kind == "gaussian":
            zz, ws = hermite(quaderr.nodes(48))
            xs = law.a0[0] + law.s[0] * zz
        else:
            keep = law.w[0] > 0
            xs, ws = law.x[0][keep], law.w[0][keep]
        n, q0, q1, x = (np.maximum(X[0], 0.0), np.clip(X[1], 0, 1), np.clip(X[2], 0, 1),
                        np.clip(X[3], 1e-9, 1.0))
        q0 = np.minimum(q0, q1)
        eng = PSpinEngine((P,), p_ferro=P)
        nb = X.shape[1]
        shape = (nb, len(xs))
        cP = c["alpha"] * c["nu"] / math.factorial(P)
        prm = {"beta": np.full(shape, beta), "a0": np.zeros(shape), "c%d" % P: np.full(shape, cP),
               "h": (n ** (P - 1) / c["fact"])[:, None] * xs[None, :]}
        b = lambda v: np.broadcast_to(v[:, None], shape)
        av = eng.rsb_averages(np.zeros(shape), b(q0), b(q1), b(x), prm, full=full, estimate=full)
        E = lambda a: np.sum(a * ws, -1)
        Dq = (q1 * P * cP * q1 ** (P - 1) - cP * q1 ** P) - (q0 * P * cP * q0 ** (P - 1) - cP * q0 ** P)
        out = dict(n=E(av["t"] * xs), tt=E(av["tt"]), t2=E(av["t2"]), lnZ=E(av["lnZ"]),
                   lc=E(av["lc"]), D=Dq, cP=cP, q0=q0, q1=q1, x=x, nn=n)
        if full:
            out.update(m=E(av["t"]), s4=E(av["s4"]))
        return out

    def _rsb_map(self, c, X):
        a = self._rsb_parts(c, X, full=False)   # the replicon's s4 only at the solution
        beta, P = c["beta"], c["P"]
        gx = -a["lnZ"] / a["x"] ** 2 + a["lc"] / a["x"] - 0.5 * beta ** 2 * a["D"]
        return np.stack([a["n"], a["tt"], a["t2"], a["x"] - gx / (beta ** 2 * P * a["cP"] + 1e-300)])

    def _rsb_observables(self, c, X):
        a = self._rsb_parts(c, X)
        beta, P = c["beta"], c["P"]
        cP, q0, q1, x, n = a["cP"], a["q0"], a["q1"], a["x"], a["nn"]
        xi = lambda q: cP * q ** P
        A = (math.log(2) + a["lnZ"] / x - beta * (P - 1) * n ** P / math.factorial(P)
             + 0.5 * beta ** 2 * (xi(1.0) - xi(q1) - (1 - q1) * P * cP * q1 ** (P - 1) - x * a["D"]))
        e = -n ** P / math.factorial(P) - beta * (xi(1.0) - (1 - x) * xi(q1) - x * xi(q0))
        rep = beta ** 2 * P * (P - 1) * cP * q1 ** (P - 2) * a["s4"]
        return dict(m=a["m"], n=n, q0=q0, q1=q1, x=x, free_energy=-A / beta, energy=e, entropy=beta * e + A,
                    replicon=rep)

    def _solve_point_1rsb(self, d, branch=None, init=None, tol=1e-10):
        if d["P"] < 3 or np.isinf(d["beta"]):
            raise ParameterError("level=1rsb is implemented for P >= 4 at T > 0 (RS covers P = 2 and T = 0)")
        rs, c = self._solve_point(d, branch=branch)
        n0, q = rs["n"], rs["q"]
        if init is not None:
            x0 = [[init.get("n", n0), init.get("q0", 0.5 * q), init.get("q1", max(q, 0.9)), init.get("x", 0.5)]]
        else:
            x0 = [[n0, 0.3 * q, min(1.0, 0.5 + 0.5 * q), 0.5], [n0, 0.05, 0.95, 0.3], [n0, q, q, 1.0]]
        X0 = np.array(x0, float).T
        fp = solve_fixed_point(lambda X, p: self._rsb_map(c, X), X0, {}, tol=tol, maxiter=80,
                               bounds=([0.0, 0.0, 0.0, 1e-6], [10.0, 1.0, 1.0, 1.0]))
        obs = self._rsb_observables(c, fp.x)
        rows = []
        for k in range(X0.shape[1]):
            row = {key: float(v[k]) for key, v in obs.items()}
            row.update(converged=bool(fp.converged[k]), residual=float(fp.residual[k]),
                       iterations=int(fp.iterations[k]))
            rows.append(row)
        # every start expands the RS saddle ``rs``: one sector, whose physical 1RSB value is the
        # largest f over the glass parameters (theory/states.py, rule 1); a start that fell to
        # n = 0 is a saddle of the other sector, compared by the lowest f (rule 2)
        for r in rows:
            r["sector"] = "expanded" if states.condensed(r["n"]) else states.GLASSY
        i, sel = states.select_rows(rows, condensed_key="n")
        best = dict(rows[i], converged=bool(rows[i]["converged"] and sel.found[0]))
        best.pop("sector")
        best["branch"] = str(states.classify(best["n"], best["q1"]))
        best["rs"] = {"m": rs["m"], "n": rs["n"], "q": rs["q"], "free_energy": rs["free_energy"]}
        return best, c

    # ---- public interface ---------------------------------------------------------------
    batched = False   # each point is one small batched Newton over its starts: the base class loops

    def solve_point(self, level, branch, init, d):
        """One point (validated ``d``) as a row. ``branch`` = retrieval | spin-glass | paramagnet;
        default: the thermodynamic state (:mod:`statmech_nn.theory.states`: the n = 0 sector's
        value is the larger f of paramagnet and spin glass, then the lower f of that and
        retrieval). ``level='1rsb'``: P >= 4, T > 0, started from the RS solution of the same
        branch (q0 = q1 or x = 1 is the RS manifold)."""
        common = ("free_energy", "energy", "entropy", "replicon", "converged", "residual", "iterations",
                  "branch")
        if level == "1rsb":
            row, c = self._solve_point_1rsb(d, branch=branch, init=init)
            out = {k: row[k] for k in ("m", "n", "q0", "q1", "x") + common}
            out["q"] = row["q1"]
            out["rs"] = row["rs"]
        else:
            row, c = self._solve_point(d, branch=branch, init=init)
            out = {k: row[k] for k in ("m", "n", "q") + common}
            out["C"] = row.get("C", np.nan)          # T = 0, P = 2: C = lim beta (1 - q)
            out["branches"] = {r["start"]: {"branch": r["branch"], "m": r["m"], "n": r["n"], "q": r["q"],
                                            "free_energy": r["free_energy"], "converged": r["converged"]}
                               for r in row["all_branches"]}
            out["selection"] = {"note": row.get("selection", "")}   # a dict: kept out of solve_batch
        out.update(alpha_eff=float(c["alpha"]), noise_factor=float(c["nu"]), rho=float(d["rho"]))
        return out

    def point_result(self, level, branch, d, row):
        params = {k: v for k, v in d.items() if v is not None}
        extra = dict(alpha_eff=row["alpha_eff"], noise_factor=row["noise_factor"], rho=row["rho"],
                     convention=self.convention, **self.law_note(d))
        if level == "1rsb":
            ops = {k: row[k] for k in ("m", "n", "q0", "q1", "x", "q")}
            return make_result(self.name, level, params, ops, row["free_energy"], row["energy"],
                               row["entropy"], row["converged"], row["residual"], row["iterations"],
                               stability={"replicon": row["replicon"]}, branch=row["branch"],
                               message="1RSB via the p-spin engine, per class-average atom",
                               rs=row["rs"], **extra)
        ops = {"m": row["m"], "n": row["n"], "q": row["q"]}
        if np.isfinite(row["C"]):
            ops["C"] = row["C"]
        if self.protocol == "unsupervised" and d["P"] >= 3:
            extra["example_state"] = example_state_check(d["P"], d["r"], d["M"], self.law_of(d))
        msg = "learning: m is the archetype overlap (n > 0 alone is not learning)"
        if row["selection"]["note"]:
            msg += "; " + row["selection"]["note"]
        return make_result(self.name, level, params, ops, row["free_energy"], row["energy"], row["entropy"],
                           row["converged"], row["residual"], row["iterations"],
                           stability={"replicon": row["replicon"]}, branch=row["branch"], message=msg,
                           branches=row["branches"], **extra)

    # ---- T = 0 capacity --------------------------------------------------------------
    def capacity(self, level="rs", **params):
        """Largest alpha with a retrieval solution at T = 0 (RS), at given (r, M) or rho.

        P >= 3 in closed form: tau_c = (1/2) [max_x E[xi~ erf(x xi~)] x^(-1/(P-1))]^(2(P-1)),
        alpha_c = tau_c / ((P-1)! nu) (times N^(P-1-b) with a sub-saturated load).
        P = 2: bisection on the existence of the AGS-type retrieval solution.
        """
        if self.check_level(level) != "rs":
            raise ParameterError("capacity is computed at RS (T = 0); 1RSB capacity is not implemented")
        params = dict(params)
        params.pop("T", None)
        params.pop("beta", None)
        params.setdefault("alpha", 0.0)
        d = self.check_params(dict(params, T=0))
        P = d["P"]
        scale = 1.0
        if d.get("b") is not None:
            scale = d["N"] ** (d["b"] - (P - 1))
        law = self.law_of(d)
        if P >= 3:
            tau, xs = tau_c(P, law)
            tau, xs = float(tau[0]), float(xs[0])
            nu = self.nu(d)
            ac = tau / (math.factorial(P - 1) * nu * scale)
            n = (xs * math.sqrt(2 * tau)) ** (1 / (P - 1))
            m = float(law.Gm(np.array([[xs]]))[0, 0])
            return make_capacity(self.name, level, d, {"m": m, "n": n, "q": 1.0}, np.nan, np.nan, 0.0, True, 0.0, 0,
                               branch="retrieval", message="RS T = 0 retrieval spinodal (closed form)",
                               alpha_c=ac, tau_c=tau, noise_factor=nu, **self.law_note(d))
        ac, ys = alpha_c_p2(law, self.spectrum(d))
        ac, ys = float(ac[0]), float(ys[0])
        n = float(law.G(np.array([[ys]]))[0, 0])
        m = float(law.Gm(np.array([[ys]]))[0, 0])
        return make_capacity(self.name, level, d, {"m": m, "n": n, "q": 1.0}, np.nan, np.nan, 0.0, True, 0.0, 0,
                           branch="retrieval", message="RS T = 0 retrieval spinodal of the AGS-type "
                           "P = 2 theory: alpha_c = max_y G(y)^2 / (2 y^2 rr(y))", alpha_c=ac / scale,
                           **self.law_note(d))

    def _exists(self, d, warm=None):
        """The retrieval row if a retrieval solution exists at d (warm-started), else None.

        At T = 0 decided in closed form (alpha_eff <= alpha_c), then solved."""
        if np.isinf(d["beta"]):
            law = self.law_of(d)
            if d["P"] >= 3:
                ac = float(tau_c(d["P"], law)[0][0]) / (math.factorial(d["P"] - 1) * self.nu(d))
            else:
                ac = float(alpha_c_p2(law, self.spectrum(d))[0][0])
            if self.alpha_eff(d) > ac:
                return None
            row, _ = self._solve_point(d, branch="retrieval")
            return row
        inits = []
        if warm is not None:
            key = "C" if (np.isinf(d["beta"]) and d["P"] == 2) else "q"
            inits.append({"n": warm["n"], key: warm.get(key, warm["q"])})
        inits.append(None)
        for ini in inits:
            row, _ = self._solve_point(d, branch=None if ini is not None else "retrieval", init=ini)
            if row["converged"] and row["n"] > 1e-3 and row["m"] > 1e-9:
                return row
        return None

    # ---- learning threshold ---------------------------------------------------------------
    def threshold(self, alpha, r, T=0.0, P=4, law="binomial", M_max=1e7, b=None, N=None):
        """Learning threshold M_c(alpha, r, T): the smallest M above which the retrieval
        (archetype-aligned) state exists for every larger M (the upper end of the
        no-retrieval window; small-M example retrieval of the unsupervised model does not
        count). Returns a :class:`~statmech_nn.core.typed.Threshold` with M_c (inf: no learning even as M -> inf; 1: retrieval at
        every M), m and n at M_c, and ``sharp`` (False when m grows smoothly)."""
        M_max = check_range("M_max", M_max, lo=1.0)
        base = dict(P=P, alpha=alpha, r=r, law=law, T=T, b=b, N=N)
        base = {k: v for k, v in base.items() if v is not None}
        d0 = self.check_params(dict(base, M=1))
        if d0["r"] <= 0:
            return Threshold(M_c=math.inf, converged=True, message="r = 0: examples carry no information")
        integer = law == "binomial"

        def exists(M):
            d = self.check_params(dict(base, M=M))
            if d["P"] >= 3 and np.isinf(d["beta"]):
                cap = self.capacity(**{k: v for k, v in base.items() if k != "T"}, M=M)
                return cap["alpha_c"] >= alpha, cap
            row = self._exists(d)
            return row is not None, row

        grid = np.unique(np.round(np.geomspace(1, M_max, 45))) if integer else np.geomspace(1, M_max, 45)
        ok = [exists(float(M))[0] for M in grid]
        if not ok[-1]:
            return Threshold(M_c=math.inf, sharp=True, converged=True,
                        message=f"no retrieval up to M = {M_max:g}: alpha is "
                        "above the storage capacity at this T")
        fails = [i for i, v in enumerate(ok) if not v]
        if not fails:
            res = self.solve(**dict(base, M=1.0 if not integer else 1), branch="retrieval")
            return Threshold(M_c=1.0, sharp=False, m=res.order_parameters["m"], n=res.order_parameters["n"],
                        converged=bool(res.converged), message="retrieval exists at every M >= 1: no sharp threshold (m grows smoothly)")
        lo, hi = grid[fails[-1]], grid[fails[-1] + 1]
        if integer:
            while hi - lo > 1:
                mid = float(int((lo + hi) // 2))
                if exists(mid)[0]:
                    hi = mid
                else:
                    lo = mid
        else:
            while hi - lo > 1e-7 * hi:
                mid = 0.5 * (lo + hi)
                if exists(mid)[0]:
                    hi = mid
                else:
                    lo = mid
        res = self.solve(**dict(base, M=hi), branch="retrieval")
        clt = (f"; M > {L.M_CLT:g} was searched with the CLT form of the binomial law "
               "(error O(1/M))") if L.clt_note(law, M_max) else ""
        return Threshold(M_c=float(hi), sharp=True, m=res.order_parameters["m"], n=res.order_parameters["n"],
                    rho_c=float(L.rho_of(r, hi)), converged=bool(res.converged),
                    message="smallest M with an archetype-retrieval solution for all larger M" + clt,
                    **self.law_note(dict(law=law, M=hi)))


def tau_c(P, law, xgrid=None):
    """T = 0 RS retrieval spinodal tau_c = alpha_c (P-1)! nu for each batch element of ``law``.

    Returns (tau_c, x*) with x* = n^(P-1)/sqrt(2 tau) at the spinodal."""
    if xgrid is None:
        xgrid = np.geomspace(1e-3, 1e3, 400)
    k = 1.0 / (P - 1)
    g = law.G(np.broadcast_to(xgrid, (len(law.mean_abs()), len(xgrid)))) * xgrid ** (-k)
    i = np.argmax(g, axis=-1)
    taus, xs = [], []
    for j in range(g.shape[0]):
        lawj = law.take(np.array([j]))
        f = lambda lx: -float(lawj.G(np.array([[math.exp(lx)]]))[0, 0]) * math.exp(-k * lx)
        lo = math.log(xgrid[max(i[j] - 1, 0)])
        hi = math.log(xgrid[min(i[j] + 1, len(xgrid) - 1)])
        opt = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-12})
        gmax = -opt.fun
        taus.append(0.5 * gmax ** (2 * (P - 1)))
        xs.append(math.exp(opt.x))
    return np.array(taus), np.array(xs)


def example_state_check(P, r, M, law):
    """Unsupervised, alpha = 0, T = 0: energy per spin of a memorised-example state
    (s = eta^{1,a}: m_a = 1, m_b = r^2) vs the symmetric (archetype-like) state s = sign(xi~).

    e_example = -(1 + (M-1) r^{2P}) / (M R^{P/2} P!),  e_symmetric = -E|xi~|^P / P!.
    ``memorising`` is True when the examples are lower: the RS symmetric ansatz then misses the
    ground states (MC from random starts finds the examples)."""
    Pf = math.factorial(P)
    R = float(L.R_of(r, M))
    e_ex = -(1 + (M - 1) * r ** (2 * P)) / (M * R ** (P / 2) * Pf)
    e_sym = -float(law.mean_abs()[0]) ** P / Pf
    return {"energy_example": e_ex, "energy_symmetric": e_sym, "memorising": bool(e_ex < e_sym),
            "M_r^P": M * r ** P, "note": "alpha = 0, T = 0 comparison; examples are outside the RS symmetric ansatz"}


def alpha_c_p2(law, spec, ygrid=None):
    """T = 0 capacity of the AGS-type P = 2 theory for each batch element of ``law``.

    With y = n / sqrt(2 alpha rr): n = G(y) = E[xi~ erf(y xi~)],
    C = sqrt2 y K(y)/G(y) (K = sqrt(2/pi) E exp(-y^2 xi~^2)), rr = sum_k mult c_k^2/(1 - c_k C)^2,
    and alpha(y) = G^2 / (2 y^2 rr); retrieval exists iff alpha <= max_y alpha(y).
    Returns (alpha_c, y*)."""
    if ygrid is None:
        ygrid = np.geomspace(1e-2, 30, 600)

    def alpha_of(lawj, y):
        y = np.atleast_2d(y)
        G, K = lawj.G(y), lawj.K(y)
        C = SQ2 * y * K / G
        rr = 0.0
        bad = np.zeros_like(C, bool)
        for ck, mult in spec:
            Dk = 1 - ck * C
            bad |= Dk <= 0
            rr = rr + mult * ck * ck / np.where(Dk > 0, Dk, 1.0) ** 2
        return np.where(bad, 0.0, G * G / (2 * y * y * rr))

    acs, ys = [], []
    for j in range(len(law.mean_abs())):
        lawj = law.take(np.array([j]))
        a = alpha_of(lawj, ygrid[None, :])[0]
        i = int(np.argmax(a))
        lo, hi = math.log(ygrid[max(i - 1, 0)]), math.log(ygrid[min(i + 1, len(ygrid) - 1)])
        opt = optimize.minimize_scalar(lambda ly: -float(alpha_of(lawj, np.array([[math.exp(ly)]]))[0, 0]),
                                       bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
        acs.append(-opt.fun)
        ys.append(math.exp(opt.x))
    return np.array(acs), np.array(ys)


# the storage models these coincide with (README): r = 1 (every example is the pattern) at
# P = 2 is hopfield, at P >= 4 dense-hebbian, at every T; the P = 2 grid crosses 1 < T < 1 + sqrt(alpha)
_HOPFIELD_GRID = {"alpha": [0.02, 0.05, 0.1], "T": [0.0, 0.2, 0.9, 1.1, 1.2, 1.3, 1.6]}
_DENSE_GRID = {"alpha": [0.005, 0.02, 0.04, 0.07], "T": [0.0, 0.02, 0.05, 0.08, 0.12]}


def _learning_contract(M_storage):
    return Contract(
        points=(Point(dict(P=4, alpha=0.01, T=0.03, r=0.8, M=10)),
                Point(dict(P=2, alpha=0.05, T=0.3, r=0.8, M=10)),
                Point(dict(P=4, alpha=0.004, T=0.02, rho=0.2, r=0.8, law="gaussian")),
                Point(dict(P=4, alpha=0.01, T=0.03, r=1.0, M=1), level="1rsb")),
        zero_T=(Point(dict(P=4, alpha=0.01, T=0, r=0.8, M=10), branch="retrieval"),
                Point(dict(P=2, alpha=0.02, T=0, r=0.8, M=10), branch="retrieval")),
        coincide=(Coincidence("hopfield", dict(P=2, r=1.0, M=M_storage), {}, _HOPFIELD_GRID),
                  Coincidence("dense-hebbian", dict(P=4, r=1.0, M=M_storage), dict(P=4), _DENSE_GRID)),
        tolerances={"zero_T_step": 0.004})


class Supervised(_Learning):
    """Dense Hebbian network learning from noisy examples with a teacher (class averages)."""
    protocol = "supervised"
    contract = _learning_contract(M_storage=1)


class Unsupervised(_Learning):
    """Dense Hebbian network learning from noisy examples without a teacher (every example)."""
    protocol = "unsupervised"
    contract = _learning_contract(M_storage=3)
