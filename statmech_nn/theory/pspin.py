r"""Ising mixed p-spin engine with a ferromagnetic P-spin signal: RS and 1RSB, any T.

Model (per spin, N -> inf), the common effective model of SK, the dense Hebbian
(P-spin Hopfield) network and, later, dense Hebbian learning:

    H(sigma) = -N a0 m(sigma)^P  -  N h m(sigma)  +  V(sigma),
    E[V(sigma) V(tau)] = N xi(q(sigma, tau)),   xi(q) = sum_k c_k q^k,

m the magnetisation along the (gauged) pattern, q the overlap of two
configurations, h an external field along the pattern.  The engine is given the
powers k of the mixture (``powers``) and the signal power P (``p_ferro``); the
strengths ``a0``, ``h``, ``c<k>`` and ``beta`` are per-batch-element arrays in the
parameter dict ``prm`` (so one solver call can cover a whole (alpha, T) grid).

Examples: SK  (J_ij ~ N(0, 1/N), H = -sum_{i<j} J s s):  xi = q^2/2, a0 = 0.
Dense Hebbian (distinct indices, K = alpha N^{P-1}):      xi = (alpha/P!) q^P, a0 = 1/P!.

Pressure A = lim N^-1 E ln Z = -beta f.  With the local field
u = h + a0 P m^{P-1} + (Gaussian of variance xi'(q) ...):

RS   A = ln 2 + E_z ln cosh(beta u) - beta a0 (P-1) m^P
         + beta^2/2 [xi(1) - xi(q) - (1-q) xi'(q)],          u = H(m) + z sqrt(xi'(q))
1RSB A = ln 2 + (1/x) E_{z0} ln E_{z1} cosh^x(beta u) - beta a0 (P-1) m^P
         + beta^2/2 [xi(1) - xi(q1) - (1-q1) xi'(q1) - x D(q0, q1)],
         D = q1 xi'(q1) - xi(q1) - q0 xi'(q0) + xi(q0),
         u = H(m) + z0 sqrt(xi'(q0)) + z1 sqrt(xi'(q1) - xi'(q0)).

Stationarity (derived and checked with SymPy in ``derivations/pspin.py``):
RS   m = E tanh(beta u),  q = E tanh^2(beta u)   (dA/dq = beta^2 xi''/2 (q - E tanh^2)).
1RSB m = E0 <tanh>, q1 = E0 <tanh^2>, q0 = E0 <tanh>^2 (<.> = the z1 average tilted by
     cosh^x), and dA/dx = -(1/x^2) E0 ln Z1 + (1/x) E0 <ln cosh> - beta^2 D / 2 = 0.
Energy (envelope theorem, e = -dA/dbeta):
     e = -h m - a0 m^P - beta [xi(1) - (1-x) xi(q1) - x xi(q0)]      (RS: x = 1, q1 = q).
Replicon (AT) eigenvalue, stable when < 1:  lambda = beta^2 xi''(q1) E0 <sech^4(beta u)>.

Selection rule (Parisi/Guerra): A_true <= A_1RSB(q0, q1, x) for all q0 <= q1, x in [0, 1],
so the physical 1RSB value is the *minimum* of A over the glass parameters (it includes
the RS manifold x = 1 or q0 = q1, hence f_RS <= f_1RSB); m is a stationary point (a
maximum of A along m).  Branches with different m are compared by the larger A (lower
f), the m = 0 sector's own value being the minimum over its stationary points
(paramagnet, RS or 1RSB spin glass).  See :func:`solve_states`.

T = 0 (beta = inf), analytic:
RS:   q -> 1 with C = beta (1-q) finite; m = erf(H/(sqrt2 s)), s = sqrt(xi'(1)),
      e0 = -h m - a0 m^P - C xi'(1), C = 2 phi(H/s)/s, s0 = -C^2 xi''(1)/4.
1RSB: q1 -> 1, y = beta x finite; with w = H + z0 sqrt(xi'(q0)), sigma^2 = xi'(1) - xi'(q0):
      -e0 = Ã(m, q0, y) = (1/y) E0 ln Z1 - a0 (P-1) m^P - (y/2) D(q0, 1),
      Z1 = E_{z1} e^{y|w + sigma z1|} = e^{y^2 sigma^2/2} (A+ + A-),  A± = e^{±y w} Phi((±w + y sigma^2)/sigma),
      <sgn u> = (A+ - A-)/(A+ + A-),  <|u|> = y sigma^2 + [w (A+ - A-) + 2 sigma phi0]/(A+ + A-),
      phi0 = exp(-w^2/(2 sigma^2) - y^2 sigma^2/2)/sqrt(2 pi);
      m = E0 <sgn>, q0 = E0 <sgn>^2, dÃ/dy = -(1/y^2) E0 ln Z1 + (1/y) E0 <|u|> - D/2 = 0;
      entropy s0 = -C^2 xi''(1)/4 with C = lim beta (1-q1) = 2 E0 [phi(w/sigma)/(sigma Z1)].

Quadrature error with the default panels (8 outer, 8 inner nodes) is ~1e-10 at 1RSB (1e-15 with 10; the
SymPy checks in tests/test_sk.py use 10).  RS uses :func:`core.quadrature.normal_nodes` (Gauss-Hermite when smooth,
kink rule at large beta).  The 1RSB inner average (:mod:`core.tilted`, shared with hopfield and
learning) is done *exactly re-centred*: with
cosh^x(beta u) = e^{y|u|} g(u), g = ((1 + e^{-2 beta |u|})/2)^x, and y = beta x,

    E_{z1}[cosh^x(beta u) F(u)] = sum_{s=±} e^{s y w + y^2 sigma^2/2} E_z[1(s h > 0) g(h) F(h)],
    h = w + s y sigma^2 + sigma z,

so each half is a Gaussian average with a kink/cut at h = 0 (kink rule, width 1/beta);
no mass is lost however large y sigma is, and beta -> inf reduces to the closed form
above.  The outer average uses the kink rule on the scale sqrt(sigma^2 + 1/beta^2).  The
thermodynamics at a solution (``rs_thermo``, ``rsb_thermo``, ``rsb0_thermo``) record the
estimated quadrature error of these averages (:mod:`core.quaderr`; reported as
``quadrature_error``).

Order-parameter vectors for :func:`core.solver.solve_fixed_point`:
RS (m, q); RS T=0 (m,); 1RSB (m, q0, q1, x); 1RSB T=0 (m, q0, y).  The x (y) component
of the map is x - (dA/dx)/(beta^2 xi'(1)) (y - (dÃ/dy)/xi'(1)): a zero of the
gradient, scaled to be dimensionless; its residual is reported with the others.
"""
import math
from functools import lru_cache

