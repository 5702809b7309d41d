"""SymPy derivation of the k-step RSB equations of statmech_nn/theory/rsb (checked at k = 2).

Run ``python derivations/krsb.py``: prints the symbolic 2RSB gradients, checks the Parisi-matrix
identities behind the Hopfield k-RSB free energy on explicit finite-n matrices, and compares
the package's hand-coded gradients with these at random points.

1. Ising spin in a hierarchical Gaussian field (SK, mixed p-spin, dense Hebbian), k = 2.
   With u = H(m) + z0 sqrt(xi'(q0)) + z1 sqrt(xi'(q1) - xi'(q0)) + z2 sqrt(xi'(q2) - xi'(q1)):

     T > 0:  A = ln 2 + (1/x1) E_z0 ln J1 - beta a0 (P-1) m^P + (beta^2/2) (xi'(1) - xi'(q2))
                 - (beta^2/2) [x1 (th(q1) - th(q0)) + x2 (th(q2) - th(q1)) + th(1) - th(q2)],
             J1 = E_z1 J2^(x1/x2),  J2 = E_z2 cosh^x2(beta u),  th(q) = q xi'(q) - xi(q);
     T = 0:  A/beta -> (1/y1) E_z0 ln J1 - a0 (P-1) m^P - (1/2)[y1 (th(q1) - th(q0)) + y2 (th(1) - th(q1))],
             J1 = E_z1 J2^(y1/y2),  J2 = E_z2 exp(y2 |u|) (closed form with the normal CDF), q2 = 1.

   SymPy differentiates the integrands and the polynomial part; J1 and J2 are undefined
   functions whose derivatives are replaced by averages of the differentiated integrands
   (differentiation under the integral), computed by nested Gauss-Hermite quadrature, which
   shares nothing with the package's FFT recursion (its cost is exponential in k, fine at k = 2).
   The package's gradient (rsb/ising.py) is

     dA/dq_l = (beta^2/2) xi''(q_l) (x_{l+1} - x_l) (q_l - Q_l),   dA/dx_l = beta^2 d(A/beta)/dy_l,
     d(A/beta)/dy_l = (E_l phi_l - E_{l-1} phi_{l-1}) / y_l - (th(q_l) - th(q_{l-1}))/2.

2. Hopfield (AGS), any k.  For hierarchical (Parisi) n x n matrices with block sizes
   n = m_0 >= m_1 >= ... >= m_k >= m_{k+1} = 1 and levels a_0..a_k (diagonal d):
     (1/n) sum_{a != b} A_ab B_ab = sum_l (m_l - m_{l+1}) a_l b_l,
     eigenvalues of I - beta Q: D_k = 1 - beta (1 - q_k) (multiplicity n (1 - 1/m_k)),
     D_{l-1} = D_l - beta m_l (q_l - q_{l-1}) (multiplicity n (1/m_l - 1/m_{l-1})) and
     D_0 - n beta q_0 (once).
   These are checked here on explicit matrices (n = 12, blocks 6, 2).  With n -> 0 (m_l -> x_l)
   they give (1/n) Tr ln(I - beta Q) -> ln D_k + sum_l (1/x_l) ln(D_{l-1}/D_l) - beta q_0/D_0 and
   (1/n) sum r q -> -sum_l (x_{l+1} - x_l) r_l q_l, hence the free energy of rsb/hopfield.py.
   Its stationarity in q_l fixes r_l = (dL/dq_l) / (beta^2 (x_{l+1} - x_l)); SymPy derives these
   from L and the code's closed form r_0 = q_0/D_0^2, r_l - r_{l-1} = (q_l - q_{l-1})/(D_{l-1} D_l)
   is checked against them, as is df/dy_l.
"""
import math

import numpy as np
import sympy as sp
from scipy import special

m, beta, a0, h = sp.symbols("m beta a0 h", real=True)
q0, q1, q2, x1, x2, y1, y2 = sp.symbols("q0 q1 q2 x1 x2 y1 y2", real=True)
z0, z1, z2 = sp.symbols("z0 z1 z2", real=True)


def _xi(powers):
    t = sp.Symbol("t", real=True)
    cs = [sp.Symbol(f"c{k}", positive=True) for k in powers]
    xi = sum(c * t ** k for c, k in zip(cs, powers))
    return (lambda v, d=0: sp.diff(xi, t, d).subs(t, v)), cs


