"""Law of the normalised class average and the dataset constants (r, M, rho).

Data model: archetype xi = +1 (gauge), examples eta_a = chi_a xi with
P(chi = +1) = (1 + r)/2, a = 1..M; S = sum_a chi_a, (M + S)/2 ~ Binomial(M, (1+r)/2).

* rho = (1 - r^2)/(M r^2)                      dataset entropy (Var of S/(rM))
* R   = r^2 + (1 - r^2)/M = r^2 (1 + rho)      E[(S/M)^2]
* xi~ = S/(M sqrt(R))                          normalised class average, E xi~^2 = 1 exactly
* CLT form: xi~ = a0 + s lam, lam ~ N(0,1), a0 = 1/sqrt(1+rho), s = sqrt(rho/(1+rho))
* rho_P = (1 - r^{2P})/(M r^{2P})              unsupervised cross-talk entropy
* nu = (1 + rho_P)/(1 + rho)^P = (1 + (M-1) r^{2P})/(M R^P)  unsupervised noise factor
  (nu = 1 at M = 1, at r = 1 and for M -> inf).
"""
import math

import numpy as np
from scipy import special

from ..core.budget import check_alloc

#: binomial atoms are exact up to this many significant atoms; beyond, atoms are
#: merged into this many bins on each side of S = 0 (weighted mean positions).
MAX_ATOMS = 801

#: above this M, ``law='binomial'`` is evaluated with the CLT law (:func:`law_for`). The CLT
#: error is O(1/M) (the third cumulant of xi~ is -2 rho / (M (1+rho)^(3/2))): measured against
#: the exact (unbinned) binomial law at M = 1e6 it is <= 1.2e-7 in G, Gm and tau_c (rho = 0.1, 1,
#: 10), smaller than the error of the 801-bin form used between ~1e4 and 1e6 (2.6e-7 to 2.9e-5);
#: at M = 4e7 it is 3e-9 (tests/test_learning_laws.py). Without the switch M = 1e15 would need ~1e9 atoms (8 GB each).
M_CLT = 1e6


def _binom_pmf(k, M, p):
    """Binomial(M, p) pmf at integer k (log-space; no scipy.stats import)."""
    k = np.asarray(k, float)
    lc = special.gammaln(M + 1) - special.gammaln(k + 1) - special.gammaln(M - k + 1)
    with np.errstate(divide="ignore"):
        lp = k * np.log(p) if p > 0 else np.where(k == 0, 0.0, -np.inf)
        lq = (M - k) * np.log1p(-p) if p < 1 else np.where(k == M, 0.0, -np.inf)
    return np.exp(lc + lp + lq)


def rho_of(r, M):
    r = np.asarray(r, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, (1 - r * r) / (np.asarray(M, float) * r * r), np.inf)


def R_of(r, M):
    r = np.asarray(r, float)
    return r * r + (1 - r * r) / np.asarray(M, float)


def M_of(r, rho):
    r = np.asarray(r, float)
    return (1 - r * r) / (np.asarray(rho, float) * r * r)


def nu_unsupervised(P, r, M):
    """Unsupervised cross-talk factor (1 + (M-1) r^{2P}) / (M R^P)."""
    r = np.asarray(r, float)
    M = np.asarray(M, float)
    return (1 + (M - 1) * r ** (2 * P)) / (M * R_of(r, M) ** P)