import numpy as np
from scipy import special

from ..core import quaderr, tilted
from ..core import quadrature as Q
from ..core.solver import solve_fixed_point
from . import states

LN2 = math.log(2.0)
LN_SQRT2PI = 0.5 * math.log(2.0 * math.pi)

#: nodes per panel of the kink rule (outer, inner) for the finite-T 1RSB averages
N_PANEL_RS = 10
N_PANEL_OUTER = 8
N_PANEL_INNER = 8
#: panels of the (one-dimensional, cheap) T = 0 1RSB outer average
N_PANEL_T0 = 10


class PSpinEngine:
    """Saddle-point equations of the mixed p-spin + ferromagnetic P-spin model.

    Parameters
    ----------
    powers : tuple of int
        Powers k of the mixture xi(q) = sum_k c_k q^k; ``prm['c<k>']`` hold the c_k.
    p_ferro : int
        Power P of the ferromagnetic (retrieval) signal -N a0 m^P (``prm['a0']``;
        a0 = 0 for no signal).  P = 1 with a0 = h is equivalent to a field.

    The parameter dict ``prm`` holds arrays of one shape (the batch): ``beta``,
    ``a0``, ``h`` and ``c<k>`` for each power.  All methods are vectorised over that
    shape; order parameters are arrays of the same shape.
    """

    def __init__(self, powers, p_ferro=2):
        self.powers = tuple(int(k) for k in powers)
        self.P = int(p_ferro)

    # ---- the mixture and the signal ---------------------------------------------
    def xi(self, q, prm, d=0):
        """xi(q), xi'(q) (d=1) or xi''(q) (d=2)."""
        q = np.asarray(q, float)
        out = 0.0
        for k in self.powers:
            c = prm[f"c{k}"]
            if d == 0:
                out = out + c * q ** k
            elif d == 1:
                out = out + c * k * q ** (k - 1)
            else:
                out = out + (c * k * (k - 1) * q ** (k - 2) if k >= 2 else 0.0 * q)
        return out + 0.0 * q

    def D(self, q0, q1, prm):
        """D(q0, q1) = q1 xi'(q1) - xi(q1) - q0 xi'(q0) + xi(q0) (>= 0 for q0 <= q1)."""
        return (q1 * self.xi(q1, prm, 1) - self.xi(q1, prm)
                - q0 * self.xi(q0, prm, 1) + self.xi(q0, prm))

    def field(self, m, prm):
        """Cavity field of the signal: H(m) = h + a0 P m^{P-1}."""
        return prm["h"] + prm["a0"] * self.P * np.asarray(m, float) ** (self.P - 1)

    def ferro_const(self, m, prm):
        return prm["a0"] * (self.P - 1) * np.asarray(m, float) ** self.P

    # ---- RS, finite T -------------------------------------------------------------
    def rs_averages(self, m, q, prm, n_panel=N_PANEL_RS, full=True, estimate=False):
        """E tanh, E tanh^2 ('t', 't2') and, with ``full``, E sech^4, E ln cosh ('s4', 'lc').
        ``estimate``: also record their quadrature error (:func:`core.quaderr.estimate`)."""
        if estimate:
            return quaderr.estimate(self.rs_averages, m, q, prm, n_panel=n_panel, full=full,
                                    where="RS Gaussian averages")[0]
        beta = prm["beta"]
        s = np.sqrt(np.maximum(self.xi(q, prm, 1), 0.0))
        hs, w = Q.normal_nodes(self.field(m, prm), s, beta, n_panel=n_panel)
        bu = beta[..., None] * hs
        t = np.tanh(bu)
        out = {"t": Q.expect(t, w), "t2": Q.expect(t * t, w)}
        if full:
            s2 = Q.sech2(bu)
            out.update(s4=Q.expect(s2 * s2, w), lc=Q.expect(Q.log_cosh(bu), w))
        return out

    def rs_map(self, x, prm):
        """(m, q) -> (E tanh, E tanh^2)."""
        # the Newton hot path: s4 and lc are only needed once, at the solution (rs_thermo)
        a = self.rs_averages(x[0], x[1], prm, full=False)
        return np.stack([a["t"], a["t2"]])

    def rs_pressure(self, m, q, prm, av=None):
        beta = prm["beta"]
        av = av or self.rs_averages(m, q, prm)
        return (LN2 + av["lc"] - beta * self.ferro_const(m, prm)
                + 0.5 * beta ** 2 * (self.xi(1.0, prm) - self.xi(q, prm)
                                     - (1 - q) * self.xi(q, prm, 1)))

    def rs_energy(self, m, q, prm):
        return (-prm["h"] * m - prm["a0"] * m ** self.P
                - prm["beta"] * (self.xi(1.0, prm) - self.xi(q, prm)))

    def rs_replicon(self, m, q, prm, av=None):
        av = av or self.rs_averages(m, q, prm)
        return prm["beta"] ** 2 * self.xi(q, prm, 2) * av["s4"]

    def rs_thermo(self, m, q, prm):
        """Dict: pressure, free_energy, energy, entropy, replicon at an RS point."""
        av = self.rs_averages(m, q, prm, estimate=True)
        A = self.rs_pressure(m, q, prm, av)
        e = self.rs_energy(m, q, prm)
        beta = prm["beta"]
        return {"pressure": A, "free_energy": -A / beta, "energy": e, "entropy": A + beta * e,
                "replicon": self.rs_replicon(m, q, prm, av)}

    def rs_gradient(self, m, q, prm, av=None):
        """Hand-coded gradient of the RS pressure: dict with 'm', 'q' and the pressure 'A'."""
        beta = prm["beta"]
        av = av or self.rs_averages(m, q, prm)
        P = self.P
        dm = beta * prm["a0"] * P * (P - 1) * np.asarray(m, float) ** (P - 2) * (av["t"] - m)
        dq = 0.5 * beta ** 2 * self.xi(q, prm, 2) * (q - av["t2"])
        return {"m": dm, "q": dq, "A": self.rs_pressure(m, q, prm, av)}

    # ---- RS, T = 0 ------------------------------------------------------------------
    def rs0_parts(self, m, prm):
        s = np.sqrt(self.xi(1.0, prm, 1))
        Hm = self.field(m, prm)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = Hm / s
        sgn = special.erf(r / math.sqrt(2.0))
        absu = Hm * sgn + s * math.sqrt(2.0 / math.pi) * np.exp(-0.5 * r * r)
        C = 2.0 * Q.gauss_density(r) / s
        return sgn, absu, C

    def rs0_map(self, x, prm):
        """(m,) -> (erf(H(m)/(sqrt2 sqrt(xi'(1)))),)."""
        return self.rs0_parts(x[0], prm)[0][None]

    def rs0_thermo(self, m, prm):
        """T = 0 RS: -A/beta -> e0; entropy -C^2 xi''(1)/4; replicon = inf (unstable)."""
        sgn, absu, C = self.rs0_parts(m, prm)
        e = -(absu - self.ferro_const(m, prm))
        s0 = -0.25 * C ** 2 * self.xi(1.0, prm, 2)
        return {"pressure": np.full_like(e, np.inf), "free_energy": e, "energy": e,
                "entropy": s0, "C": C, "q": np.ones_like(e),
                "replicon": np.where(C > 0, np.inf, 0.0)}

    # ---- 1RSB, finite T -------------------------------------------------------------
    def _inner(self, w, sig, beta, x, want=("lnZ", "t", "t2", "lc", "s4"), n_panel=N_PANEL_INNER):
        """Tilted inner averages at outer fields w (..., n0) (:func:`core.tilted.inner`)."""
        return tilted.inner(w, sig, beta, x, want=tuple(k for k in want if k != "lnZ"), n_panel=n_panel)

    def rsb_averages(self, m, q0, q1, x, prm, n_outer=N_PANEL_OUTER, n_inner=N_PANEL_INNER, full=True,
                     estimate=False):
        """Outer averages E0 of ln Z1, <tanh>, <tanh>^2, <tanh^2>, <ln cosh> and, with
        ``full``, <sech^4> ('lnZ', 't', 'tt', 't2', 'lc', 's4') (:func:`core.tilted.averages`).
        ``estimate``: also record their quadrature error (:func:`core.quaderr.estimate`)."""
        beta = np.asarray(prm["beta"], float)
        v0 = np.maximum(self.xi(q0, prm, 1), 0.0)
        v1 = np.maximum(self.xi(q1, prm, 1), v0)
        want = ("t", "t2", "lc") + (("s4",) if full else ())
        args = (self.field(m, prm), np.sqrt(v0), np.sqrt(v1 - v0), beta, x)
        kw = dict(want=want, n_outer=n_outer, n_inner=n_inner)
        if estimate:
            return quaderr.estimate(tilted.averages, *args, where="1RSB tilted averages", **kw)[0]
        return tilted.averages(*args, **kw)

    def rsb_gradx(self, m, q0, q1, x, prm, av):
        """dA/dx of the 1RSB pressure."""
        return (-av["lnZ"] / x ** 2 + av["lc"] / x - 0.5 * prm["beta"] ** 2 * self.D(q0, q1, prm))

    def rsb_map(self, X, prm):
        """(m, q0, q1, x) -> (E0<t>, E0<t>^2, E0<t^2>, x - dA/dx / (beta^2 xi'(1)))."""
        m, q0, q1, x = X
        av = self.rsb_averages(m, q0, q1, x, prm, full=False)   # s4 (replicon) only in rsb_thermo
        gx = self.rsb_gradx(m, q0, q1, x, prm, av)
        scale = prm["beta"] ** 2 * self.xi(1.0, prm, 1)
        return np.stack([av["t"], av["tt"], av["t2"], x - gx / scale])

    def rsb_pressure(self, m, q0, q1, x, prm, av=None):
        beta = prm["beta"]
        av = av or self.rsb_averages(m, q0, q1, x, prm)
        return (LN2 + av["lnZ"] / x - beta * self.ferro_const(m, prm)
                + 0.5 * beta ** 2 * (self.xi(1.0, prm) - self.xi(q1, prm)
                                     - (1 - q1) * self.xi(q1, prm, 1) - x * self.D(q0, q1, prm)))

    def rsb_energy(self, m, q0, q1, x, prm):
        return (-prm["h"] * m - prm["a0"] * m ** self.P
                - prm["beta"] * (self.xi(1.0, prm) - (1 - x) * self.xi(q1, prm) - x * self.xi(q0, prm)))

    def rsb_thermo(self, m, q0, q1, x, prm):
        av = self.rsb_averages(m, q0, q1, x, prm, estimate=True)
        A = self.rsb_pressure(m, q0, q1, x, prm, av)
        e = self.rsb_energy(m, q0, q1, x, prm)
        beta = prm["beta"]
        return {"pressure": A, "free_energy": -A / beta, "energy": e, "entropy": A + beta * e,
                "replicon": beta ** 2 * self.xi(q1, prm, 2) * av["s4"],
                "gradx": self.rsb_gradx(m, q0, q1, x, prm, av)}

    def rsb_gradient(self, m, q0, q1, x, prm, av=None, n_outer=N_PANEL_OUTER, n_inner=N_PANEL_INNER):
        """Hand-coded gradient of the 1RSB pressure: 'm', 'q0', 'q1', 'x' and 'A'."""
        beta = prm["beta"]
        av = av or self.rsb_averages(m, q0, q1, x, prm, n_outer=n_outer, n_inner=n_inner)
        P = self.P
        return {"m": beta * prm["a0"] * P * (P - 1) * np.asarray(m, float) ** (P - 2) * (av["t"] - m),
                "q0": 0.5 * beta ** 2 * x * self.xi(q0, prm, 2) * (q0 - av["tt"]),
                "q1": 0.5 * beta ** 2 * (1 - x) * self.xi(q1, prm, 2) * (q1 - av["t2"]),
                "x": self.rsb_gradx(m, q0, q1, x, prm, av),
                "A": self.rsb_pressure(m, q0, q1, x, prm, av)}

    # ---- 1RSB, T = 0 -----------------------------------------------------------------
    def rsb0_parts(self, m, q0, y, prm, n_outer=N_PANEL_T0, estimate=False):
        """Outer averages of the closed-form inner functions at T = 0
        (:func:`core.tilted.averages_T0`)."""
        v1 = self.xi(1.0, prm, 1)
        v0 = np.clip(self.xi(q0, prm, 1), 0.0, v1)
        args = (self.field(m, prm), np.sqrt(v0), np.sqrt(v1 - v0), y)
        if estimate:
            return quaderr.estimate(tilted.averages_T0, *args, where="1RSB T=0 averages", n_outer=n_outer)[0]
        return tilted.averages_T0(*args, n_outer=n_outer)

    def rsb0_gradx(self, m, q0, y, prm, pa):
        """dÃ/dy of the T = 0 1RSB pressure Ã = -e0."""
        return -pa["lnZ"] / y ** 2 + pa["absu"] / y - 0.5 * self.D(q0, 1.0, prm)

    def rsb0_pressure(self, m, q0, y, prm, pa=None):
        """Ã(m, q0, y) = lim A/beta (= -e0 at the saddle)."""
        pa = pa or self.rsb0_parts(m, q0, y, prm)
        return pa["lnZ"] / y - self.ferro_const(m, prm) - 0.5 * y * self.D(q0, 1.0, prm)

    def rsb0_map(self, X, prm):
        """(m, q0, y) -> (E0<sgn>, E0<sgn>^2, y - dÃ/dy / xi'(1))."""
        m, q0, y = X
        pa = self.rsb0_parts(m, q0, y, prm)
        g = self.rsb0_gradx(m, q0, y, prm, pa)
        return np.stack([pa["t"], pa["tt"], y - g / self.xi(1.0, prm, 1)])

    def rsb0_gradient(self, m, q0, y, prm, n_outer=N_PANEL_T0):
        """Hand-coded gradient of the T = 0 1RSB pressure Ã: 'm', 'q0', 'y' and 'A' (= Ã)."""
        pa = self.rsb0_parts(m, q0, y, prm, n_outer=n_outer)
        P = self.P
        return {"m": prm["a0"] * P * (P - 1) * np.asarray(m, float) ** (P - 2) * (pa["t"] - m),
                "q0": 0.5 * y * self.xi(q0, prm, 2) * (q0 - pa["tt"]),
                "y": self.rsb0_gradx(m, q0, y, prm, pa), "A": self.rsb0_pressure(m, q0, y, prm, pa)}

    def rsb0_thermo(self, m, q0, y, prm):
        pa = self.rsb0_parts(m, q0, y, prm, estimate=True)
        At = self.rsb0_pressure(m, q0, y, prm, pa)
        C = 2.0 * pa["rho"]
        e_alt = (-prm["h"] * m - prm["a0"] * m ** self.P - C * self.xi(1.0, prm, 1)
                 - y * (self.xi(1.0, prm) - self.xi(q0, prm)))
        return {"pressure": np.full_like(At, np.inf), "free_energy": -At, "energy": -At,
                "energy_check": e_alt, "entropy": -0.25 * C ** 2 * self.xi(1.0, prm, 2), "C": C,
                "replicon": np.where(C > 0, np.inf, 0.0), "gradx": self.rsb0_gradx(m, q0, y, prm, pa)}