def ising_2rsb(powers=(2,), P=2, zero_T=False):
    """Symbolic pieces of the 2RSB pressure: inner integrand I2, exponent ratio, poly part,
    variables; at T = 0 J2 is given in closed form (symbolic in z0, z1)."""
    X, cs = _xi(powers)
    H = h + a0 * P * m ** (P - 1)
    th = lambda v: v * X(v, 1) - X(v)
    w = H + z0 * sp.sqrt(X(q0, 1)) + z1 * sp.sqrt(X(q1, 1) - X(q0, 1))
    if zero_T:
        s = sp.sqrt(X(1, 1) - X(q1, 1))
        Phi = lambda v: (1 + sp.erf(v / sp.sqrt(2))) / 2
        J2 = sp.exp(y2 ** 2 * s ** 2 / 2) * (sp.exp(y2 * w) * Phi(w / s + y2 * s)
                                             + sp.exp(-y2 * w) * Phi(-w / s + y2 * s))
        poly = -a0 * (P - 1) * m ** P - (y1 * (th(q1) - th(q0)) + y2 * (th(1) - th(q1))) / 2
        return {"J2": J2, "ratio": y1 / y2, "outer": 1 / y1, "poly": poly, "cs": cs,
                "vars": (m, q0, q1, y1, y2)}
    u = w + z2 * sp.sqrt(X(q2, 1) - X(q1, 1))
    I2 = sp.cosh(beta * u) ** x2
    poly = (sp.log(2) - beta * a0 * (P - 1) * m ** P + beta ** 2 / 2 * (X(1, 1) - X(q2, 1))
            - beta ** 2 / 2 * (x1 * (th(q1) - th(q0)) + x2 * (th(q2) - th(q1)) + th(1) - th(q2)))
    return {"I2": I2, "ratio": x1 / x2, "outer": 1 / x1, "poly": poly, "cs": cs,
            "vars": (m, q0, q1, q2, x1, x2)}


def _gh(n):
    z, w = special.roots_hermitenorm(n)
    return z, w / w.sum()


def ising_2rsb_gradient(point, powers=(2,), P=2, zero_T=False, n=60):
    """Gradient of the 2RSB pressure (A; T = 0: A/beta) at ``point`` (dict of symbol name ->
    value: m, q0, q1, (q2), x1, x2 | y1, y2, beta, a0, h, c<k>) from the symbolic derivatives and
    nested Gauss-Hermite quadrature.  Returns dict var name -> derivative, and 'A'."""
    d = ising_2rsb(powers, P, zero_T)
    vs = d["vars"]
    subs = {sp.Symbol(k, real=True) if not k.startswith("c") else sp.Symbol(k, positive=True): v
            for k, v in point.items()}
    zg, wg = _gh(n)
    Z0, Z1 = np.meshgrid(zg, zg, indexing="ij")
    W01 = np.outer(wg, wg)
    if zero_T:
        J2e = d["J2"]
        J2f = sp.lambdify((z0, z1), J2e.subs(subs), ["scipy", "numpy"])
        dJ2f = {v: sp.lambdify((z0, z1), sp.diff(J2e, v).subs(subs), ["scipy", "numpy"]) for v in vs}
        J2 = J2f(Z0, Z1) * np.ones_like(Z0)
        dJ2 = {v: dJ2f[v](Z0, Z1) * np.ones_like(Z0) for v in vs}
    else:
        I2 = d["I2"]
        If = sp.lambdify((z0, z1, z2), I2.subs(subs), ["scipy", "numpy"])
        dIf = {v: sp.lambdify((z0, z1, z2), sp.diff(I2, v).subs(subs), ["scipy", "numpy"]) for v in vs}
        Zs = np.meshgrid(zg, zg, zg, indexing="ij")
        J2 = np.tensordot(If(*Zs) * np.ones_like(Zs[0]), wg, axes=([2], [0]))
        dJ2 = {v: np.tensordot(dIf[v](*Zs) * np.ones_like(Zs[0]), wg, axes=([2], [0])) for v in vs}
    ratio = float(d["ratio"].subs(subs))
    outer = float(d["outer"].subs(subs))
    J1 = (W01 * J2 ** ratio).sum(1) / wg
    lnJ1 = np.log(J1)
    out = {"A": float(d["poly"].subs(subs)) + outer * float(wg @ lnJ1)}
    for v in vs:
        dratio = float(sp.diff(d["ratio"], v).subs(subs))
        douter = float(sp.diff(d["outer"], v).subs(subs))
        dJ1 = (W01 * J2 ** ratio * (dratio * np.log(J2) + ratio * dJ2[v] / J2)).sum(1) / wg
        out[str(v)] = (float(sp.diff(d["poly"], v).subs(subs)) + douter * float(wg @ lnJ1)
                       + outer * float(wg @ (dJ1 / J1)))
    return out