def rho_P(P, r, M):
    r = np.asarray(r, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(r > 0, (1 - r ** (2 * P)) / (np.asarray(M, float) * r ** (2 * P)), np.inf)


class GaussianLaw:
    """xi~ = a0 + s * lam (CLT); every expectation reduces to one Gaussian in the field."""
    kind = "gaussian"

    def __init__(self, rho):
        rho = np.atleast_1d(np.asarray(rho, float))
        with np.errstate(invalid="ignore"):
            self.a0 = np.where(np.isinf(rho), 0.0, 1 / np.sqrt(1 + rho))
            self.s = np.where(np.isinf(rho), 1.0, np.sqrt(rho / (1 + rho)))
        self.rho = rho

    def take(self, idx):
        out = GaussianLaw.__new__(GaussianLaw)
        out.a0, out.s, out.rho = self.a0[idx], self.s[idx], self.rho[idx]
        return out

    def mean_abs(self):
        a, s = self.a0, self.s
        with np.errstate(divide="ignore", invalid="ignore"):
            v = a * special.erf(a / (s * np.sqrt(2))) + s * np.sqrt(2 / np.pi) * np.exp(-a * a / (2 * s * s))
        return np.where(s > 0, v, np.abs(a))

    def G(self, x):
        """E[xi~ erf(x xi~)] for x of shape (batch, k)."""
        a, s = self.a0[:, None], self.s[:, None]
        d = np.sqrt(1 + 2 * x * x * s * s)
        return a * special.erf(x * a / d) + s * s * x * 2 / np.sqrt(np.pi) * np.exp(-x * x * a * a / (d * d)) / d

    def K(self, x):
        """sqrt(2/pi) E[exp(-x^2 xi~^2)]."""
        a, s = self.a0[:, None], self.s[:, None]
        d2 = 1 + 2 * x * x * s * s
        return np.sqrt(2 / np.pi) * np.exp(-x * x * a * a / d2) / np.sqrt(d2)

    def Gm(self, x):
        """E[erf(x xi~)]."""
        a, s = self.a0[:, None], self.s[:, None]
        return special.erf(x * a / np.sqrt(1 + 2 * x * x * s * s))


class BinomialLaw:
    """Exact law of xi~ = S/(M sqrt R): atoms ``x`` and weights ``w`` of shape (batch, L)."""
    kind = "binomial"

    def __init__(self, r, M):
        r = np.atleast_1d(np.asarray(r, float))
        M = np.atleast_1d(np.asarray(M, float))
        r, M = np.broadcast_arrays(r, M)
        rows = [self._atoms(ri, int(round(Mi))) for ri, Mi in zip(r.ravel(), M.ravel())]
        L = max(len(a) for a, _ in rows)
        self.x = np.zeros((len(rows), L))
        self.w = np.zeros((len(rows), L))
        for k, (a, w) in enumerate(rows):
            self.x[k, :len(a)] = a
            self.w[k, :len(w)] = w
        self.r, self.M = r.ravel(), M.ravel()

    @staticmethod
    def _atoms(r, M):
        p = (1 + r) / 2
        sd = math.sqrt(M * p * (1 - p))
        klo, khi = max(0, int(M * p - 40 * sd - 2)), min(M, int(M * p + 40 * sd + 2))
        check_alloc(6 * 8 * (khi - klo + 1), f"the binomial law at M={M:g}",
                    "use law='gaussian' (CLT) for large M")
        k = np.arange(klo, khi + 1)
        S = 2 * k - M
        w = _binom_pmf(k, M, p)
        keep = w > 1e-18 * w.max()
        S, w = S[keep], w[keep]
        w = w / w.sum()
        x = S / (M * np.sqrt(r * r + (1 - r * r) / M))
        if len(x) > MAX_ATOMS:  # merge into bins that never straddle S = 0
            xs, ws = [], []
            for sel in (x < 0, x == 0, x > 0):
                xx, ww = x[sel], w[sel]
                if len(xx) == 0:
                    continue
                nb = min(len(xx), MAX_ATOMS // 2)
                edges = np.linspace(0, len(xx), nb + 1).astype(int)
                for lo, hi in zip(edges[:-1], edges[1:]):
                    if hi > lo and ww[lo:hi].sum() > 0:
                        ws.append(ww[lo:hi].sum())
                        xs.append(np.dot(xx[lo:hi], ww[lo:hi]) / ws[-1])
            x, w = np.array(xs), np.array(ws)
        return x, w

    def take(self, idx):
        out = BinomialLaw.__new__(BinomialLaw)
        out.x, out.w, out.r, out.M = self.x[idx], self.w[idx], self.r[idx], self.M[idx]
        return out

    def mean_abs(self):
        return np.sum(self.w * np.abs(self.x), -1)

    def G(self, x):
        return np.sum(self.w[:, None, :] * self.x[:, None, :]
                      * special.erf(x[..., None] * self.x[:, None, :]), -1)

    def K(self, x):
        return np.sqrt(2 / np.pi) * np.sum(self.w[:, None, :] * np.exp(-(x[..., None] * self.x[:, None, :]) ** 2), -1)

    def Gm(self, x):
        return np.sum(self.w[:, None, :] * special.erf(x[..., None] * self.x[:, None, :]), -1)


def clt_note(kind, M):
    """Why the binomial law is evaluated in its CLT form at this M ('' when it is not)."""
    if kind != "binomial" or not M > M_CLT:
        return ""
    return (f"M = {M:g} > {M_CLT:g}: the binomial law is evaluated in its CLT form "
            f"(error O(1/M), <= 1.2e-7 at M = {M_CLT:g})")


def law_for(kind, r, M, rho):
    """The class-average law for ``kind`` ('binomial' | 'gaussian') at one (r, M, rho): the
    binomial law in its CLT form for M > M_CLT (see :func:`clt_note`)."""
    if kind == "gaussian" or clt_note(kind, M):
        return GaussianLaw(rho)
    return BinomialLaw(r, M)


def exact_low_load_m(r, M):
    """T = 0, alpha = 0 archetype overlap P(S > 0) - P(S < 0), (M+S)/2 ~ Bin(M, (1+r)/2)."""
    k = np.arange(M + 1)
    S = 2 * k - M
    w = _binom_pmf(k, M, (1 + r) / 2)
    return float(np.sum(w * np.sign(S)))