# ---- solving ------------------------------------------------------------------------------

RS_BOUNDS = ([-1.0, 0.0], [1.0, 1.0])
RSB_BOUNDS = ([-1.0, 0.0, 0.0, 1e-9], [1.0, 1.0, 1.0, 2.0])
RSB0_BOUNDS = ([-1.0, 0.0, 1e-9], [1.0, 1.0, 1e4])


RS_TOL, RS0_TOL = 1e-12, 1e-13
RS0_BOUNDS = ([-1.0], [1.0])


def _rs_solution(engine, prm, r):
    m, q = r.x
    th = engine.rs_thermo(m, q, prm)
    return dict(m=m, q=q, residual=r.residual, converged=r.converged, iterations=r.iterations, **th)


def _rs0_solution(engine, prm, r):
    m = r.x[0]
    th = engine.rs0_thermo(m, prm)
    return dict(m=m, residual=r.residual, converged=r.converged, iterations=r.iterations, **th)


def solve_rs(engine, prm, m0, q0, tol=RS_TOL, maxiter=100):
    """Batched RS solve at finite beta from (m0, q0); returns dict of flat arrays."""
    x0 = np.stack([np.ravel(m0), np.ravel(q0)]).astype(float)
    r = solve_fixed_point(engine.rs_map, x0, prm, tol=tol, maxiter=maxiter, bounds=RS_BOUNDS)
    return _rs_solution(engine, prm, r)


