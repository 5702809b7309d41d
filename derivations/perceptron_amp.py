"""SymPy derivation of the Plefka / TAP (AMP) equations of the binary perceptron and of its
state evolution (run: python derivations/perceptron_amp.py).

Gibbs measure over w in {-1, 1}^N: exp(-beta E(w)), E = #patterns with stability
u_mu = y_mu w.x_mu/sqrt(N) below kappa (kappa = 0: training errors). Label-folded couplings
F_i,mu = y_mu x_mu,i/sqrt(N); a_mu = sum_i F_i,mu m_i; V_mu = sum_i F_i,mu^2 (1 - m_i^2).

1. Channel. For one pattern whose stability is Gaussian with mean s and variance V,
   Z_out(s, V) = E_z[e^{-beta} + (1 - e^{-beta}) theta(s + sqrt(V) z - kappa)]
   = e^{-beta} + (1 - e^{-beta}) Phi((s - kappa)/sqrt(V)) (the integral is checked); g = d ln Z/ds, dg = d^2 ln Z/ds^2 and the heat-equation identity
   d ln Z/dV = (dg + g^2)/2 follow by differentiation.
2. TAP free entropy (second order in the couplings, channel exact):
   Phi_TAP(m, s) = sum_i S(m_i) + sum_mu L(s_mu, a_mu, V_mu),
   L(s, a, V) = ln Z_out(s, V) + (s - a)^2/(2V).
   dPhi/ds_mu = 0 gives s = a - V g (the Onsager-corrected cavity mean); dPhi/dm_i = 0 gives
   atanh m_i = sum_mu F_i,mu g_mu + Lambda_i m_i, Lambda_i = -sum_mu F_i,mu^2 dg_mu: AMP's
   fixed point. The gradient is assembled from dL/ds, dL/da, dL/dV (SymPy) by the chain rule
   (da/dm_i = F_i,mu, dV/dm_i = -2 F_i,mu^2 m_i): ``tap_gradient``.
3. Naive mean field (order 1): ln Z_out = -beta Phi(-x) + O(beta^2), x = (s - kappa)/sqrt(V),
   and the Onsager shift s - a = -V g is O(beta), so to O(beta)
   Phi_1(m) = sum_i S(m_i) - beta sum_mu Phi((kappa - a_mu)/sqrt(V_mu)): the product-measure
   (Gibbs-Bogoliubov) bound with the CLT for u_mu. ``naive_gradient``.
4. State evolution (teacher-student, binary teacher, noiseless labels): with
   omega = sqrt(q) xi, omega0 = (R/sqrt(q)) xi, V0 = 1 - R^2/q, the teacher's output law for
   y = +1 is Z0 = Phi(omega0/sqrt(V0)); q_hat = alpha sum_y E[Z0 g^2],
   R_hat = alpha sum_y E[dZ0/domega0 g]. ``se_integrands`` gives the y = +1 integrands.
"""
import numpy as np
import sympy as sp

s, a, kappa, xi, z = sp.symbols("s a kappa xi z", real=True)
V, beta, q = sp.symbols("V beta q", positive=True)
R = sp.Symbol("R", real=True)


def Phi(t):
    """Gaussian CDF written with erfc (accurate in both tails once lambdified)."""
    return sp.erfc(-t / sp.sqrt(2)) / 2


def channel_Z():
    """Z_out(s, V) = e^{-beta} + (1 - e^{-beta}) Phi((s - kappa)/sqrt(V)) (closed form)."""
    return sp.exp(-beta) + (1 - sp.exp(-beta)) * Phi((s - kappa) / sp.sqrt(V))


def channel_Z_check():
    """The closed form minus E_z[e^{-beta} + (1 - e^{-beta}) theta(s + sqrt(V) z - kappa)]
    integrated by SymPy (simplifies to 0)."""
    dens = sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi)
    sat = sp.integrate(dens, (z, (kappa - s) / sp.sqrt(V), sp.oo))
    return sp.simplify((channel_Z() - sp.exp(-beta) - (1 - sp.exp(-beta)) * sat).rewrite(sp.erf))