# ---- Hopfield: Parisi-matrix identities and the k-RSB free energy --------------------------------

def parisi_matrix(n, blocks, levels, diag):
    """Explicit n x n hierarchical matrix: blocks = (m_1, ..., m_k) (m_1 | n, m_{l+1} | m_l),
    levels = (a_0, ..., a_k), diagonal ``diag``."""
    A = np.full((n, n), float(levels[0]))
    for l, b in enumerate(blocks, start=1):
        for s in range(0, n, b):
            A[s:s + b, s:s + b] = levels[l]
    np.fill_diagonal(A, diag)
    return A


def check_parisi_identities(n=12, blocks=(6, 2), q=(0.2, 0.5, 0.8), r=(0.3, 0.7, 1.1), beta=0.15):
    """Max deviation of the eigenvalue (Tr ln) and pair-sum formulas from explicit matrices."""
    k = len(blocks)
    Q = parisi_matrix(n, blocks, q, 1.0)
    R = parisi_matrix(n, blocks, r, 0.0)
    ms = (n,) + tuple(blocks) + (1,)
    pair = sum((ms[l] - ms[l + 1]) * q[l] * r[l] for l in range(k + 1))
    pair_exact = (Q * R).sum() / n          # R has a zero diagonal: sum over a != b
    D = [0.0] * (k + 1)
    D[k] = 1 - beta * (1 - q[k])
    for l in range(k, 0, -1):
        D[l - 1] = D[l] - beta * ms[l] * (q[l] - q[l - 1])
    trln = (1 - 1 / ms[k]) * math.log(D[k])
    for l in range(1, k + 1):
        trln += (1 / ms[l] - 1 / ms[l - 1]) * math.log(D[l - 1])
    trln += math.log(D[0] - n * beta * q[0]) / n
    sign, logdet = np.linalg.slogdet(np.eye(n) - beta * Q)
    return max(abs(pair - pair_exact), abs(trln - logdet / n)) if sign > 0 else float("inf")


def hopfield_L(k):
    """Symbolic n -> 0 limit L(q_0..q_k, x_1..x_k, beta) of (1/n) Tr ln(I - beta Q) and the
    symbols (qs, xs)."""
    qs = sp.symbols(f"q0:{k + 1}", real=True)
    xs = sp.symbols(f"x1:{k + 1}", real=True)
    D = [None] * (k + 1)
    D[k] = 1 - beta * (1 - qs[k])
    for l in range(k, 0, -1):
        D[l - 1] = D[l] - beta * xs[l - 1] * (qs[l] - qs[l - 1])
    L = sp.log(D[k]) + sum(sp.log(D[l - 1] / D[l]) / xs[l - 1] for l in range(1, k + 1)) - beta * qs[0] / D[0]
    return L, qs, xs, D


def hopfield_r(k):
    """r_l = (dL/dq_l) / (beta^2 (x_{l+1} - x_l)) (x_{k+1} = 1), symbolic."""
    L, qs, xs, D = hopfield_L(k)
    xe = (0,) + tuple(xs) + (1,)
    return [sp.simplify(sp.diff(L, qs[l]) / (beta ** 2 * (xe[l + 1] - xe[l]))) for l in range(k + 1)], qs, xs


def hopfield_dfdx_L(k):
    """(alpha/(2 beta)) dL/dx_l at fixed q (the L part of df/dx_l), symbolic (alpha = 1)."""
    L, qs, xs, D = hopfield_L(k)
    return [sp.diff(L, xs[l]) / (2 * beta) for l in range(k)], qs, xs


if __name__ == "__main__":
    print("2RSB (T > 0) gradient components (symbolic integrand derivatives):")
    d = ising_2rsb((2,), 2)
    for v in d["vars"]:
        print(f"  d I2/d{v} =", sp.simplify(sp.diff(d["I2"], v)))
    print("Parisi-matrix identities, max deviation on explicit 12 x 12 matrices:", check_parisi_identities())
    rs, qs, xs = hopfield_r(2)
    for l, r in enumerate(rs):
        print(f"  r_{l} =", sp.simplify(r))
