"""SymPy derivation of the Hopfield (AGS) RS and 1RSB stationarity equations.

Run ``python derivations/hopfield.py`` to print the equations. Convention (see
``statmech_nn/theory/hopfield.py``): H = -(1/2N) sum_{i != j} sum_mu xi_i xi_j s_i s_j,
alpha = K/N, f per spin, T = 1/beta.

Free energies written here (original variables, finite beta)::

  beta f_RS   = E_RS(m, q, r)   - E_z ln 2cosh(beta h),      h = m + sqrt(alpha r) z
  beta f_1RSB = E_1(m, q0, q1, x, r0, r1) - (1/x) E_z0 ln E_z1 exp(phi),
                phi = x ln 2cosh(beta h),  h = m + sqrt(alpha r0) z0 + sqrt(alpha (r1 - r0)) z1

with the "energetic" parts E_RS, E_1 fully symbolic (the AGS log-determinant of the soft
sector and the r q coupling).

How the Gaussian averages are treated: the integrand (ln 2cosh(beta h), phi) is kept symbolic
and differentiated by SymPy; the Gaussian average of the *symbolic derivative* is done
numerically with nested composite Gauss-Legendre quadrature in z (smooth integrands at
finite beta). So
``rs_gradient()`` / ``rsb_gradient()`` return the exact gradient of the free energy, with no
integration by parts: the hand-coded fixed-point equations of the package (which use
E[z f(z)] = E[f'(z)] to turn the r-derivatives into tanh^2 averages) are an independent
computation, and tests/test_hopfield.py checks the two agree to 1e-10 at random points.

The T = 0 RS free energy is fully closed-form (erf), and its stationarity equations are
derived and printed symbolically as well.
"""
import numpy as np
import sympy as sp
from scipy import special

m, q, r, q0, q1, x, r0, r1 = sp.symbols("m q r q0 q1 x r0 r1", real=True)
alpha, beta = sp.symbols("alpha beta", positive=True)
z, z0, z1 = sp.symbols("z z0 z1", real=True)
C, y = sp.symbols("C y", positive=True)


def rs_parts():
    """(energetic part E_RS, integrand ln 2cosh(beta h)) of beta f_RS."""
    D = 1 - beta * (1 - q)
    E = (alpha * beta / 2 + beta * m ** 2 / 2 + alpha / 2 * (sp.log(D) - beta * q / D)
         + alpha * beta ** 2 / 2 * r * (1 - q))
    h = m + sp.sqrt(alpha * r) * z
    return E, sp.log(2 * sp.cosh(beta * h))


def rsb_parts():
    """(energetic part E_1, phi = x ln 2cosh(beta h)) of beta f_1RSB."""
    D1 = 1 - beta * (1 - q1)
    D0 = D1 - beta * x * (q1 - q0)
    E = (alpha * beta / 2 + beta * m ** 2 / 2
         + alpha / 2 * ((1 - 1 / x) * sp.log(D1) + sp.log(D0) / x - beta * q0 / D0)
         + alpha * beta ** 2 / 2 * (r1 * (1 - q1) + x * (r1 * q1 - r0 * q0)))
    h = m + sp.sqrt(alpha * r0) * z0 + sp.sqrt(alpha * (r1 - r0)) * z1
    return E, x * sp.log(2 * sp.cosh(beta * h))


RS_VARS = (m, q, r)
RSB_VARS = (m, q0, q1, x, r0, r1)


def _gh(n):
    """Nodes/weights for E_z, z ~ N(0,1): composite Gauss-Legendre on [-11, 11] with ``n``
    panels of 8 nodes (accurate to ~1e-15 for the smooth integrands here, unlike
    Gauss-Hermite once beta * width > 1)."""
    x, wl = special.roots_legendre(8)
    edges = np.linspace(-11.0, 11.0, n + 1)
    half = 0.5 * np.diff(edges)
    zz = (0.5 * (edges[1:] + edges[:-1]))[:, None] + half[:, None] * x
    w = half[:, None] * wl * np.exp(-0.5 * zz ** 2)
    zz, w = zz.ravel(), w.ravel()
    return zz, w / w.sum()


def rs_gradient(n=120):
    """Return ``grad(m, q, r, alpha, beta) -> dict`` of d(beta f_RS)/d(m, q, r) (exact SymPy
    derivatives; Gaussian average of the differentiated integrand by Gauss-Hermite)."""
    E, lc = rs_parts()
    args = (m, q, r, alpha, beta)
    dE = {v.name: sp.lambdify(args, sp.diff(E, v), "numpy") for v in RS_VARS}
    dI = {v.name: sp.lambdify(args + (z,), sp.diff(lc, v), "numpy") for v in RS_VARS}
    zz, w = _gh(n)

    def grad(*vals):
        return {k: float(dE[k](*vals)) - float(np.sum(w * np.broadcast_to(dI[k](*vals, zz), zz.shape)))
                for k in dE}
    return grad