def solve_rs0(engine, prm, m0, tol=RS0_TOL, maxiter=100):
    x0 = np.ravel(m0)[None].astype(float)
    r = solve_fixed_point(engine.rs0_map, x0, prm, tol=tol, maxiter=maxiter, bounds=RS0_BOUNDS)
    return _rs0_solution(engine, prm, r)


def solve_rsb(engine, prm, m0, q00, q10, x0, tol=1e-11, maxiter=80):
    X0 = np.stack([np.ravel(v) for v in (m0, q00, q10, x0)]).astype(float)
    r = solve_fixed_point(engine.rsb_map, X0, prm, tol=tol, maxiter=maxiter, bounds=RSB_BOUNDS)
    m, q0, q1, x = r.x
    th = engine.rsb_thermo(m, q0, q1, x, prm)
    return dict(m=m, q0=q0, q1=q1, x=x, residual=r.residual, converged=r.converged,
                iterations=r.iterations, **th)


def solve_rsb0(engine, prm, m0, q00, y0, tol=1e-12, maxiter=80):
    X0 = np.stack([np.ravel(v) for v in (m0, q00, y0)]).astype(float)
    r = solve_fixed_point(engine.rsb0_map, X0, prm, tol=tol, maxiter=maxiter, bounds=RSB0_BOUNDS)
    m, q0, y = r.x
    th = engine.rsb0_thermo(m, q0, y, prm)
    return dict(m=m, q0=q0, y=y, residual=r.residual, converged=r.converged,
                iterations=r.iterations, **th)


