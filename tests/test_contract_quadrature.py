"""Contract: every registered model's integrals are resolved and say how well.

For each model in the registry (a model without an entry in ``POINTS`` fails the test, so a
new model is covered the moment it is registered), at points that exercise its integrals:

* the result carries ``quadrature_error`` <= ``quadrature_tol`` and is converged;
* refinement invariance: solving again inside ``refinement(2)`` (every node count of every
  rule doubled, fixed windows widened) changes no order parameter, free energy, energy or
  entropy by more than the result's ``quadrature_tol`` (1e-8, mixed absolute/relative), or
  by more than the looser tolerance stated here for the 1RSB Parisi parameter of the p-spin
  engine, whose equation dA/dx = 0 is flat (x moves by ~2e-8 under doubling at SK T = 0.4
  with the default 6-node panels, while f moves by < 1e-14).
"""
import math
import warnings

import pytest

from statmech_nn.core import quaderr
from statmech_nn.theory import get_model
from statmech_nn.theory.registry import model_names

#: stated looser tolerances: (model, level) -> {order parameter: tol}
LOOSER = {("sk", "1rsb"): {"op:x": 1e-7, "op:y": 1e-7}}

#: model -> list of (level, branch, params): finite T, T = 0, tilted (1RSB) and RS averages
POINTS = {
    "hopfield": [("rs", None, dict(alpha=0.05, T=0.2)), ("1rsb", "spin-glass", dict(alpha=0.1, T=0.3)),
                 ("1rsb", "spin-glass", dict(alpha=0.1, T=0.0))],
    "dense-hebbian": [("rs", None, dict(P=4, alpha=0.02, T=0.1)),
                      ("1rsb", "spin-glass", dict(P=4, alpha=0.036, T=0.02))],   # 1RSB spin glass, beta = 50
    "sk": [("rs", None, dict(T=0.5)), ("1rsb", None, dict(T=0.4)), ("1rsb", None, dict(T=0.0))],
    "curie-weiss": [("rs", None, dict(P=3, T=0.5))],
    "dense-hebbian-supervised": [("rs", None, dict(P=4, alpha=0.01, T=0.1, r=0.5, M=20, law="binomial")),
                                 ("1rsb", "spin-glass", dict(P=4, alpha=0.036, T=0.02, r=1.0, M=1, law="binomial"))],
    "dense-hebbian-unsupervised": [("rs", None, dict(P=2, alpha=0.05, T=0.3, r=0.8, M=5, law="binomial"))],
    "perceptron-storage": [("rs", None, dict(alpha=0.6, kappa=0.2))],
    "perceptron-teacher": [("rs", "poor", dict(alpha=1.0, T=0.5)), ("rs", "poor", dict(alpha=1.2, T=0.0))],
    # beta_T = 20: the x-integrand's peak lies far outside |x| <= 9 for z < -2 (issue 11)
    "perceptron-field": [("rs", "low", dict(alpha=1.0, T=0.05))],
    "continual": [("rs", None, dict(alpha1=0.25, alpha2=0.25, r0=0.5, gamma=1.0, T=0.2))],
}


def _numbers(r):
    out = {f"op:{k}": v for k, v in r.order_parameters.items()}
    out.update({k: r[k] for k in ("free_energy", "energy", "entropy")})
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


def test_every_registered_model_has_points():
    assert set(model_names()) <= set(POINTS), sorted(set(model_names()) - set(POINTS))


@pytest.mark.parametrize("name", model_names())
def test_refinement_invariance(name):
    model = get_model(name)
    for level, branch, params in POINTS[name]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = model.solve(level=level, branch=branch, **params)
            with quaderr.refinement(2):
                r2 = model.solve(level=level, branch=branch, **params)
        where = f"{name} {level} {params}"
        assert r.converged, (where, r.message)
        assert 0.0 <= r.quadrature_error <= r.quadrature_tol, (where, r.quadrature_error)
        a, b = _numbers(r), _numbers(r2)
        assert a.keys() == b.keys()
        for k in a:
            tol = LOOSER.get((name, level), {}).get(k, r.quadrature_tol)
            assert abs(a[k] - b[k]) <= tol * max(1.0, abs(a[k])), (where, k, a[k], b[k])


def test_quadrature_error_above_tolerance_is_not_converged():
    """A result whose integrals are not resolved says so (make_result reads the error log)."""
    from statmech_nn.core.result import make_result
    with quaderr.error_log():
        quaderr.record_error(3e-7, "a test integral")
        r = make_result("m", "rs", {}, {"q": 0.5}, 0.0, 0.0, 0.0, True, 1e-12, 3)
    assert not r.converged and r.quadrature_error == 3e-7
    assert "quadrature error" in r.message and "a test integral" in r.message
    with quaderr.error_log():
        r = make_result("m", "rs", {}, {"q": 0.5}, 0.0, 0.0, 0.0, True, 1e-12, 3)
    assert r.converged and r.quadrature_error == 0.0
