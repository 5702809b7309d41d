"""Contract check ``quadrature_refinement`` (theory/contract.py): every registered model's
integrals are resolved and say how well.

For each model in the registry, at its declared contract points (the first of each level, at
T > 0 and at T = 0) plus the stress points in ``EXTRA`` (1RSB glasses at large beta, the field model at beta_T = 20; the
continual model's task-2 energetic term is the field model's, and its conjugates at
(alpha1, alpha2) = (1, 1) are compared with nested quadrature in test_quadrature_reference.py):

* the result carries ``quadrature_error`` <= ``quadrature_tol`` and is converged;
* refinement invariance: solving again inside ``refinement(2)`` (every node count of every
  rule doubled, fixed windows widened) changes no order parameter, free energy, energy or
  entropy by more than the result's ``quadrature_tol`` (1e-8, mixed absolute/relative; the
  contract may override it), or by more than the looser tolerance stated in ``LOOSER`` for the
  1RSB Parisi parameter of the p-spin engine, whose equation dA/dx = 0 is flat (x moves by
  ~2e-8 under doubling at SK T = 0.4 with the default panels, while f moves by < 1e-14).
"""
import math
import warnings

import pytest

from statmech_nn.core import quaderr
from statmech_nn.theory import get_model
from statmech_nn.theory.contract import declaration
from statmech_nn.theory.registry import model_names

#: stated looser tolerances: (model, level) -> {order parameter: tol}
LOOSER = {("sk", "1rsb"): {"op:x": 1e-7, "op:y": 1e-7}}

#: stress points beyond the contract's: model -> list of (level, branch, params)
EXTRA = {
    "dense-hebbian": [("1rsb", "spin-glass", dict(P=4, alpha=0.036, T=0.02))],   # 1RSB glass, beta = 50
    # beta_T = 20: the x-integrand's peak lies far outside |x| <= 9 for z < -2 (issue 11)
    "perceptron-field": [("rs", "low", dict(alpha=1.0, T=0.05))],
    "dense-hebbian-supervised": [("1rsb", "spin-glass", dict(P=4, alpha=0.036, T=0.02, r=1.0, M=1))],
    "dense-hebbian-unsupervised": [("1rsb", "spin-glass", dict(P=4, alpha=0.036, T=0.02, r=1.0, M=1))],
}
#: declared (model, level) replaced by the EXTRA point of that level: the learning models'
#: declared 1RSB point (branch None: all starts, 14 s with the refined solve) exercises the
#: same p-spin tilted averages as the genuine 1RSB glass above (1 s)
REPLACED = {("dense-hebbian-supervised", "1rsb"), ("dense-hebbian-unsupervised", "1rsb")}


def _points(name):
    """The first declared point of each level at T > 0 and at T = 0 (the rules differ), plus
    the stress points."""
    decl = declaration(get_model(name))
    pts, seen = [], set()
    for p in decl.points + decl.zero_T:
        key = (p.level, p.params.get("T", 1.0) == 0)
        if key not in seen and (name, p.level) not in REPLACED:
            seen.add(key)
            pts.append((p.level, p.branch, dict(p.params)))
    return decl, pts + EXTRA.get(name, [])


def _numbers(r):
    out = {f"op:{k}": v for k, v in r.order_parameters.items()}
    out.update({k: r[k] for k in ("free_energy", "energy", "entropy")})
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


@pytest.mark.parametrize("name", model_names())
def test_refinement_invariance(name):
    model = get_model(name)
    decl, points = _points(name)
    if not decl.applies("quadrature_refinement"):
        assert len(decl.not_applicable["quadrature_refinement"]) > 10
        return
    for level, branch, params in points:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = model.solve(level=level, branch=branch, **params)
            with quaderr.refinement(2):
                r2 = model.solve(level=level, branch=branch, **params)
        where = f"{name} {level} {params}"
        assert r.converged, (where, r.message)
        assert 0.0 <= r.quadrature_error <= r.quadrature_tol, (where, r.quadrature_error)
        base_tol = decl.tol("quadrature_refinement", r.quadrature_tol)
        a, b = _numbers(r), _numbers(r2)
        assert a.keys() == b.keys()
        for k in a:
            tol = LOOSER.get((name, level), {}).get(k, base_tol)
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
