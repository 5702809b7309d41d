"""SymPy derivation of the RS theory of dense Hebbian learning (statmech_nn.learning.theory).

Run ``python derivations/learning.py`` to print the pressure, its gradient and the checks.

What is derived here
--------------------
1. The effective Hamiltonian (P >= 3). For the supervised network
   H = -N^{1-P} sum_mu e_P(xi~^mu * s) the condensed class gives -N n^P/P! (+O(1)), and each
   other class a centred variable with Cov = N^{2-2P} C(N,P) (E xi~^2)^P q^P = N^{2-P} q^P/P!;
   K = alpha N^{P-1} of them: covariance N alpha q^P/P!.  For the unsupervised network
   (prefactor 1/(M R^{P/2}), one tensor per example, E[eta_a eta_b] = r^2 for a != b) the sum
   over example pairs gives M (1 + (M-1) r^{2P}), hence nu = (1 + (M-1) r^{2P})/(M R^P);
   the symmetric condensed state has m_a = r sqrt(1+rho) n for every a, so
   (1/(M R^{P/2})) M (r sqrt(1+rho) n)^P = n^P: the same signal as supervised.  Both are
   checked symbolically below (:func:`check_effective_model`).
2. The RS pressure of a P-spin signal + Gaussian process with covariance N xi(q),
   xi(q) = alpha nu q^P/P! (standard; Guerra's interpolation gives the same bound):
   A = ln 2 + E ln cosh(beta h) - beta (n g'(n) - g(n)) + beta^2/2 [xi(1) - xi(q) - (1-q) xi'(q)],
   h = g'(n) xi~ + sqrt(xi'(q)) z, g(n) = n^P/P!.
3. P = 2: the AGS-type pressure with the class spectrum (c_k, multiplicity) and the variational
   rr (conjugate of q); see statmech_nn/learning/theory.py.

:func:`pressure_gradient` differentiates the pressure integrand with SymPy and integrates
the derivative numerically (product Gauss-Hermite); tests compare it with the package's
hand-coded stationarity maps at random points (tests/test_learning_theory.py).
"""
import math

import numpy as np
import sympy as sp

n, q, rr, beta, alpha, nu, x, z = sp.symbols("n q rr beta alpha nu x z", real=True)


def pressure_integrand(P, spec=None):
    """Integrand of A (its E_{x,z} gives A), as a SymPy expression in n, q (, rr).

    x is the value of the normalised class average xi~, z ~ N(0, 1)."""
    if P >= 3:
        fact = sp.factorial(P - 1)
        h = n ** (P - 1) / fact * x + z * sp.sqrt(alpha * nu * q ** (P - 1) / fact)
        return (sp.log(2) + sp.log(sp.cosh(beta * h)) - beta * (P - 1) * n ** P / sp.factorial(P)
                + beta ** 2 * alpha * nu / (2 * sp.factorial(P)) * (1 - P * q ** (P - 1) + (P - 1) * q ** P))
    spec = spec or [(1, 1)]
    h = n * x + sp.sqrt(alpha * rr) * z
    det = sum(mult * (sp.log(1 - beta * c * (1 - q)) - beta * c * q / (1 - beta * c * (1 - q)) + beta * c)
              for c, mult in spec)
    return (sp.log(2) + sp.log(sp.cosh(beta * h)) - beta * n ** 2 / 2 - alpha / 2 * det
            - alpha * beta ** 2 * rr * (1 - q) / 2)


def gradient_functions(P, spec=None):
    """Lambdified partial derivatives of the integrand wrt the order parameters."""
    A = pressure_integrand(P, spec)
    vars_ = [n, q] if P >= 3 else [n, q, rr]
    args = (n, q, rr, beta, alpha, nu, x, z)
    return [sp.lambdify(args, sp.diff(A, v), "numpy") for v in vars_], sp.lambdify(args, A, "numpy")


def _nodes(law_x, law_w, nz=120):
    zz, wz = np.polynomial.hermite_e.hermegauss(nz)
    wz = wz / wz.sum()
    X = np.asarray(law_x, float)[:, None]
    Z = zz[None, :]
    W = np.asarray(law_w, float)[:, None] * wz[None, :]
    return X, Z, W


def pressure_gradient(P, point, law_x, law_w, spec=None):
    """E over (xi~ law, z) of the SymPy gradient of the pressure at ``point``
    (dict with n, q, rr, beta, alpha, nu)."""
    grads, _ = gradient_functions(P, spec)
    X, Z, W = _nodes(law_x, law_w)
    a = [point.get(k, 0.0) for k in ("n", "q", "rr", "beta", "alpha", "nu")]
    return np.array([np.sum(W * np.broadcast_to(g(*a, X, Z), X.shape[:1] + Z.shape[1:])) for g in grads])


def pressure_value(P, point, law_x, law_w, spec=None):
    _, Af = gradient_functions(P, spec)
    X, Z, W = _nodes(law_x, law_w)
    a = [point.get(k, 0.0) for k in ("n", "q", "rr", "beta", "alpha", "nu")]
    return float(np.sum(W * np.broadcast_to(Af(*a, X, Z), X.shape[:1] + Z.shape[1:])))


def check_effective_model():
    """Symbolic checks of the signal and the unsupervised noise factor; returns True."""
    r, M, Pp, nn = sp.symbols("r M P n", positive=True)
    R = r ** 2 + (1 - r ** 2) / M
    rho = (1 - r ** 2) / (M * r ** 2)
    # every example overlap in the symmetric state: r * (overlap with xi^ = sqrt(1+rho) n)
    ma = r * sp.sqrt(1 + rho) * nn
    signal = sp.simplify((M * ma ** Pp / (M * R ** (Pp / 2))).subs(Pp, 4) - nn ** 4)
    # pair sum of (E eta_a eta_b)^P over a, b in one class
    pairs = M * 1 + M * (M - 1) * r ** (2 * Pp)
    nu_ = pairs / (M ** 2 * R ** Pp)
    rhoP = (1 - r ** (2 * Pp)) / (M * r ** (2 * Pp))
    same = sp.simplify((nu_ - (1 + rhoP) / (1 + rho) ** Pp).subs(Pp, 4))
    m1 = sp.simplify(nu_.subs(M, 1).subs(Pp, 4) - 1)
    return signal == 0 and same == 0 and m1 == 0


def main():
    for P in (4, 2):
        A = pressure_integrand(P, [(1, 1), (sp.Symbol("c"), sp.Symbol("M") - 1)] if P == 2 else None)
        print(f"P = {P}: integrand of A =")
        sp.pprint(A)
        for v in ([n, q] if P >= 3 else [n, q, rr]):
            print(f"  dA/d{v} =", sp.simplify(sp.diff(A, v)))
    print("effective-model identities hold:", check_effective_model())
    # T = 0 capacity invariant for binary archetypes, P = 4
    from scipy import optimize, special
    k = 1 / 3
    opt = optimize.minimize_scalar(lambda lx: -special.erf(math.exp(lx)) * math.exp(-k * lx),
                                   bounds=(-3, 3), method="bounded", options={"xatol": 1e-12})
    print("tau_c(P=4, rho=0) =", 0.5 * (-opt.fun) ** 6)


if __name__ == "__main__":
    main()
