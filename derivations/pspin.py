"""SymPy derivation of the RS and 1RSB saddle-point equations of the p-spin engine
(statmech_nn/theory/pspin.py): mixed Ising p-spin glass xi(q) = sum_k c_k q^k plus a
ferromagnetic P-spin signal -N a0 m^P and a field h.

Run ``python derivations/pspin.py``: prints the symbolic gradients and checks them against the
package's hand-coded stationarity equations at random points.

Pressures (A = -beta f; u the local field, H(m) = h + a0 P m^{P-1}):

  RS    A = ln 2 + E_z ln cosh(beta u) - beta a0 (P-1) m^P + beta^2/2 [xi(1) - xi(q) - (1-q) xi'(q)],
        u = H(m) + z sqrt(xi'(q))
  1RSB  A = ln 2 + (1/x) E_{z0} ln J - beta a0 (P-1) m^P
            + beta^2/2 [xi(1) - xi(q1) - (1-q1) xi'(q1) - x (q1 xi'(q1) - xi(q1) - q0 xi'(q0) + xi(q0))],
        J = E_{z1} cosh^x(beta u),  u = H(m) + z0 sqrt(xi'(q0)) + z1 sqrt(xi'(q1) - xi'(q0))
  T=0 RS    A/beta -> Ã = E|u| - a0 (P-1) m^P  (q = 1; E|u| in closed form with erf)
  T=0 1RSB  A/beta -> Ã = (1/y) E_{z0} ln Z1 - a0 (P-1) m^P - (y/2)(xi'(1) - xi(1) - q0 xi'(q0) + xi(q0)),
        Z1 = E_{z1} e^{y|u|} = e^{y^2 s^2/2} [e^{y w} Phi((w + y s^2)/s) + e^{-y w} Phi((-w + y s^2)/s)],
        w = H(m) + z0 sqrt(xi'(q0)), s^2 = xi'(1) - xi'(q0)     (q1 -> 1, y = beta x fixed).

How the Gaussian averages are treated (the only non-symbolic step):
  * Every pressure is written as  poly(theta) + E_{z0}[ G(z0, theta) ]  with, at 1RSB,
    G = (1/x) ln J(theta) and J = E_{z1}[I(z0, z1, theta)], I = cosh^x(beta u).
  * SymPy differentiates poly and the integrands I (or G where G is closed form).  For the
    nested average J is an *undefined SymPy function* J(m, q0, q1, x): SymPy applies the chain
    rule to (1/x) ln J, and Derivative(J, theta) is then replaced by E_{z1}[dI/dtheta]
    (differentiation under the integral: the Gaussian weights do not depend on theta because
    the theta-dependence sits in u, not in the measure).
  * The resulting integrands are lambdified and averaged with a composite Gauss-Legendre rule on
    z in [-10, 10] (fixed panels, independent of the package's kink rule and of its re-centred
    1RSB inner average), accurate to ~1e-13 for beta * sqrt(xi') up to a few.
So the gradient is SymPy's; the tests compare it with the hand-coded equations

  RS    dA/dm  = beta a0 P (P-1) m^{P-2} (E tanh - m),   dA/dq = beta^2 xi''(q)/2 (q - E tanh^2)
  1RSB  dA/dm  = beta a0 P (P-1) m^{P-2} (E0<t> - m),    dA/dq0 = beta^2 x xi''(q0)/2 (q0 - E0<t>^2)
        dA/dq1 = beta^2 (1-x) xi''(q1)/2 (q1 - E0<t^2>)
        dA/dx  = -(1/x^2) E0 ln J + (1/x) E0<ln cosh> - beta^2/2 (q1 xi'(q1) - xi(q1) - q0 xi'(q0) + xi(q0))
  T=0   dÃ/dm  = a0 P (P-1) m^{P-2} (E0<sgn> - m),      dÃ/dq0 = (y/2) xi''(q0) (q0 - E0<sgn>^2)
        dÃ/dy  = -(1/y^2) E0 ln Z1 + (1/y) E0<|u|> - D/2
(see PSpinEngine.rs_gradient, rsb_gradient, rsb0_gradient) to 1e-10 (tests/test_sk.py).
"""
import math

