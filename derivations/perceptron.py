"""SymPy derivations for the perceptron family (run: python derivations/perceptron.py).

Each function returns lambdified integrands and their exact symbolic gradients; the
tests (tests/test_perceptron_derivations.py) evaluate them at random points and
compare with the hand-coded stationarity integrands of statmech_nn.perceptron to
1e-10. Integration (quadrature) is identical on both sides, so agreement of the
integrands is agreement of the saddle-point equations.

Free entropies (per weight; Dz Gaussian measure, H(x) = erfc(x/sqrt 2)/2):
  storage   G_E(q)    = E_z ln H((kappa - sqrt(q) z)/sqrt(1-q))
  teacher   G_E(q, R) = 2 E_z H(-R z/sqrt(q-R^2)) ln[e^-beta + (1-e^-beta) H(-sqrt(q/(1-q)) z)]
  field     G_E(q,R,Q)= 2 E_z H(-R z/sqrt(q-R^2)) ln E_x H(-g)^beta,
            g = (sqrt(q) z + sqrt(Q-q) x)/sqrt(1-Q)
  site      ln int dm exp[(Qh - qh/2) m^2 + (sqrt(qh) z + rh) m]  (d/dhat -> moments)
"""
import sympy as sp

z, x, m = sp.symbols("z x m", real=True)
q, R, Q, kappa, beta = sp.symbols("q R Q kappa beta", positive=True)
qh, rh, Qh = sp.symbols("qh rh Qh", real=True)


def Hs(t):
    return sp.erfc(t / sp.sqrt(2)) / 2


def _lam(args, exprs):
    return [sp.lambdify(args, e, modules=["scipy", "numpy"]) for e in exprs]


def storage():
    u = (kappa - sp.sqrt(q) * z) / sp.sqrt(1 - q)
    ge = sp.log(Hs(u))
    return dict(args=(z, q, kappa), ge=ge, dq=sp.diff(ge, q),
                f=_lam((z, q, kappa), [ge, sp.diff(ge, q)]))


def teacher():
    a = R / sp.sqrt(q - R ** 2)
    b = sp.sqrt(q / (1 - q))
    ge = 2 * Hs(-a * z) * sp.log(sp.exp(-beta) + (1 - sp.exp(-beta)) * Hs(-b * z))
    err = -sp.diff(ge, beta)  # training error integrand (d Phi/d beta = -e/alpha)
    return dict(ge=ge, f=_lam((z, q, R, beta), [ge, sp.diff(ge, q), sp.diff(ge, R), err]))


def field_inner():
    """x-integrand: beta ln H(-g) and its q, Q derivatives (outer chain rule in the code)."""
    g = (sp.sqrt(q) * z + sp.sqrt(Q - q) * x) / sp.sqrt(1 - Q)
    lw = beta * sp.log(Hs(-g))
    return dict(f=_lam((z, x, q, Q, beta), [lw, sp.diff(lw, q), sp.diff(lw, Q)]))


def field_outer():
    """z-integrand 2 H(-a z) L with L a symbol: derivatives w.r.t. q and R at fixed L."""
    L = sp.Symbol("L", real=True)
    a = R / sp.sqrt(q - R ** 2)
    ge = 2 * Hs(-a * z) * L
    return dict(f=_lam((z, L, q, R), [ge, sp.diff(ge, q), sp.diff(ge, R)]))


def site():
    """d/d(hats) of the single-site log-weight: the moments the code integrates."""
    lw = (Qh - qh / 2) * m ** 2 + (sp.sqrt(qh) * z + rh) * m
    return {"dqh": sp.simplify(sp.diff(lw, qh)), "drh": sp.diff(lw, rh), "dQh": sp.diff(lw, Qh)}


if __name__ == "__main__":
    print("storage dG_E/dq integrand:", sp.simplify(storage()["dq"]))
    print("site derivatives:", site())
    t = teacher()
    print("teacher G_E integrand:", t["ge"])