def is_broken(sol, zero_T=False):
    """True where a converged 1RSB solution is genuinely broken (:func:`states.is_broken`)."""
    return states.is_broken(sol["q0"], sol.get("q1"), sol.get("x"), sol.get("y"), zero_T=zero_T,
                            converged=sol["converged"])


# ---- convenience: pure p-spin constants (m = 0 sector) -------------------------------------

# ---- branches and thermodynamic selection ---------------------------------------------------

BRANCHES = states.BRANCHES


def _sub(prm, idx):
    return {k: v[idx] for k, v in prm.items()}


def _rs_candidates(engine, prm, branch, signal, init):
    """RS solutions from the standard starts; list of (start name, solution dict)."""
    n = prm["beta"].size
    zero_T = np.isinf(prm["beta"])
    starts = []
    if init is not None:   # warm start (continuation); with branch=None the standard starts too
        starts.append(("init", np.broadcast_to(np.ravel(np.asarray(init.get("m", 0.0), float)), n),
                       np.broadcast_to(np.ravel(np.asarray(init.get("q", init.get("q1", 0.9)), float)), n)))
    if init is None or branch is None:
        if signal and branch in (None, "retrieval"):
            starts.append(("retrieval", np.ones(n), np.ones(n)))
        if branch in (None, "spin-glass"):
            starts.append(("spin-glass", np.zeros(n), np.full(n, 0.999)))
        if branch in (None, "paramagnet"):
            starts.append(("paramagnet", np.zeros(n), np.zeros(n)))
    fin = np.nonzero(~zero_T)[0]
    z = np.nonzero(zero_T)[0]
    # every start in one batched Newton call per regime (finite T: (m, q); T = 0: (m,))
    runs_f = states.run_starts(engine.rs_map, {nm: np.stack([m0[fin], q0[fin]]) for nm, m0, q0 in starts},
                               _sub(prm, fin), tol=RS_TOL, maxiter=100, bounds=RS_BOUNDS) if fin.size else {}
    runs_z = states.run_starts(engine.rs0_map, {nm: m0[z][None] for nm, m0, _ in starts}, _sub(prm, z),
                               tol=RS0_TOL, maxiter=100, bounds=RS0_BOUNDS) if z.size else {}
    out = []
    for name, m0, q0 in starts:
        sol = {}
        parts = []
        if fin.size:
            parts.append((fin, _rs_solution(engine, _sub(prm, fin), runs_f[name])))
        if z.size:
            s0 = _rs0_solution(engine, _sub(prm, z), runs_z[name])
            if name == "paramagnet":  # no paramagnet at T = 0 (f = -inf): not a candidate
                s0["converged"] = np.zeros(z.size, bool)
            parts.append((z, s0))
        keys = ("m", "q", "free_energy", "energy", "entropy", "replicon", "residual", "converged",
                "iterations")
        for k in keys:
            arr = np.zeros(n, bool if k == "converged" else (int if k == "iterations" else float))
            for idx, s in parts:
                arr[idx] = s[k]
            sol[k] = arr
        sol["C"] = np.where(zero_T, 0.0, np.nan)
        for idx, s in parts:
            if "C" in s:
                sol["C"][idx] = s["C"]
        sol["q0"] = sol["q"].copy()
        sol["q1"] = sol["q"].copy()
        sol["x"] = np.where(zero_T, 0.0, 1.0)
        sol["y"] = np.where(zero_T, np.inf, prm["beta"])
        sol["gradx"] = np.zeros(n)
        sol["broken"] = np.zeros(n, bool)
        out.append((name, sol))
    return out


