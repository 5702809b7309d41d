"""Plefka / TAP mean-field "sampler": local fields evaluated on magnetisations.

Plefka (1982) expands the Gibbs free energy at fixed magnetisations m_i in powers of beta:

    -beta G(m) = S_0(m) - beta H(m) + (beta^2 / 2) V(m) + O(beta^3),

where H(m) is the multilinear extension of H (spins replaced by magnetisations; exact for
the distinct-index Hamiltonians, which are multilinear) and V(m) is the variance of H
under the product measure with means m, minus its part linear in the single-spin
fluctuations: ``V = sum_{|A| >= 2} (d_A H(m))^2 prod_{i in A} (1 - m_i^2)``.  Stationarity gives

    m_i = tanh(beta h_i),   h_i = -dH/dm_i + (beta/2) dV/dm_i    (order 2; order 1: V = 0).

* pairwise models (SK, Hopfield in coupling form): V = sum_{i<j} J_ij^2 (1-m_i^2)(1-m_j^2)
  exactly, and h_i = sum_j J_ij m_j - beta m_i sum_j J_ij^2 (1 - m_j^2): the TAP equations
  with the Onsager reaction term.
* Hopfield (P = 2) above N = 6000: the same exact pairwise term through the K x K matrix
  sum_j xi_j^mu xi_j^nu (1 - m_j^2), O(N K^2), without the N x N couplings.
* dense P-body Hebbian models: the exact V has pattern-pattern cross terms (O(K^2) work);
  we keep the diagonal mu = nu part and drop the O(1/N) exclusion of the differentiated
  sites: V ~ N^(2-2P) sum_mu w_mu^2 sum_{k=2}^P e_{P-k}(a^mu)^2 e_k(c^mu),
  a_j = xi_j m_j, c_j = xi_j^2 (1 - m_j^2).  O(N K P^2) per iteration.

Outputs: magnetisations, Mattis overlaps, energy U = H(m) - beta V(m) and free energy G.
Where it fails is documented in docs/mc.md (spin-glass phase, beta >~ 1 for SK; cross-talk
beyond the diagonal for dense models at K ~ N^(P-1); all-tuples Hamiltonians unsupported).
"""
import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import ParameterError, beta_from, check_choice, check_int, check_range
from .models import MCModel


def _esym_from_power_sums(p, P):
    """e_0..e_P (shape (P+1,) + p.shape[1:]) from power sums p[1..P] (p[0] unused)."""
    e = [np.ones_like(p[1])]
    for k in range(1, P + 1):
        acc = np.zeros_like(p[1])
        for j in range(1, k + 1):
            acc = acc + (-1) ** (j - 1) * e[k - j] * p[j]
        e.append(acc / k)
    return e


def _esym_vectors(X, P):
    """e_r(x^mu) for r = 0..P, X of shape (N, K) -> list of (K,) arrays."""
    p = [None] + [(X ** k).sum(0) for k in range(1, P + 1)]
    return _esym_from_power_sums(p, P)


def _excluded(e, X, r):
    """e_r(x^mu without site i), (N, K): sum_t (-x_i)^t e_{r-t}."""
    out = np.zeros_like(X)
    pw = np.ones_like(X)
    for t in range(r + 1):
        out += pw * e[r - t][None, :]
        pw = pw * (-X)
    return out


