"""Plefka / TAP (AMP) magnetisations of the binary-perceptron Gibbs measure exp(-beta E(w)).

Notation (derivations/perceptron_amp.py): F = A/sqrt(N), A[i, mu] = y_mu x_mu,i (label-folded,
feature-major, as the MC kernels store it), m_i = <w_i>, v_i = 1 - m_i^2, threshold kappa
(0 for training errors; the storage margin otherwise), channel Z_out(s, V) of
:mod:`.perceptron_channel`.

* **order 2 (TAP / AMP)**: the stationary points of the TAP free entropy

      Phi_TAP(m) = sum_i S(m_i) + sum_mu extr_s [ ln Z_out(s_mu, V_mu) + (s_mu - (F^T m)_mu)^2/(2 V_mu) ],
      V_mu = sum_i F_i,mu^2 v_i,   S(m) the binary entropy,

  i.e. the Plefka expansion to second order in the couplings F (terms beyond second order
  vanish for i.i.d. patterns at large N; Maillard et al. 2019), the channel kept exact.
  Stationarity gives the Onsager-corrected cavity mean s = F^T m - V g and
  m_i = tanh(B_i), B_i = (F g)_i + Lambda_i m_i, Lambda_i = -sum_mu F_i,mu^2 dg_mu: the
  fixed points of GAMP, iterated as

      s^t = F^T m^t - V^t g^{t-1},  g^t = g(s^t, V^t),  m^{t+1} = tanh(F g^t + Lambda^t m^t).

* **order 1 (naive mean field)**: the O(beta) truncation of Phi_TAP, which is also the
  Gibbs-Bogoliubov bound of the product measure: Phi_1(m) = sum_i S(m_i) - beta sum_mu
  H((s_mu - kappa)/sqrt(V_mu)), s = F^T m (no Onsager term), H the Gaussian tail (the
  probability that pattern mu is violated). Stationarity: m_i = tanh(beta h_i),
  h_i = sum_mu [F_i,mu phi(x_mu)/sqrt(V_mu) + F_i,mu^2 m_i x_mu phi(x_mu)/V_mu]. Needs T > 0.

``variance='uniform'`` (default) replaces F_i,mu^2 by the rank-one form c_mu d_i / sum(c)
(c_mu = sum_i F_i,mu^2, d_i = sum_mu F_i,mu^2): exact for +-1 inputs (F^2 = 1/N), O(1/sqrt N)
per element for Gaussian ones, and it leaves one matrix-vector product pair per iteration;
``'exact'`` uses F^2 itself (a second pair; the form the SymPy stationarity test checks).

Damping ``d`` (default 1: plain, undamped AMP): m <- (1-d) m + d tanh(B) on the magnetisations
only (damping g as well made the iteration oscillate in our runs).

Variance floor: V_mu >= c_mu/N. Once V_mu falls below the size of a single coupling squared
(~1/N) the expansion in the couplings no longer holds (one flip moves a stability by more
than its cavity spread); without the floor the messages of the satisfied patterns underflow
to zero near the perfect state and AMP falls back to m = 0 (a period-3 cycle at alpha = 2,
N = 1000). On the poor branch V ~ 1 - q >> 1/N and the floor is inactive.
Convergence: the residual of the *undamped* map, max_i abs(tanh(B_i) - m_i) < ``tol``.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import ParameterError, beta_from, check_choice, check_int, check_range
from ..core.quadrature import sech2
from .kernels_amp import amp_pass, project
from .perceptron_channel import channel, naive_field_terms
from .perceptron_model import PerceptronModel

INITS = ("zero", "random", "teacher")


def binary_entropy(m):
    """S(m) = -sum over w = +-1 of p ln p with p = (1 +- m)/2 (nats)."""
    m = np.clip(np.asarray(m, np.float64), -1.0, 1.0)
    a, b = 0.5 * (1 + m), 0.5 * (1 - m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(np.where(a > 0, a * np.log(a), 0.0) + np.where(b > 0, b * np.log(b), 0.0))


@dataclass(frozen=True, eq=False)
class PerceptronPlefka:
    """Mean-field (order 1) or TAP/AMP (order 2) magnetisations of a :class:`PerceptronModel`."""
    model: PerceptronModel
    T: float | None = None
    beta: float | None = None
    order: int = 2
    damping: float = 1.0
    tol: float = 1e-8
    max_iter: int = 1000
    variance: str = "uniform"

    def __post_init__(self):
        m = self.model
        if not isinstance(m, PerceptronModel):
            raise ParameterError("model must be a PerceptronModel")
        b = beta_from(self.T, self.beta)
        check_int("order", self.order, lo=1, hi=2)
        if self.order == 1 and math.isinf(b):
            raise ParameterError("order=1 (naive mean field) needs T > 0: at T = 0 its free "
                                 "entropy -beta <E> is -inf off the version space; use order=2")
        check_range("damping", self.damping, lo=0.0, hi=1.0, lo_open=True, allowed="(0, 1]")
        check_range("tol", self.tol, lo=0.0, lo_open=True)
        check_int("max_iter", self.max_iter, lo=1)
        check_choice("variance", self.variance, ("uniform", "exact"))
        if m.P == 0:
            raise ParameterError("the Plefka/AMP sampler needs at least one pattern (alpha > 0)")
        object.__setattr__(self, "beta", b)
        # F = A/sqrt(N) is never formed: the kernels take A and scale the vectors (no copy of
        # the patterns; the 'exact' variance needs F^2, one more N x P array)
        A, iN = m.A, 1.0 / m.N
        object.__setattr__(self, "_kappa", m.kappa if m.energy_kind == "stability" else 0.0)
        c = np.einsum("ij,ij->j", A, A) * iN     # sum_i F^2 per pattern
        d = np.einsum("ij,ij->i", A, A) * iN     # sum_mu F^2 per weight
        object.__setattr__(self, "_c", c)
        object.__setattr__(self, "_d", d / c.sum())
        object.__setattr__(self, "_F2", A * A * iN if self.variance == "exact" else None)

    # ---- F^2 products (exact or rank-one) -------------------------------------------
    def _V(self, v):
        """V_mu = sum_i F_i,mu^2 v_i, floored at c_mu/N (see ``V_FLOOR`` in the module doc)."""
        if self._F2 is not None:
            return np.maximum(self._F2.T @ v, self._c / self.model.N)
        return self._c * max(float(v @ self._d), 1.0 / self.model.N)

    def _lam(self, x):
        """sum_mu F_i,mu^2 x_mu."""
        return self._F2 @ x if self._F2 is not None else self._d * (self._c @ x)

    def initial(self, init="zero", seed=0):
        m = self.model
        if isinstance(init, str):
            check_choice("init", init, INITS)
            if init == "zero":
                return np.zeros(m.N)
            if init == "teacher":
                if m.teacher is None:
                    raise ParameterError("init='teacher' needs a teacher-student model")
                return 0.999 * m.teacher.astype(np.float64)
            return np.random.default_rng(np.random.SeedSequence(seed)).uniform(-0.01, 0.01, m.N)
        m0 = np.array(init, np.float64)
        if m0.shape != (m.N,) or not np.all(np.abs(m0) <= 1):
            raise ParameterError(f"init must be one of {', '.join(INITS)} or an array in [-1, 1]^N (N={m.N})")
        return m0

    def solve(self, init="zero", seed=0, trajectory=False):
        """Iterate from ``init`` ('zero': m = 0, the uninformative start; 'random': uniform in
        +-0.01; 'teacher': 0.999 w*; or an array). Returns a dict with ``R`` (overlap of
        the mean student with the teacher), ``q`` (= m.m/N), the generalisation errors of
        a Gibbs student (arccos(R)/pi) and of the mean (arccos(R/sqrt q)/pi), the expected
        training error, the TAP free entropy per weight (order 2), ``converged``,
        ``iterations``, ``residual`` (undamped map), ``site_mag`` (m_i), ``cavity_mean`` (the
        pattern means s_mu of the last iteration); ``trajectory=True`` adds R and q after
        every iteration."""
        mdl = self.model
        m = self.initial(init, seed).copy()
        d = self.damping
        A, sc = mdl.A, 1.0 / math.sqrt(mdl.N)
        g = np.zeros(mdl.P)
        s_raw = np.empty(mdl.P)
        B = np.zeros(mdl.N)
        project(A, m, sc, s_raw)
        traj = []
        res, it, aux = math.inf, 0, {}
        with np.errstate(over="ignore", under="ignore"):
            for it in range(1, self.max_iter + 1):
                V = self._V(1.0 - m * m)
                if self.order == 2:
                    s = s_raw - V * g
                    lz, g_new, dg, viol = channel(s, V, self.beta, self._kappa)
                    aux = dict(s=s, V=V, lz=lz, viol=viol, s_raw=s_raw.copy())
                    g = g_new
                    res = amp_pass(A, g, sc, self._lam(-dg), m, d, sc, s_raw, B)
                else:
                    a, b, Hx = naive_field_terms(s_raw, V, self._kappa)
                    aux = dict(s=s_raw.copy(), V=V, H=Hx)
                    res = amp_pass(A, a, self.beta * sc, -2.0 * self.beta * self._lam(b), m, d, sc, s_raw, B)
                if trajectory:
                    traj.append(self._overlaps(m))
                if not math.isfinite(res):
                    break
                if res < self.tol:
                    break
        return self._result(m, res, it, aux, traj if trajectory else None, B)

    def _overlaps(self, m):
        t = self.model.teacher
        R = float(m @ t) / self.model.N if t is not None else math.nan
        return R, float(m @ m) / self.model.N

    def _result(self, m, res, it, aux, traj, B):
        mdl = self.model
        R, q = self._overlaps(m)
        out = dict(model=mdl.name, method="tap" if self.order == 2 else "naive-mean-field",
                   order=self.order, T=0.0 if math.isinf(self.beta) else 1.0 / self.beta,
                   damping=self.damping, variance=self.variance, converged=bool(res < self.tol),
                   iterations=it, residual=res, R=R, q=q, site_mag=m, params=dict(mdl.params),
                   cavity_mean=aux.get("s"))
        if mdl.teacher is not None:
            out["generalization_error"] = float(np.arccos(np.clip(R, -1, 1)) / np.pi)
            out["generalization_error_mean"] = (float(np.arccos(np.clip(R / math.sqrt(q), -1, 1)) / np.pi)
                                                if q > 0 else 0.5)
        if self.order == 2 and aux:
            te = float(np.mean(aux["viol"]))
            s_cav, V = aux["s"], np.maximum(aux["V"], 1e-300)
            shift = float(np.sum((s_cav - aux["s_raw"]) ** 2 / (2 * V)))
            out["training_error"] = te
            out["energy"] = te * mdl.P / mdl.N
            out["free_entropy"] = float((binary_entropy(m).sum() + aux["lz"].sum() + shift) / mdl.N)
        elif aux:
            te = float(np.mean(aux["H"]))
            out["training_error"] = te
            out["energy"] = te * mdl.P / mdl.N
            out["free_entropy"] = float(binary_entropy(m).sum() / mdl.N - self.beta * out["energy"])
        out["sech2_min"] = float(np.min(sech2(B))) if B is not None else math.nan
        if traj is not None:
            out["trajectory"] = dict(R=[r for r, _ in traj], q=[qq for _, qq in traj])
        return out


def instances(make_model, n, seed=0, init="zero", **kw):
    """Run :class:`PerceptronPlefka` on ``n`` independent instances ``make_model(seed_k)``
    (seeds from ``SeedSequence(seed).spawn(n)``); returns per-instance results and
    {mean, err} of R, q and the errors (err = standard error over instances; NaN for n = 1)."""
    n = check_int("instances", n, lo=1)
    runs = []
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    for k, ss in enumerate(root.spawn(n)):
        mdl = make_model(int(ss.generate_state(1)[0]))
        r = PerceptronPlefka(mdl, **kw).solve(init=init, seed=int(ss.generate_state(2)[1]))
        r.pop("site_mag")
        r.pop("cavity_mean")
        runs.append(r)
    obs = {}
    for key in ("R", "q", "generalization_error", "generalization_error_mean", "training_error",
                "energy", "free_entropy"):
        vals = np.array([r[key] for r in runs if key in r], float)
        if vals.size:
            obs[key] = dict(mean=float(vals.mean()),
                            err=float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size > 1 else math.nan)
    return dict(runs=runs, observables=obs, instances=n,
                converged=int(sum(r["converged"] for r in runs)),
                iterations=[r["iterations"] for r in runs])