import numpy as np
import sympy as sp

m, q, q0, q1, x, y, beta, a0, h = sp.symbols("m q q0 q1 x y beta a0 h", real=True)
z, z0, z1 = sp.symbols("z z0 z1", real=True)


def _xi(powers, t):
    cs = [sp.Symbol(f"c{k}", positive=True) for k in powers]
    return sum(c * t ** k for c, k in zip(cs, powers)), cs


def _parts(powers, P):
    t = sp.Symbol("t", real=True)
    xi, cs = _xi(powers, t)
    xi1 = sp.diff(xi, t)
    X = lambda v: xi.subs(t, v)
    X1 = lambda v: xi1.subs(t, v)
    H = h + a0 * P * m ** (P - 1)
    return X, X1, H, cs


def rs_symbolic(powers=(2,), P=2):
    """Symbolic RS integrand I(z) (A = poly + E_z I) and poly; returns dict."""
    X, X1, H, cs = _parts(powers, P)
    u = H + z * sp.sqrt(X1(q))
    integrand = sp.log(sp.cosh(beta * u))
    poly = sp.log(2) - beta * a0 * (P - 1) * m ** P + beta ** 2 / 2 * (X(1) - X(q) - (1 - q) * X1(q))
    grads = {v: (sp.diff(integrand, v), sp.diff(poly, v)) for v in (m, q)}
    return {"integrand": integrand, "poly": poly, "grads": grads, "cs": cs}


def rsb_symbolic(powers=(2,), P=2):
    """Symbolic 1RSB pressure with J an undefined function; returns dict with the chain-rule
    gradient (in terms of J and its derivatives) and the inner integrand I = cosh^x(beta u)."""
    X, X1, H, cs = _parts(powers, P)
    u = H + z0 * sp.sqrt(X1(q0)) + z1 * sp.sqrt(X1(q1) - X1(q0))
    I = sp.cosh(beta * u) ** x
    J = sp.Function("J")(m, q0, q1, x)
    outer = sp.log(J) / x                       # averaged over z0
    poly = (sp.log(2) - beta * a0 * (P - 1) * m ** P
            + beta ** 2 / 2 * (X(1) - X(q1) - (1 - q1) * X1(q1)
                               - x * (q1 * X1(q1) - X(q1) - q0 * X1(q0) + X(q0))))
    grads = {}
    for v in (m, q0, q1, x):
        g = sp.diff(outer, v)                   # SymPy chain rule: contains J and Derivative(J, v)
        grads[v] = (g, sp.diff(I, v), sp.diff(poly, v))
    return {"I": I, "J": J, "outer": outer, "poly": poly, "grads": grads, "cs": cs}


def rsb0_symbolic(powers=(2,), P=2):
    """Symbolic T = 0 1RSB pressure Ã(m, q0, y) with the closed-form inner average."""
    X, X1, H, cs = _parts(powers, P)
    Phi = lambda t: (1 + sp.erf(t / sp.sqrt(2))) / 2
    s2 = X1(1) - X1(q0)
    s = sp.sqrt(s2)
    w = H + z0 * sp.sqrt(X1(q0))
    Z1 = sp.exp(y ** 2 * s2 / 2) * (sp.exp(y * w) * Phi((w + y * s2) / s)
                                     + sp.exp(-y * w) * Phi((-w + y * s2) / s))
    integrand = sp.log(Z1) / y
    poly = -a0 * (P - 1) * m ** P - y / 2 * (X1(1) - X(1) - q0 * X1(q0) + X(q0))
    grads = {v: (sp.diff(integrand, v), sp.diff(poly, v)) for v in (m, q0, y)}
    return {"integrand": integrand, "poly": poly, "grads": grads, "cs": cs}


def rs0_symbolic(powers=(2,), P=2):
    """Symbolic T = 0 RS pressure Ã(m) = E|u| - a0 (P-1) m^P in closed form."""
    X, X1, H, cs = _parts(powers, P)
    s = sp.sqrt(X1(1))
    absu = H * sp.erf(H / (s * sp.sqrt(2))) + s * sp.sqrt(2 / sp.pi) * sp.exp(-H ** 2 / (2 * s ** 2))
    At = absu - a0 * (P - 1) * m ** P
    return {"pressure": At, "grads": {m: sp.diff(At, m)}, "cs": cs}