@dataclass(frozen=True, eq=False)
class PlefkaSampler:
    """Mean-field (order 1) or TAP (order 2) magnetisations of an :class:`MCModel`."""
    model: MCModel
    T: float | None = None
    beta: float | None = None
    order: int = 2
    damping: float = 0.5
    tol: float = 1e-10
    max_iter: int = 20000
    _MAX_N_COUPLING = 6000      # P = 2: build the N x N coupling matrix up to this N

    def __post_init__(self):
        m = self.model
        b = beta_from(self.T, self.beta)
        if math.isinf(b):
            raise ParameterError("the Plefka sampler needs T > 0")
        object.__setattr__(self, "beta", b)
        check_int("order", self.order, lo=1, hi=2)
        check_range("damping", self.damping, lo=0.0, hi=1.0, lo_open=True)
        if m.form == "hebbian" and m.variant != "distinct":
            raise ParameterError("the Plefka sampler needs the distinct-index (multilinear) "
                                 "Hamiltonian; variant='all-tuples' is not supported")
        W = None
        if m.form == "coupling":
            Jeff = m.scale * m.J
        elif m.P == 2 and m.N <= self._MAX_N_COUPLING:
            xi = m.patterns.astype(np.float64) * np.sqrt(np.abs(m.weights))[None, :]
            sg = np.sign(m.weights)
            Jeff = (xi * sg) @ xi.T / m.N
            np.fill_diagonal(Jeff, 0.0)
        else:
            Jeff = None
        if Jeff is not None:
            W = Jeff ** 2
        object.__setattr__(self, "_J", Jeff)
        object.__setattr__(self, "_W", W)

    # ---- H(m), -dH/dm, V(m), dV/dm ----------------------------------------------------
    # ``xe`` = _esym_m(mi) (hebbian form): computed once per iteration and shared by the
    # field, Onsager and energy methods instead of recomputed in each
    def _esym_m(self, mi):
        """x_i^mu = xi_i^mu m_i (N, K) and e_0..e_P(x^mu)."""
        X = self.model.patterns * mi[:, None]
        return X, _esym_vectors(X, self.model.P)

    def mean_energy(self, mi, xe=None):
        """H evaluated on magnetisations (the multilinear extension)."""
        m = self.model
        if self._J is not None:
            return float(-0.5 * mi @ self._J @ mi - m.field @ mi)
        X, e = self._esym_m(mi) if xe is None else xe
        return float(-float(m.N) ** (1 - m.P) * (e[m.P] @ m.weights) - m.field @ mi)

    def first_order_field(self, mi, xe=None):
        m = self.model
        if self._J is not None:
            return self._J @ mi + m.field
        X, e = self._esym_m(mi) if xe is None else xe
        ex = _excluded(e, X, m.P - 1)                 # e_{P-1}(x without i)
        return float(m.N) ** (1 - m.P) * ((m.patterns * ex) @ m.weights) + m.field

    def onsager(self, mi, xe=None):
        """(V(m), dV/dm) of the second-order term."""
        m = self.model
        c = 1.0 - mi ** 2
        if self._W is not None:
            Wc = self._W @ c
            return 0.5 * float(c @ Wc), -2.0 * mi * Wc
        P = m.P
        xi = m.patterns.astype(np.float64)
        if P == 2:   # exact pairwise Onsager term without the N x N matrix: O(N K^2)
            w = m.weights
            Acc = (xi * c[:, None]).T @ xi                    # (K, K): sum_j xi_j^mu xi_j^nu c_j
            xw = xi * w[None, :]
            diag = (xw * xi).sum(1)                           # sum_mu w_mu xi_i^mu^2
            Wc = (((xw @ Acc) * xw).sum(1) - diag ** 2 * c) / m.N ** 2
            return 0.5 * float(c @ Wc), -2.0 * mi * Wc
        A, ea = self._esym_m(mi) if xe is None else xe
        Cm = xi ** 2 * c[:, None]
        ec = _esym_vectors(Cm, P)
        pref2 = float(m.N) ** (2 - 2 * P)
        w2 = m.weights ** 2
        V = 0.0
        dV = np.zeros(m.N)
        for k in range(2, P + 1):
            V += pref2 * float((ea[P - k] ** 2 * ec[k]) @ w2)
            if P - k >= 1:
                da = xi * _excluded(ea, A, P - k - 1)        # d e_{P-k}(a) / d m_i
                dV += pref2 * ((2.0 * ea[P - k][None, :] * da * ec[k][None, :]) @ w2)
            dc = -2.0 * mi[:, None] * xi ** 2 * _excluded(ec, Cm, k - 1)
            dV += pref2 * ((ea[P - k][None, :] ** 2 * dc) @ w2)
        return V, dV

    def field(self, mi):
        xe = None if self._J is not None else self._esym_m(mi)
        h = self.first_order_field(mi, xe)
        if self.order == 2:
            _, dV = self.onsager(mi, xe)
            h = h + 0.5 * self.beta * dV
        return h

    # ---- solving ------------------------------------------------------------------------
    def solve(self, init="pattern", seed=0):
        """Damped iteration m <- (1-d) m + d tanh(beta h(m)) from ``init``
        ('pattern' (``0.9 xi^1 / |xi^1|``), 'random', 'zero' or an array)."""
        m = self.model
        b = self.beta
        if isinstance(init, str):
            check_choice("init", init, ("pattern", "random", "zero"))
            if init == "pattern" and m.patterns is not None:
                mi = 0.9 * np.sign(m.patterns[:, 0]).astype(np.float64)
            elif init == "random" or init == "pattern":
                mi = np.random.default_rng(seed).uniform(-0.5, 0.5, m.N)
            else:
                mi = np.zeros(m.N)
        else:
            mi = np.array(init, dtype=np.float64)
            if mi.shape != (m.N,):
                raise ParameterError(f"init must have length N={m.N}")
        d = self.damping
        res = np.inf
        it = 0
        for it in range(1, self.max_iter + 1):
            new = np.tanh(b * self.field(mi))
            res = float(np.max(np.abs(new - mi)))
            mi = (1 - d) * mi + d * new
            if res < self.tol:
                break
        xe = None if self._J is not None else self._esym_m(mi)
        H = self.mean_energy(mi, xe)
        V = self.onsager(mi, xe)[0] if self.order == 2 else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            pp, pm = (1 + mi) / 2, (1 - mi) / 2
            S0 = -np.sum(np.where(pp > 0, pp * np.log(pp), 0) + np.where(pm > 0, pm * np.log(pm), 0))
        N = m.N
        trk = m.track          # the recorded pattern (an archetype for the learning models)
        track = trk[:, 0] if trk.shape[1] else np.ones(N)
        return dict(
            model=m.name, order=self.order, T=1.0 / b, converged=bool(res < self.tol),
            iterations=it, residual=res, site_mag=mi,
            m=float(track @ mi / N), mag=float(mi.mean()), q=float(mi @ mi / N),
            energy=(H - b * V) / N, free_energy=(-S0 / b + H - 0.5 * b * V) / N,
        )
