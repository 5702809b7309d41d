r"""k-step RSB pressure of the Ising mixed p-spin model with a ferromagnetic P-spin signal.

The model is the one of :class:`statmech_nn.theory.pspin.PSpinEngine` (SK, mixed p-spin, dense
Hebbian storage): signal -N a0 m^P - N h m, Gaussian disorder of covariance N xi(q).  Parisi
parameters 0 <= q_0 <= ... <= q_k <= 1 and 0 <= x_1 <= ... <= x_k <= 1, written with
y_l = beta x_l (finite as T -> 0); x_0 = 0, x_{k+1} = 1; theta(q) = q xi'(q) - xi(q).
With the recursion of :mod:`.chain` (Delta_0 = xi'(q_0), Delta_l = xi'(q_l) - xi'(q_{l-1}),
H = h + a0 P m^{P-1}) the pressure A = -beta f per spin, divided by beta, is::

  T > 0:  A/beta = ln2/beta + Phi - a0 (P-1) m^P - (1/2) sum_{l=1}^k y_l [theta(q_l) - theta(q_{l-1})]
                   + (beta/2) [xi(1) - xi(q_k) - (1 - q_k) xi'(q_k)]
  T = 0:  A/beta -> -e0 = Phi - a0 (P-1) m^P - (1/2) sum_{l=1}^k y_l [theta(q_l) - theta(q_{l-1})],
          q_k = 1 (Delta_k = xi'(1) - xi'(q_{k-1}), innermost phi_k = |u|).

k = 1 is the 1RSB pressure of ``PSpinEngine`` (and k = 0 the RS one).  Gradient (derived in
``derivations/krsb.py``, checked against SymPy at k = 2 and finite differences at any k)::

  d(A/beta)/dq_l = (1/2) xi''(q_l) (y_{l+1} - y_l) (q_l - Q_l),   y_0 = 0, y_{k+1} = beta,
  d(A/beta)/dy_l = (E_l[phi_l] - E_{l-1}[phi_{l-1}]) / y_l - (1/2) [theta(q_l) - theta(q_{l-1})],
  d(A/beta)/dm   = a0 P (P-1) m^{P-2} (m^ - m),

with Q_l = E_l[M_l^2] and m^ = E_0[M_0] the averages under the Parisi measure (chain.py).
Energy (envelope theorem) e = -h m - a0 m^P - beta [xi(1) - sum_{l=0}^k (x_{l+1} - x_l) xi(q_l)];
T = 0: e = f and s0 = -C^2 xi''(1)/4, C = lim beta (1 - q_k).  Innermost replicon (the
within-state de Almeida-Thouless eigenvalue; stable when < 1):
lambda_k = beta^2 xi''(q_k) E_k[sech^4(beta u)] (infinite at T = 0).

The physical k-RSB value at a point is the *minimum* of A over the glass parameters (Guerra
bound), so f_RS <= f_1RSB <= ... <= f_kRSB; m is a stationary point.

State vectors (rows), as used by the Newton maps (x at T > 0, so that the box is [0, 1]):
  T > 0: (m, q_0, ..., q_k, x_1, ..., x_k)        T = 0: (m, q_0, ..., q_{k-1}, y_1, ..., y_k).
"""
import numpy as np

from .chain import LN2, grid_spec, run_batched


def n_q(k, zero_T):
    """Number of q's in the state vector: k + 1 at T > 0, k at T = 0 (q_k = 1)."""
    return k if zero_T else k + 1


def unpack(X, k, zero_T, beta=None):
    """(m, q (nq, B), y (k, B)) from a state array X (rows); at T > 0 the last rows are x and
    y = beta x."""
    X = np.asarray(X, float)
    nq = n_q(k, zero_T)
    last = X[1 + nq:1 + nq + k]
    return X[0], X[1:1 + nq], last if zero_T else last * beta


def pack(m, q, yx):
    """State array from m, q and y (T = 0) or x (T > 0)."""
    return np.concatenate([np.atleast_2d(m), np.atleast_2d(q), np.atleast_2d(yx)], 0)