# ---- numerics: lambdify + composite Gauss-Legendre on z -----------------------------------------

def gl_nodes(n_panels=160, order=8, L=10.0):
    """Composite Gauss-Legendre nodes/weights for E_z, z ~ N(0,1), on [-L, L]."""
    xg, wg = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(-L, L, n_panels + 1)
    a, b = edges[:-1, None], edges[1:, None]
    zz = (0.5 * (a + b) + 0.5 * (b - a) * xg).ravel()
    ww = (0.5 * (b - a) * wg).ravel() * np.exp(-0.5 * zz ** 2) / math.sqrt(2 * math.pi)
    return zz, ww / ww.sum()


def _args(cs):
    return [m, q, q0, q1, x, y, beta, a0, h] + list(cs)


def _vals(prm, powers, **ops):
    d = dict(m=0.0, q=0.0, q0=0.0, q1=0.0, x=1.0, y=1.0)
    d.update(ops)
    return [d["m"], d["q"], d["q0"], d["q1"], d["x"], d["y"], prm["beta"], prm["a0"], prm["h"]] + \
        [prm[f"c{k}"] for k in powers]


def rs_gradient(powers=(2,), P=2):
    """Return f(m, q, prm) -> {'m': dA/dm, 'q': dA/dq} from the SymPy gradient (scalars)."""
    S = rs_symbolic(powers, P)
    args = _args(S["cs"]) + [z]
    fns = {str(v): (sp.lambdify(args, gi, "numpy"), sp.lambdify(args, gp, "numpy"))
           for v, (gi, gp) in S["grads"].items()}
    Ai = sp.lambdify(args, S["integrand"], "numpy")
    Ap = sp.lambdify(args, S["poly"], "numpy")
    zz, ww = gl_nodes()

    def grad(mv, qv, prm):
        vals = _vals(prm, powers, m=mv, q=qv)
        out = {k: float(np.sum(ww * fi(*vals, zz)) + fp(*vals, 0.0)) for k, (fi, fp) in fns.items()}
        out["A"] = float(np.sum(ww * Ai(*vals, zz)) + Ap(*vals, 0.0))
        return out
    return grad


def rsb_gradient(powers=(2,), P=2, n_panels=100):
    """Return f(m, q0, q1, x, prm) -> dict of dA/dtheta (and 'A') from the SymPy gradient."""
    S = rsb_symbolic(powers, P)
    args = _args(S["cs"]) + [z0, z1]
    J = S["J"]
    Jv, dJv = sp.Symbol("Jv"), {v: sp.Symbol(f"dJ_{v}") for v in (m, q0, q1, x)}
    I_f = sp.lambdify(args, S["I"], "numpy")
    dI_f = {str(v): sp.lambdify(args, gI, "numpy") for v, (_, gI, _) in S["grads"].items()}
    outer_f, poly_f = {}, {}
    for v, (g, _, gp) in S["grads"].items():
        g2 = g.subs({sp.Derivative(J, w): dJv[w] for w in dJv}).subs(J, Jv)
        outer_f[str(v)] = sp.lambdify(args[:-2] + [Jv] + [dJv[v]], g2, "numpy")
        poly_f[str(v)] = sp.lambdify(args[:-2], gp, "numpy")
    A_poly = sp.lambdify(args[:-2], S["poly"], "numpy")
    zz, ww = gl_nodes(n_panels=n_panels)
    Z0, Z1 = np.meshgrid(zz, zz, indexing="ij")

    def grad(mv, q0v, q1v, xv, prm):
        vals = _vals(prm, powers, m=mv, q0=q0v, q1=q1v, x=xv)
        Iv = I_f(*vals, Z0, Z1)
        Jn = Iv @ ww                                   # E_{z1} I, one per z0 node
        out = {"A": float(np.sum(ww * np.log(Jn)) / xv + A_poly(*vals))}
        for k in dI_f:
            dJ = dI_f[k](*vals, Z0, Z1) @ ww           # E_{z1} dI/dtheta
            out[k] = float(np.sum(ww * outer_f[k](*vals, Jn, dJ)) + poly_f[k](*vals))
        return out
    return grad