def channel():
    """ln Z_out, g, dg and the residual of the heat-equation identity (symbolic)."""
    Z = channel_Z()
    lz = sp.log(Z)
    g = sp.diff(lz, s)
    dg = sp.diff(g, s)
    heat = sp.diff(lz, V) - (dg + g ** 2) / 2
    Z0 = Phi((s - kappa) / sp.sqrt(V))          # T = 0 (version space)
    g0 = sp.diff(sp.log(Z0), s)
    args = (s, V, beta, kappa)
    lam = lambda e: sp.lambdify(args, e, modules=["scipy", "numpy"])   # noqa: E731
    return dict(Z=Z, lnZ=lz, g=g, dg=dg, heat=heat, g0=g0,
                f=[lam(lz), lam(g), lam(dg)], heat_f=lam(heat),
                f0=[sp.lambdify((s, V, kappa), e, modules=["scipy", "numpy"])
                    for e in (sp.log(Z0), g0, sp.diff(g0, s))])


def order1_is_beta_truncation():
    """ln Z_out to first order in beta equals -beta Phi((kappa - s)/sqrt(V)) (returns the
    difference, which simplifies to 0)."""
    lz = sp.log(channel_Z())
    ser = sp.series(lz, beta, 0, 2).removeO()
    return sp.simplify((ser + beta * Phi((kappa - s) / sp.sqrt(V))).rewrite(sp.erf))


def tap_pattern_term():
    """L(s, a, V) and its partial derivatives (lambdified; args s, a, V, beta, kappa)."""
    L = sp.log(channel_Z()) + (s - a) ** 2 / (2 * V)
    args = (s, a, V, beta, kappa)
    return dict(L=L, f=[sp.lambdify(args, e, modules=["scipy", "numpy"])
                        for e in (L, sp.diff(L, s), sp.diff(L, a), sp.diff(L, V))])


def naive_pattern_term():
    """L1(a, V) = -beta Phi((kappa - a)/sqrt(V)) and its partial derivatives."""
    L = -beta * Phi((kappa - a) / sp.sqrt(V))
    args = (a, V, beta, kappa)
    return dict(L=L, f=[sp.lambdify(args, e, modules=["scipy", "numpy"])
                        for e in (L, sp.diff(L, a), sp.diff(L, V))])


def _dS(m):
    return -np.arctanh(m)       # d/dm of the binary entropy S(m)


def tap_gradient(F, m, s_cav, beta_v, kappa_v=0.0):
    """(dPhi_TAP/dm, dPhi_TAP/ds) for couplings F (N, P) from the SymPy pattern term."""
    _, dLs, dLa, dLV = tap_pattern_term()["f"]
    av = F.T @ m
    Vv = (F * F).T @ (1 - m * m)
    gm = dLa(s_cav, av, Vv, beta_v, kappa_v) * np.ones_like(av)
    gV = dLV(s_cav, av, Vv, beta_v, kappa_v) * np.ones_like(av)
    dm = _dS(m) + F @ gm - 2.0 * m * ((F * F) @ gV)
    return dm, dLs(s_cav, av, Vv, beta_v, kappa_v) * np.ones_like(av)


def naive_gradient(F, m, beta_v, kappa_v=0.0):
    """dPhi_1/dm for couplings F (N, P) from the SymPy pattern term."""
    _, dLa, dLV = naive_pattern_term()["f"]
    av = F.T @ m
    Vv = (F * F).T @ (1 - m * m)
    return _dS(m) + F @ dLa(av, Vv, beta_v, kappa_v) - 2.0 * m * ((F * F) @ dLV(av, Vv, beta_v, kappa_v))


def se_integrands():
    """y = +1 integrands (weight D xi) of q_hat/alpha and R_hat/alpha, args (xi, q, R, beta)."""
    g = sp.diff(sp.log(channel_Z()), s).subs({kappa: 0}).subs({s: sp.sqrt(q) * xi, V: 1 - q})
    om0 = sp.Symbol("omega0", real=True)
    V0 = 1 - R ** 2 / q
    Z0 = Phi(om0 / sp.sqrt(V0))
    dZ0 = sp.diff(Z0, om0)
    sub = {om0: R / sp.sqrt(q) * xi}
    args = (xi, q, R, beta)
    return dict(qh=Z0.subs(sub) * g ** 2, Rh=dZ0.subs(sub) * g,
                f=[sp.lambdify(args, e, modules=["scipy", "numpy"])
                   for e in (Z0.subs(sub) * g ** 2, dZ0.subs(sub) * g)])


if __name__ == "__main__":
    c = channel()
    print("Z_out =", c["Z"], "; closed form - Gaussian integral:", channel_Z_check())
    print("g =", sp.simplify(c["g"]))
    print("heat identity residual:", sp.simplify(c["heat"]))
    print("order 1 = O(beta) truncation, residual:", order1_is_beta_truncation())
    print("TAP pattern term L =", tap_pattern_term()["L"])
    print("SE integrands:", se_integrands()["qh"], "|", se_integrands()["Rh"])