class KRSB:
    """k-step RSB of a :class:`~statmech_nn.theory.pspin.PSpinEngine` model (xi, signal).

    ``prm`` is the engine's parameter dict (arrays ``beta``, ``a0``, ``h``, ``c<k>`` of one
    batch shape); ``zero_T`` selects the T = 0 forms (all points of a call share it).
    """

    def __init__(self, engine, k):
        self.engine = engine
        self.k = int(k)
        if self.k < 1:
            raise ValueError("k-RSB needs k >= 1 (k = 0 is RS: use the RS solvers)")

    # ---- parameters -> chain inputs -----------------------------------------------------
    def full_q(self, q, zero_T):
        """(q_0, ..., q_k) including q_k = 1 at T = 0."""
        q = np.atleast_2d(np.asarray(q, float))
        if zero_T:
            return np.concatenate([q, np.ones((1, q.shape[1]))], 0)
        return q

    def chain_inputs(self, m, q, y, prm, zero_T):
        E = self.engine
        qf = np.clip(self.full_q(q, zero_T), 0.0, 1.0)
        v = np.stack([E.xi(qq, prm, 1) for qq in qf])
        Delta = np.diff(np.concatenate([np.zeros((1, v.shape[1])), v], 0), axis=0)
        return E.field(m, prm), np.maximum(Delta, 0.0), np.maximum(np.asarray(y, float), 1e-300), qf

    def spec(self, X, prm, zero_T, margin=1.3):
        """Per-point grid (du, lo, hi) for the state X, with room for parameter changes of
        Newton steps (kept fixed during a solve, so that the map is smooth)."""
        m, q, y = unpack(X, self.k, zero_T, prm["beta"])
        H, Delta, yy, _ = self.chain_inputs(m, q, y, prm, zero_T)
        bad = ~(np.isfinite(H) & np.all(np.isfinite(Delta), 0) & np.all(np.isfinite(yy), 0))
        H, Delta, yy = (np.where(bad, 0.0, H), np.where(bad, 1.0, Delta), np.where(bad, 1.0, yy))
        du, lo, hi = grid_spec(H, Delta, yy, prm["beta"], zero_T)
        w = 0.5 * (hi - lo) * (margin - 1.0)
        return du / margin, lo - w, hi + w

    def averages(self, X, prm, zero_T, spec=None, forward=True):
        """Chain averages at the state X (see :func:`.chain.run_batched`); ``spec`` a frozen
        per-point grid."""
        m, q, y = unpack(X, self.k, zero_T, prm["beta"])
        H, Delta, yy, qf = self.chain_inputs(m, q, y, prm, zero_T)
        out = run_batched(H, Delta, yy, beta=None if zero_T else prm["beta"], zero_T=zero_T,
                          spec=spec, forward=forward)
        out["qf"] = qf
        return out

    # ---- pressure, gradient, maps --------------------------------------------------------
    def theta_sum(self, qf, y, prm):
        """sum_{l=1}^k y_l [theta(q_l) - theta(q_{l-1})]."""
        E = self.engine
        th = np.stack([qq * E.xi(qq, prm, 1) - E.xi(qq, prm) for qq in qf])
        return (y * np.diff(th, axis=0)).sum(0), th

    def pressure(self, X, prm, zero_T, av=None):
        """A/beta (T > 0) or -e0 (T = 0) at an arbitrary state X."""
        E = self.engine
        m, q, y = unpack(X, self.k, zero_T, prm['beta'])
        av = av or self.averages(X, prm, zero_T, forward=False)
        qf = av["qf"]
        ts, _ = self.theta_sum(qf, y, prm)
        At = av["phi0"] - E.ferro_const(m, prm) - 0.5 * ts
        if not zero_T:
            b = prm["beta"]
            qk = qf[-1]
            At = At + LN2 / b + 0.5 * b * (E.xi(1.0, prm) - E.xi(qk, prm) - (1 - qk) * E.xi(qk, prm, 1))
        return At

    def gradient(self, X, prm, zero_T, av=None):
        """Hand-coded gradient of :meth:`pressure`: dict 'm', 'q' (nq, B), 'x' (T > 0) or 'y'
        (T = 0) (k, B), and 'A' (the pressure itself)."""
        E = self.engine
        m, q, y = unpack(X, self.k, zero_T, prm['beta'])
        av = av or self.averages(X, prm, zero_T)
        qf = av["qf"]
        B = m.size
        yy = np.concatenate([np.zeros((1, B)), y, np.broadcast_to(prm["beta"], (1, B))], 0)
        nq = n_q(self.k, zero_T)
        gq = np.stack([0.5 * E.xi(qf[l], prm, 2) * (yy[l + 1] - yy[l]) * (qf[l] - av["Q"][l])
                       for l in range(nq)])
        _, th = self.theta_sum(qf, y, prm)
        gy = (np.diff(av["Ephi"], axis=0) / y) - 0.5 * np.diff(th, axis=0)
        P = E.P
        gm = prm["a0"] * P * (P - 1) * np.asarray(m, float) ** (P - 2) * (av["mhat"] - m)
        out = {"m": gm, "q": gq, "A": self.pressure(X, prm, zero_T, av)}
        if zero_T:
            out["y"] = gy
        else:
            out["x"] = gy * prm["beta"]
        return out

    def map(self, X, prm, zero_T, spec=None):
        """Undamped map X -> (m^, Q_0..Q_{nq-1}, x|y - d(A/beta)/dy / xi'(1)): its fixed points
        are the stationary points with distinct x's (the form used by core.solver)."""
        m, q, y = unpack(X, self.k, zero_T, prm['beta'])
        av = self.averages(X, prm, zero_T, spec=spec)
        _, th = self.theta_sum(av["qf"], y, prm)
        gy = (np.diff(av["Ephi"], axis=0) / y) - 0.5 * np.diff(th, axis=0)
        nq = n_q(self.k, zero_T)
        xi1 = self.engine.xi(1.0, prm, 1)
        last = X[1 + nq:1 + nq + self.k]
        return np.concatenate([av["mhat"][None], av["Q"][:nq], last - gy / xi1], 0)

    # ---- thermodynamics ---------------------------------------------------------------------
    def thermo(self, X, prm, zero_T, spec=None):
        """pressure, free_energy, energy, entropy, replicon (innermost), C (T = 0), error."""
        E = self.engine
        m, q, y = unpack(X, self.k, zero_T, prm['beta'])
        av = self.averages(X, prm, zero_T, spec=spec)
        At = self.pressure(X, prm, zero_T, av)
        qf = av["qf"]
        out = {"free_energy": -At, "error": av["error"], "Q": av["Q"], "mhat": av["mhat"]}
        if zero_T:
            C = av["C"]
            out.update(pressure=np.full_like(At, np.inf), energy=-At,
                       entropy=-0.25 * C ** 2 * E.xi(1.0, prm, 2), C=C,
                       replicon=np.where(C > 0, np.inf, 0.0))
            return out
        b = prm["beta"]
        x = y / b
        xs = np.concatenate([np.zeros((1, m.size)), x, np.ones((1, m.size))], 0)
        xiq = sum((xs[l + 1] - xs[l]) * E.xi(qf[l], prm) for l in range(self.k + 1))
        e = -prm["h"] * m - prm["a0"] * np.asarray(m, float) ** E.P - b * (E.xi(1.0, prm) - xiq)
        out.update(pressure=b * At, energy=e, entropy=b * (e + At),
                   replicon=b ** 2 * E.xi(qf[-1], prm, 2) * av["s4"])
        return out


#: smallest x (T > 0) or y (T = 0): the level's log-average (1/y) ln E exp(y phi) loses ~1e-16/y
Y_MIN = 1e-5


def bounds(k, zero_T):
    """Box for the Newton state (the ordering of q's and x's is checked separately)."""
    nq = n_q(k, zero_T)
    lo = [-1.0] + [0.0] * nq + [Y_MIN] * k
    hi = [1.0] + [1.0] * nq + ([1e6] if zero_T else [1.0]) * k
    return lo, hi