def _rsb_starts(rs, zero_T, beta, xi1):
    """Starting points (m, q0, q1 | y, x) for the 1RSB Newton around an RS solution."""
    m, q = rs["m"], rs["q"]
    ret = np.abs(m) >= states.M_THR
    starts = []
    if zero_T:
        s1 = np.sqrt(xi1)
        for q0g, yg in ((0.4, 1.4), (0.0, 0.8), (0.95, 1.5), (0.99, 4.0)):
            starts.append((m, np.full_like(m, q0g), yg / s1))
        return starts
    glass = q > 0.01
    # spin-glass-like: q0 ~ 0.4 q, q1 ~ q + 0.7 q^2 (1-q) (SK: fits T = 0.05 ... 0.8); no RS glass: q1 ~ 0.95
    q1a = np.where(glass, q + 0.7 * q * q * (1 - q), 0.95)
    q0a = np.where(glass, 0.4 * q, 0.0)
    starts.append((m, np.where(ret, q - 0.05 * (1 - q), q0a), np.where(ret, q + 0.5 * (1 - q), q1a),
                   np.where(ret, 0.5, np.where(glass, 0.25, 0.6))))
    starts.append((m, np.zeros_like(m), q1a, np.where(glass, 0.25, 0.8)))
    # low-temperature start in the scale of the T = 0 solution (y = beta x ~ 1.4/sqrt(xi'(1)))
    starts.append((m, np.where(ret, 0.97, 0.45), 1 - 0.3 / (beta * np.sqrt(xi1)),
                   np.clip(1.4 / (beta * np.sqrt(xi1)), 1e-3, 0.9)))
    # pure-p-spin-like glass (q0 = 0, q1 near 1: random-energy-model-like states)
    starts.append((m, np.zeros_like(m), np.full_like(m, 0.995), np.clip(1.2 / (beta * np.sqrt(xi1)), 0.05, 0.95)))
    return starts


def _rsb_from_rs(engine, prm, rs, base=None):
    """1RSB value of one RS candidate: min over broken solutions (Newton from starts around
    ``rs``) and the RS point ``base`` (default ``rs``) itself."""
    zero_T = np.isinf(prm["beta"])
    best = {k: np.array(v, copy=True) for k, v in (rs if base is None else base).items()}
    xi1 = engine.xi(1.0, prm, 1)
    for zt in (False, True):
        idx = np.nonzero(zero_T == zt)[0]
        if idx.size == 0:
            continue
        p = _sub(prm, idx)
        rsi = {k: v[idx] for k, v in rs.items()}
        starts = _rsb_starts(rsi, zt, p["beta"], xi1[idx])
        ret = np.abs(rsi["m"]) > states.M_THR
        # which start is tried where: (q0 = 0)-type starts only in the m = 0 sector
        use = [np.ones(idx.size, bool) for _ in starts]
        if not zt:
            use[1] = ~ret
            use[3] = ~ret
        pos = np.concatenate([np.nonzero(u)[0] for u in use])      # element (within idx) per trial
        cols = [np.concatenate([np.asarray(st[c])[u] for st, u in zip(starts, use)])
                for c in range(len(starts[0]))]
        pb = {kk: v[pos] for kk, v in p.items()}
        if zt:
            sol = solve_rsb0(engine, pb, *cols)
            sol["q1"] = np.ones_like(sol["m"])
            sol["x"] = np.zeros_like(sol["m"])
        else:
            sol = solve_rsb(engine, pb, *cols, maxiter=25)
            sol["y"] = sol["x"] * pb["beta"]
        ok = is_broken(sol, zero_T=zt)
        for t in range(pos.size):
            e = pos[t]
            g = idx[e]
            ms, m0 = sol["m"][t], rsi["m"][e]
            # stay on the branch: the glass parameters are minimised at (about) the same m;
            # a broken point with a very different m is another stationary point, not this state
            on_branch = ((abs(ms - m0) < 0.2) and (ms * m0 > 0)) if abs(m0) > states.M_THR else abs(ms) <= states.M_THR
            if not (ok[t] and on_branch):
                continue
            # a reseeded retrieval start (RS retrieval lost) replaces its m = 0 base unconditionally
            reseed = abs(m0) > states.M_THR and abs(best["m"][g]) < states.M_THR
            if not (states.glassy_better(sol["free_energy"][t], best["free_energy"][g]) or reseed):
                continue
            for key in ("m", "q0", "q1", "x", "y", "free_energy", "energy", "entropy", "replicon",
                        "residual", "iterations", "gradx"):
                if key in sol:
                    best[key][g] = sol[key][t]
            best["C"][g] = sol["C"][t] if "C" in sol else np.nan
            best["converged"][g] = True
            best["broken"][g] = True
    best["q"] = best["q1"]
    return best