def rs_value(n=120):
    """Return ``value(m, q, r, alpha, beta) -> beta f_RS``."""
    E, lc = rs_parts()
    args = (m, q, r, alpha, beta)
    fE, fI = sp.lambdify(args, E, "numpy"), sp.lambdify(args + (z,), lc, "numpy")
    zz, w = _gh(n)
    return lambda *v: float(fE(*v)) - float(np.sum(w * fI(*v, zz)))


def rsb_gradient(n=40):
    """Return ``grad(m, q0, q1, x, r0, r1, alpha, beta) -> dict`` of d(beta f_1RSB)/d(vars).

    d/dtheta of S = (1/x) E0 ln E1 e^phi is (1/x) E0 <d phi/d theta> (+ -S/x for theta = x),
    <.> the z1-average with weight e^phi; d phi/d theta is the SymPy derivative."""
    E, phi = rsb_parts()
    args = (m, q0, q1, x, r0, r1, alpha, beta)
    dE = {v.name: sp.lambdify(args, sp.diff(E, v), "numpy") for v in RSB_VARS}
    fphi = sp.lambdify(args + (z0, z1), phi, "numpy")
    dphi = {v.name: sp.lambdify(args + (z0, z1), sp.diff(phi, v), "numpy") for v in RSB_VARS}
    zz, w = _gh(n)
    Z0, Z1 = np.meshgrid(zz, zz, indexing="ij")

    def grad(*vals):
        ph = fphi(*vals, Z0, Z1)
        ph = ph - ph.max(1, keepdims=True)
        W = w[None, :] * np.exp(ph)
        Zn = W.sum(1)
        W = W / Zn[:, None]
        xv = vals[3]
        S = np.sum(w * (np.log(Zn) + fphi(*vals, Z0, Z1).max(1))) / xv
        out = {}
        for k in dE:
            d = np.broadcast_to(dphi[k](*vals, Z0, Z1), Z0.shape)
            dS = np.sum(w * np.sum(W * d, 1)) / xv
            if k == "x":
                dS -= S / xv
            out[k] = float(dE[k](*vals)) - float(dS)
        return out
    return grad


def rsb_value(n=40):
    """Return ``value(m, q0, q1, x, r0, r1, alpha, beta) -> beta f_1RSB``."""
    E, phi = rsb_parts()
    args = (m, q0, q1, x, r0, r1, alpha, beta)
    fE, fphi = sp.lambdify(args, E, "numpy"), sp.lambdify(args + (z0, z1), phi, "numpy")
    zz, w = _gh(n)
    Z0, Z1 = np.meshgrid(zz, zz, indexing="ij")

    def value(*vals):
        ph = fphi(*vals, Z0, Z1)
        mx = ph.max(1)
        lnZ = np.log(np.sum(w[None, :] * np.exp(ph - mx[:, None]), 1)) + mx
        return float(fE(*vals)) - float(np.sum(w * lnZ)) / vals[3]
    return value


def rs_zero_T():
    """T = 0 RS ground-state energy f0(m, C, r) in closed form (q = 1, C = beta (1 - q)).

    f0 = alpha/2 + m^2/2 - (alpha/2)/(1 - C) + (alpha/2) r C - E|m + sqrt(alpha r) z|."""
    s = sp.sqrt(alpha * r)
    Eabs = m * sp.erf(m / (sp.sqrt(2) * s)) + s * sp.sqrt(2 / sp.pi) * sp.exp(-m ** 2 / (2 * s ** 2))
    return alpha / 2 + m ** 2 / 2 - alpha / 2 / (1 - C) + alpha / 2 * r * C - Eabs


def rsb_zero_T_parts():
    """T = 0 1RSB: f0 = E0(m, q0, C1, y, r0, r1) - (1/y) E_z0 ln Z1(a, s), q1 = 1, c1 -> C1,
    y = beta x, a = m + sqrt(alpha r0) z0, s = sqrt(alpha (r1 - r0)) and the closed form
    Z1 = E_z1 exp(y |a + s z1|) = exp(y^2 s^2/2) [e^{ya} Phi(a/s + ys) + e^{-ya} Phi(-a/s + ys)]."""
    C1 = sp.Symbol("C1", positive=True)
    D1 = 1 - C1
    D0 = D1 - y * (1 - q0)
    E = (alpha / 2 + m ** 2 / 2 + alpha / (2 * y) * sp.log(D0 / D1) - alpha / 2 * q0 / D0
         + alpha / 2 * (r1 * C1 + y * (r1 - r0 * q0)))
    a = m + sp.sqrt(alpha * r0) * z0
    s = sp.sqrt(alpha * (r1 - r0))
    Phi = lambda u: (1 + sp.erf(u / sp.sqrt(2))) / 2
    lnZ = y ** 2 * s ** 2 / 2 + sp.log(sp.exp(y * a) * Phi(a / s + y * s) + sp.exp(-y * a) * Phi(-a / s + y * s))
    return E, lnZ, C1