def rsb0_gradient(powers=(2,), P=2):
    """Return f(m, q0, y, prm) -> dict of dÃ/dtheta (and 'A' = Ã) at T = 0 (SymPy gradient)."""
    S = rsb0_symbolic(powers, P)
    args = _args(S["cs"]) + [z0]
    fns = {str(v): (sp.lambdify(args, gi, ["numpy", "scipy"]), sp.lambdify(args, gp, "numpy"))
           for v, (gi, gp) in S["grads"].items()}
    Ai = sp.lambdify(args, S["integrand"], ["numpy", "scipy"])
    Ap = sp.lambdify(args, S["poly"], "numpy")
    zz, ww = gl_nodes()

    def grad(mv, q0v, yv, prm):
        vals = _vals(prm, powers, m=mv, q0=q0v, y=yv)
        out = {k: float(np.sum(ww * fi(*vals, zz)) + fp(*vals, 0.0)) for k, (fi, fp) in fns.items()}
        out["A"] = float(np.sum(ww * Ai(*vals, zz)) + Ap(*vals, 0.0))
        return out
    return grad


def rs0_gradient(powers=(2,), P=2):
    S = rs0_symbolic(powers, P)
    args = _args(S["cs"])
    g = sp.lambdify(args, S["grads"][m], ["numpy", "scipy"])
    A = sp.lambdify(args, S["pressure"], ["numpy", "scipy"])
    return lambda mv, prm: {"m": float(g(*_vals(prm, powers, m=mv))), "A": float(A(*_vals(prm, powers, m=mv)))}


def _demo():
    from statmech_nn.theory.pspin import PSpinEngine
    rng = np.random.default_rng(1)
    for powers, P in [((2,), 2), ((4,), 4), ((2, 4), 3)]:
        E = PSpinEngine(powers, P)
        print(f"== xi powers {powers}, signal P = {P}")
        S = rs_symbolic(powers, P)
        for v, (gi, gp) in S["grads"].items():
            print(f"  RS  dA/d{v}: E_z[{sp.simplify(gi)}] + {sp.simplify(gp)}")
        prm = {"beta": np.array([rng.uniform(0.5, 2.0)]), "a0": np.array([rng.uniform(0.1, 0.5)]),
               "h": np.array([rng.uniform(-0.3, 0.3)])}
        for k in powers:
            prm[f"c{k}"] = np.array([rng.uniform(0.2, 0.8)])
        scal = {k: float(v[0]) for k, v in prm.items()}
        mv, q0v, q1v, xv, yv = 0.6, 0.3, 0.7, 0.45, 1.3
        g_rs = rs_gradient(powers, P)(mv, q1v, scal)
        hand = E.rs_gradient(np.array([mv]), np.array([q1v]), prm)
        print("  RS   max |sympy - hand| =", max(abs(g_rs[k] - float(hand[k][0])) for k in ("m", "q")))
        g = rsb_gradient(powers, P)(mv, q0v, q1v, xv, scal)
        hand = E.rsb_gradient(np.array([mv]), np.array([q0v]), np.array([q1v]), np.array([xv]), prm)
        print("  1RSB max |sympy - hand| =", max(abs(g[k] - float(hand[k][0])) for k in ("m", "q0", "q1", "x")))
        p0 = dict(prm, beta=np.array([np.inf]))
        s0 = {k: float(v[0]) for k, v in p0.items()}
        g = rsb0_gradient(powers, P)(mv, q0v, yv, s0)
        hand = E.rsb0_gradient(np.array([mv]), np.array([q0v]), np.array([yv]), p0)
        print("  T=0 1RSB max |sympy - hand| =", max(abs(g[k] - float(hand[k][0])) for k in ("m", "q0", "y")))


if __name__ == "__main__":
    _demo()