def solve_states(engine, prm, level="rs", branch=None, signal=True, init=None, no_glass_rsb=None):
    """Solve a batch of parameter points and select the thermodynamic state.

    ``prm``: dict of flat arrays (one entry per point; ``beta`` may be inf).
    ``branch``: None (thermodynamic selection) or one of :data:`BRANCHES` (start there).
    ``signal``: the model has a retrieval (m) sector, compared with the m = 0 sector.
    ``no_glass_rsb``: optional bool array; where True no broken solution is searched from the
    m = 0 RS candidates (a model that knows its glass transitions can skip futile starts).
    Returns a dict of flat arrays: m, q (RS) / q0, q1, x, y (1RSB), free_energy, energy,
    entropy, replicon, residual, converged, iterations, branch (str), broken (bool).
    1RSB at a point = the minimum of the pressure over its glass parameters, among the
    RS point itself and the broken stationary points found from several starts.
    """
    if branch is not None and branch not in BRANCHES:
        from ..core.errors import ParameterError
        raise ParameterError(f"branch={branch!r} is not one of {', '.join(BRANCHES)}")
    cands = _rs_candidates(engine, prm, branch, signal, init)
    if level == "1rsb":
        new, done = [], []
        for name, sol in cands:
            # skip starts that repeat an RS solution already expanded (same m, q)
            skip = np.zeros(sol["m"].size, bool)
            for other in done:
                skip |= (other["converged"] & sol["converged"] & (np.abs(other["m"] - sol["m"]) < 1e-8)
                         & (np.abs(other["q"] - sol["q"]) < 1e-8))
            if no_glass_rsb is not None:
                skip |= np.asarray(no_glass_rsb, bool) & (np.abs(sol["m"]) < states.M_THR)
            if name == "paramagnet":  # only needed where no RS glass exists (p-spin above its RS line)
                for other in done:
                    skip |= other["converged"] & (other["q"] > 0.01) & (np.abs(other["m"]) < states.M_THR)
            run = np.nonzero(~skip)[0]
            res = {k: np.array(v, copy=True) for k, v in sol.items()}
            seed = {k: np.array(v, copy=True) for k, v in sol.items()}
            if name == "retrieval":
                # beyond the RS spinodal the 1RSB retrieval state can still exist: seed it anyway
                lost = np.abs(seed["m"]) < states.M_THR
                seed["m"] = np.where(lost, 0.95, seed["m"])
                seed["q"] = np.where(lost, 0.99, seed["q"])
            if run.size:
                sub = _rsb_from_rs(engine, _sub(prm, run), {k: v[run] for k, v in seed.items()},
                                   base={k: v[run] for k, v in sol.items()})
                for k in res:
                    if k in sub:
                        res[k][run] = sub[k]
            res["q"] = res["q1"]
            if name == "paramagnet":  # a skipped repeat of another candidate is not a new candidate
                rep = np.zeros_like(skip)
                for other in done:
                    rep |= (other["converged"] & sol["converged"] & (np.abs(other["m"] - sol["m"]) < 1e-8)
                            & (np.abs(other["q"] - sol["q"]) < 1e-8))
                res["converged"] = res["converged"] & ~rep
            done.append(seed)   # what was actually expanded (a reseeded retrieval is not a glass start)
            new.append((name, res))
        cands = new
    for name, sol in cands:
        sol["branch"] = states.classify(sol["m"], sol["q1"] if level == "1rsb" else sol["q"], signal)
    if len(cands) == 1:
        return cands[0][1]
    # the physical state: states.select (m = 0 sector: largest f; then lowest f across sectors)
    sel = states.select(cands, has_condensed=signal)
    return sel.take([s for _, s in cands])


# ---- pure P-spin glass constants (xi = q^P, no signal): the m = 0 sector of dense storage ----