def rsb_zero_T_gradient(n=60):
    """Return ``grad(m, q0, C1, y, r0, r1, alpha) -> dict`` of the T = 0 1RSB d f0/d(vars):
    symbolic derivatives of the closed-form inner average, outer z0-average by quadrature."""
    E, lnZ, C1 = rsb_zero_T_parts()
    vars_ = (m, q0, C1, y, r0, r1)
    args = vars_ + (alpha,)
    dE = {v.name: sp.lambdify(args, sp.diff(E, v), ["scipy", "numpy"]) for v in vars_}
    fZ = sp.lambdify(args + (z0,), lnZ, ["scipy", "numpy"])
    dZ = {v.name: sp.lambdify(args + (z0,), sp.diff(lnZ, v), ["scipy", "numpy"]) for v in vars_}
    zz, w = _gh(n)

    def grad(*vals):
        yv = vals[3]
        out = {}
        for k in dE:
            dS = np.sum(w * np.broadcast_to(dZ[k](*vals, zz), zz.shape)) / yv
            if k == "y":
                dS -= np.sum(w * fZ(*vals, zz)) / yv ** 2
            out[k] = float(dE[k](*vals)) - float(dS)
        return out
    return grad


def main():
    sp.init_printing(use_unicode=False)
    print("== Hopfield RS (AGS): beta f = E_RS - E_z ln 2cosh(beta (m + sqrt(alpha r) z)) ==")
    E, lc = rs_parts()
    print("E_RS =", E)
    print("d/dq = 0  =>  r =", sp.solve(sp.diff(E, q), r)[0].simplify())
    print("d/dm = 0  =>  m = E_z[d ln2cosh/dm]/beta =", sp.simplify(sp.diff(lc, m) / beta),
          "averaged, i.e. m = E_z tanh(beta h)")
    print("d/dr = 0  =>  (alpha beta^2/2)(1 - q) = E_z[", sp.simplify(sp.diff(lc, r)), "]")
    print("            integration by parts E[z g(z)] = E[g'(z)]  =>  q = E_z tanh^2(beta h)")
    print()
    print("== T = 0 RS (q = 1, C = beta(1 - q)): f0 =", rs_zero_T())
    f0 = rs_zero_T()
    print("d f0/dC = 0  =>  r =", sp.solve(sp.diff(f0, C), r)[0].simplify())
    print("d f0/dm = 0  :", sp.simplify(sp.diff(f0, m)), "= 0  (m = erf(m / sqrt(2 alpha r)))")
    print("d f0/dr = 0  :", sp.simplify(sp.diff(f0, r)), "= 0  (C = sqrt(2/(pi alpha r)) exp(-m^2/(2 alpha r)))")
    print()
    print("== Hopfield 1RSB (Crisanti-Amit-Gutfreund): beta f = E_1 - (1/x) E0 ln E1 exp(phi) ==")
    E, phi = rsb_parts()
    print("E_1 =", E)
    print("d/dq0 = 0  =>  r0 =", sp.factor(sp.solve(sp.diff(E, q0), r0)[0]))
    print("d/dq1 = 0  =>  r1 =", sp.factor(sp.solve(sp.diff(E, q1), r1)[0]))
    print("d/dx of E_1 =", sp.simplify(sp.diff(E, x)))
    print("d phi/dx =", sp.diff(phi, x), "  (x-equation: dE_1/dx + S/x - (1/x) E0<d phi/dx> = 0)")
    print("d/dr0, d/dr1 with E[z g] = E[g'] give q0 = E0 <tanh>^2, q1 = E0 <tanh^2>;"
          " d/dm gives m = E0 <tanh>")
    print()
    print("== 1RSB at T = 0: q1 -> 1, x -> 0 with C1 = beta(1 - q1), y = beta x finite ==")
    E, lnZ, C1s = rsb_zero_T_parts()
    print("E_0 =", E)
    print("ln Z1 =", lnZ)
    print("d/dq0 = 0  =>  r0 =", sp.factor(sp.solve(sp.diff(E, q0), r0)[0]))
    print("d/dC1 = 0  =>  r1 =", sp.factor(sp.solve(sp.diff(E, C1s), r1)[0]))
    print("heat equation d lnZ1/d(s^2) = y^2/2 + y p(0)/Z1  =>  C1 = 2 E0[phi(a/s)/(s Z1)]")


if __name__ == "__main__":
    main()
