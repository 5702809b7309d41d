"""Hand-coded stationarity integrands == SymPy gradients (derivations/perceptron.py) at
random points, to 1e-10; integrated gradients == finite differences of the free entropy."""
import importlib.util
import pathlib

import numpy as np
import pytest

from statmech_nn.perceptron import field, storage, teacher

_spec = importlib.util.spec_from_file_location(
    "deriv_perceptron", pathlib.Path(__file__).parents[1] / "derivations" / "perceptron.py")
D = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(D)
RNG = np.random.default_rng(20261128)


def close(a, b, tol=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))), np.max(np.abs(a - b))


def test_storage_integrand_matches_sympy():
    ge, dq = D.storage()["f"]
    for _ in range(20):
        zz, qq, kk = RNG.normal(), RNG.uniform(0.05, 0.95), RNG.uniform(0, 1.5)
        g1, d1 = storage._ge_integrand(zz, qq, kk)
        close(g1, ge(zz, qq, kk)), close(d1, dq(zz, qq, kk))


@pytest.mark.parametrize("beta", [0.7, 3.0])
def test_teacher_integrand_matches_sympy(beta):
    f = D.teacher()["f"]
    for _ in range(20):
        zz, qq = RNG.normal(), RNG.uniform(0.05, 0.9)
        RR = RNG.uniform(-0.95, 0.95) * np.sqrt(qq)
        mine = teacher.teacher_GE_integrand(zz, qq, RR, beta)
        for a, fn in zip(mine, f):
            close(a, fn(zz, qq, RR, beta))


def test_field_integrands_match_sympy():
    fin = D.field_inner()["f"]
    fout = D.field_outer()["f"]
    for _ in range(20):
        zz, xx = RNG.normal(size=2)
        QQ = RNG.uniform(0.2, 0.9)
        qq = RNG.uniform(0.05, 0.95) * QQ
        RR = RNG.uniform(-0.9, 0.9) * np.sqrt(qq)
        bb = RNG.uniform(1, 20)
        p = field.field_GE_integrand(zz, xx, qq, RR, QQ, bb)
        close(bb * p["lh"], fin[0](zz, xx, qq, QQ, bb))
        close(bb * p["mg"] * p["dg_dq"], fin[1](zz, xx, qq, QQ, bb))
        close(bb * p["mg"] * p["dg_dQ"], fin[2](zz, xx, qq, QQ, bb))
        L = RNG.normal()
        pa = np.exp(-0.5 * (p["a"] * zz) ** 2) / np.sqrt(2 * np.pi)
        close(2 * zz * pa * p["da_dR"] * L, fout[2](zz, L, qq, RR))
        close(2 * zz * pa * p["da_dq"] * L, fout[1](zz, L, qq, RR))


def test_integrated_gradients_match_finite_differences():
    h = 1e-6
    q, R, Q, b = 0.5, 0.4, 0.7, 5.0
    g0, dq, dR, dQ, _ = (float(v[0]) for v in field.field_GE(q, R, Q, b))
    fd = lambda **kw: float(field.field_GE(**{**dict(q=q, R=R, Q=Q, beta=b), **kw})[0][0])
    assert abs((fd(q=q + h) - fd(q=q - h)) / (2 * h) - dq) < 1e-6 * max(1, abs(dq))
    assert abs((fd(R=R + h) - fd(R=R - h)) / (2 * h) - dR) < 1e-6 * max(1, abs(dR))
    assert abs((fd(Q=Q + h) - fd(Q=Q - h)) / (2 * h) - dQ) < 1e-6 * max(1, abs(dQ))
    for beta in (2.0, np.inf):
        _, tq, tR, _ = teacher.teacher_GE(0.5, 0.45, beta)
        ft = lambda qq, RR: float(teacher.teacher_GE(qq, RR, beta)[0])
        assert abs((ft(0.5 + h, 0.45) - ft(0.5 - h, 0.45)) / (2 * h) - tq) < 1e-6
        assert abs((ft(0.5, 0.45 + h) - ft(0.5, 0.45 - h)) / (2 * h) - tR) < 1e-6
    g, d = storage.storage_GE(np.array([0.4]), 0.3)
    gp, _ = storage.storage_GE(np.array([0.4 + h]), 0.3)
    gm, _ = storage.storage_GE(np.array([0.4 - h]), 0.3)
    assert abs((gp - gm) / (2 * h) - d) < 1e-6


def test_site_moments_are_hat_derivatives():
    """E ln Z derivatives w.r.t. (qh, rh, Qh) equal (-E<m>^2/2, E<m>, E<m^2>) (IBP)."""
    qh, rh, Qh, h = 3.0, 0.7, 1.2, 1e-5
    lz = lambda a, b, c: float(field.site_moments(a, b, c)[0][0])
    _, m1, mm, m2, _ = (float(v[0]) for v in field.site_moments(qh, rh, Qh))
    assert abs((lz(qh + h, rh, Qh) - lz(qh - h, rh, Qh)) / (2 * h) + 0.5 * mm) < 1e-7
    assert abs((lz(qh, rh + h, Qh) - lz(qh, rh - h, Qh)) / (2 * h) - m1) < 1e-7
    assert abs((lz(qh, rh, Qh + h) - lz(qh, rh, Qh - h)) / (2 * h) - m2) < 1e-7