def _scaled(P, b, r=0.0):
    """Engine + parameters of the scaled problem xi = q^P, field r, inverse temperature b."""
    b, r = np.broadcast_arrays(np.atleast_1d(np.asarray(b, float)), np.atleast_1d(np.asarray(r, float)))
    b, r = b.ravel().copy(), r.ravel().copy()
    return PSpinEngine((P,), 1), {"beta": b, "a0": np.zeros_like(b), "h": r, f"c{P}": np.ones_like(b)}


def _rs_glass_b(P, q):
    """RS m = 0 sector: the b with q = E tanh^2(b sqrt(P q^{P-1}) z) (increasing in b)."""
    from scipy.optimize import brentq
    s = math.sqrt(P * q ** (P - 1))
    # at large b*s use the kink rule through normal_nodes
    def g(b):
        hs, ww = Q.normal_nodes(0.0, s, b)
        return float(Q.expect(np.tanh(b * hs) ** 2, ww)) - q
    return brentq(g, 1e-6, 1e8, xtol=1e-14, rtol=1e-14)


def _x1_avg(P, q1, b):
    """At x = 1, q0 = 0, m = 0 the tilted inner measure is exact: cosh(b s z) phi(z) is a mixture of
    N(±b s, 1), so <F(u)> = E_z F(s z + b s^2) for even F (s^2 = xi'(q1) = P q1^{P-1})."""
    s = math.sqrt(P * q1 ** (P - 1))
    hs, w = Q.normal_nodes(b * s * s, s, b)
    return s, hs, w


def _x1_glass_b(P, q1):
    """1RSB m = 0, q0 = 0, x = 1: the b with q1 = <tanh^2>_{x=1} (dynamical solution)."""
    from scipy.optimize import brentq

    def g(b):
        _, hs, w = _x1_avg(P, q1, b)
        return float(Q.expect(np.tanh(b * hs) ** 2, w)) - q1
    return brentq(g, 1e-3, 1e3, xtol=1e-14, rtol=1e-14)


def _x1_gradx(P, q1, b):
    """dA/dx at x = 1, q0 = 0, m = 0:  -b^2 s^2/2 + <ln cosh(b u)> - b^2 (P-1) q1^P / 2."""
    s, hs, w = _x1_avg(P, q1, b)
    return -0.5 * b * b * s * s + float(Q.expect(Q.log_cosh(b * hs), w)) - 0.5 * b * b * (P - 1) * q1 ** P


@lru_cache(maxsize=16)
def pspin_glass_constants(P):
    """Transition points of the pure Ising P-spin glass xi(q) = q^P (m = 0, no field), in b = beta:

    ``b_rs_sg``   RS spin-glass solution appears (saddle-node; q jumps for P >= 3),
    ``b_rs_th``   RS glass and paramagnet have equal A (RS 'thermodynamic' line),
    ``b_d``       1RSB dynamical point: x = 1, q0 = 0 solution with q1 > 0 appears,
    ``b_s``       1RSB static point: dA/dx = 0 at x = 1 on that solution (T_s = 1/b_s),
    ``e_rs``      RS ground-state energy -sqrt(2P/pi),
    ``e_1rsb``    1RSB ground-state energy (T = 0 forms; minimum of A over (q0, y)), with q0, y.
    For xi = c q^P scale b by 1/sqrt(c) (T by sqrt(c)) and energies by sqrt(c).
    REM limit (P -> inf, xi = q^P): b_s -> sqrt(2 ln 2), e_1rsb -> -sqrt(2 ln 2).
    """
    from scipy.optimize import brentq, minimize_scalar
    out = {"P": P}
    r = minimize_scalar(lambda q: _rs_glass_b(P, q), bounds=(0.3, 0.99999), method="bounded",
                        options={"xatol": 1e-10})
    out["b_rs_sg"], q_f = r.fun, r.x
    Epp, _ = _scaled(P, 1.0)

    def dA_rs(q):
        b = _rs_glass_b(P, q)
        _, prm = _scaled(P, b)
        A = Epp.rs_pressure(np.zeros(1), np.array([q]), prm)[0]
        return A - (LN2 + 0.5 * b * b)
    qs = brentq(dA_rs, q_f, 1 - 1e-7, xtol=1e-13)
    out["b_rs_th"] = _rs_glass_b(P, qs)
    r = minimize_scalar(lambda q: _x1_glass_b(P, q), bounds=(0.3, 0.99999), method="bounded",
                        options={"xatol": 1e-9})
    out["b_d"], q_d = r.fun, r.x

    def gx(q1):
        return _x1_gradx(P, q1, _x1_glass_b(P, q1))
    q_s = brentq(gx, q_d, 1 - 1e-9, xtol=1e-12)
    out["b_s"] = _x1_glass_b(P, q_s)
    out["q1_s"], out["q1_d"] = q_s, q_d
    out["e_rs"] = -math.sqrt(2 * P / math.pi)
    E0, prm0 = _scaled(P, np.full(3, np.inf))
    s = solve_rsb0(E0, prm0, np.zeros(3), np.array([0.0, 0.3, 0.6]), np.array([1.0, 1.0, 1.0]))
    ok = s["converged"] & (s["y"] > 1e-6)
    if not ok.any():
        raise RuntimeError(f"pure {P}-spin glass: no 1RSB ground state converged from any start")
    i = int(np.argmin(np.where(ok, -s["energy"], np.inf)))
    out["e_1rsb"], out["q0_1rsb"], out["y_1rsb"] = float(s["energy"][i]), float(s["q0"][i]), float(s["y"][i])
    return out
