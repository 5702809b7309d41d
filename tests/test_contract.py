"""The model contract, checked once for every registered model (``theory.registry.model_names()``).

Each model declares its representative points and which checks apply in its ``contract``
(:mod:`statmech_nn.theory.contract`); a check that does not apply is listed with its reason, so
nothing here is skipped silently.  A new model is tested the moment it is registered.
"""
import math
import re
import warnings

import numpy as np
import pytest

from statmech_nn.core.errors import NotConvergedWarning, ParameterError
from statmech_nn.theory import get_model, model_names
from statmech_nn.theory.contract import CHECKS, declaration

NAMES = model_names()
_SOLVES = {}


def _decl(name):
    return declaration(get_model(name))


def _solve(name, level, branch, **params):
    """Cached single solves (one solve per point serves several checks)."""
    key = (name, level, branch, tuple(sorted(params.items())))
    if key not in _SOLVES:
        with warnings.catch_warnings():
            warnings.simplefilter("error", NotConvergedWarning)
            _SOLVES[key] = get_model(name).solve(level=level, branch=branch, **params)
    return _SOLVES[key]


def _require(decl, check):
    """Run a check only where it applies; where it does not, the declaration must say why."""
    if not decl.applies(check):
        reason = decl.not_applicable[check]
        assert isinstance(reason, str) and len(reason) > 10, f"{check}: give the reason it does not apply"
        return False
    return True


def _finite_T(decl):
    return [p for p in decl.points if p.params.get("T", math.nan) > 0]


@pytest.mark.parametrize("name", NAMES)
def test_declaration_is_complete(name):
    decl = _decl(name)
    assert decl is not None, f"{name} declares no contract (theory/contract.py)"
    assert decl.points, f"{name}: at least one representative point"
    unknown = set(decl.not_applicable) - set(CHECKS)
    assert not unknown, f"{name}: unknown checks {unknown}"
    model = get_model(name)
    for p in decl.points + decl.zero_T:
        assert p.level in model.levels
    if decl.applies("zero_T_continuity"):
        assert decl.zero_T and all(p.params.get("T") == 0 for p in decl.zero_T), \
            f"{name}: zero_T_continuity applies, so declare T = 0 points (or say why not)"
    if decl.applies("energy_derivative") or decl.applies("entropy_identity"):
        assert _finite_T(decl), f"{name}: the thermodynamic checks need points with T > 0"


@pytest.mark.parametrize("name", NAMES)
def test_solve_is_solve_batch_at_size_one(name):
    """solve_batch on the stacked points equals solve at each point (per level and branch)."""
    decl = _decl(name)
    if not _require(decl, "batch_equals_single"):
        return
    model = get_model(name)
    # discrete parameters (choices, integers such as P) stay scalars: one batch per value
    discrete = {q.name for q in model.params if q.kind in ("choice", "int", "even")}
    groups = {}
    for p in decl.points:
        key = (p.level, p.branch, tuple(sorted(p.params)),
               tuple(sorted((k, v) for k, v in p.params.items() if k in discrete)))
        groups.setdefault(key, []).append(p)
    for (level, branch, keys, _), pts in groups.items():
        arrays = {k: (pts[0].params[k] if k in discrete else np.array([p.params[k] for p in pts]))
                  for k in keys}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotConvergedWarning)
            b = model.solve_batch(level, branch, **arrays)
        missing = {"free_energy", "energy", "entropy", "converged", "residual", "iterations", "branch"} - set(b)
        assert missing <= set(decl.batch_omits), f"{name}: solve_batch lacks {missing - set(decl.batch_omits)}"
        for i, p in enumerate(pts):
            r = _solve(name, level, branch, **p.params)
            assert bool(b["converged"][i]) == bool(r.converged)
            if "branch" in b:
                assert str(b["branch"][i]) == str(r.branch)
            for k in ("free_energy", "energy", "entropy"):
                if k in b:
                    assert b[k][i] == pytest.approx(r[k], rel=1e-10, abs=1e-12, nan_ok=True), (p, k)
            for k, v in r.order_parameters.items():
                if k in b:
                    assert b[k][i] == pytest.approx(v, rel=1e-10, abs=1e-12, nan_ok=True), (p, k)


@pytest.mark.parametrize("name", NAMES)
def test_energy_is_d_beta_f_d_beta(name):
    """e = d(beta f)/d beta by central differences in beta (h = 1e-4 beta)."""
    decl = _decl(name)
    if not _require(decl, "energy_derivative"):
        return
    model = get_model(name)
    tol = decl.tol("energy_derivative", 1e-6)
    for p in _finite_T(decl):
        r = _solve(name, p.level, p.branch, **p.params)
        beta = 1.0 / p.params["T"]
        h = 1e-4 * beta
        rest = {k: v for k, v in p.params.items() if k != "T"}
        side = [_solve(name, p.level, p.branch, beta=b, **rest) for b in (beta + h, beta - h)]
        for s in side:
            assert s.converged and s.branch == r.branch, (p, s.branch)
        de = (side[0].free_energy * (beta + h) - side[1].free_energy * (beta - h)) / (2 * h)
        assert abs(de - r.energy) <= tol * max(1.0, abs(r.energy)), (p, de, r.energy)


@pytest.mark.parametrize("name", NAMES)
def test_entropy_is_beta_e_minus_f(name):
    decl = _decl(name)
    if not _require(decl, "entropy_identity"):
        return
    for p in _finite_T(decl):
        r = _solve(name, p.level, p.branch, **p.params)
        beta = 1.0 / p.params["T"]
        assert r.entropy == pytest.approx(beta * (r.energy - r.free_energy), rel=1e-9, abs=1e-10), p


@pytest.mark.parametrize("name", NAMES)
def test_zero_T_limit_continues_the_finite_T_solver(name):
    """f, e, s and m at T, T/2 (Richardson-extrapolated, error O(T^2)) meet the analytic T = 0 forms."""
    decl = _decl(name)
    if not _require(decl, "zero_T_continuity"):
        return
    T1 = decl.tol("zero_T_step", 0.01)
    tol = decl.tol("zero_T_continuity", 1e-4)
    for p in decl.zero_T:
        rest = {k: v for k, v in p.params.items() if k != "T"}
        r0 = _solve(name, p.level, p.branch, T=0, **rest)
        r1 = _solve(name, p.level, p.branch, T=T1, **rest)
        r2 = _solve(name, p.level, p.branch, T=T1 / 2, **rest)
        assert r0.branch == r1.branch == r2.branch, (p, r0.branch, r1.branch, r2.branch)
        for k in ("free_energy", "energy", "entropy"):
            ex = 2 * r2[k] - r1[k]
            assert abs(ex - r0[k]) <= tol * max(1.0, abs(r0[k])), (p, k, ex, r0[k])
        for k in ("m", "n", "R"):
            if k in r0.order_parameters:
                ex = 2 * r2.order_parameters[k] - r1.order_parameters[k]
                assert abs(ex - r0.order_parameters[k]) <= tol, (p, k, ex, r0.order_parameters[k])


_UNIT = re.compile(r"^(m|n|R|p)(\d|_|$)")      # overlaps in [-1, 1]
_POS = re.compile(r"^(q|Q)\d*$")                 # self-overlaps in [0, 1]


@pytest.mark.parametrize("name", NAMES)
def test_physical_bounds(name):
    decl = _decl(name)
    if not _require(decl, "physical_bounds"):
        return
    eps = 1e-12
    for p in decl.points + decl.zero_T:
        r = _solve(name, p.level, p.branch, **p.params)
        op = r.order_parameters
        for k, v in op.items():
            if _UNIT.match(k) and "hat" not in k:
                assert abs(v) <= 1 + eps, (p, k, v)
            if _POS.match(k) and "hat" not in k:
                assert -eps <= v <= 1 + eps, (p, k, v)
        if "q0" in op and "q1" in op:
            assert -eps <= op["q0"] <= op["q1"] + eps <= 1 + 2 * eps, (p, op)
        if "x" in op:
            assert -eps <= op["x"] <= 1 + eps, (p, op)
        if np.isfinite(r.entropy):
            assert r.entropy <= decl.entropy_max + eps, (p, r.entropy)


def _bad_inputs(model, decl):
    """(description, kwargs for solve) that must raise ParameterError."""
    p = decl.points[0]
    base = dict(p.params)
    out = [("unknown level", dict(base, level="no-such-level")),
           ("unknown parameter", dict(base, no_such_parameter=1.0))]
    if decl.bad_branch:
        out.append(("unknown branch", dict(base, branch="no-such-branch")))
    if model.has_temperature:
        out.append(("T < 0", dict({k: v for k, v in base.items() if k != "T"}, T=-1.0)))
    for par in model.params:
        if par.kind == "choice":
            out.append((f"{par.name} not a choice", dict(base, **{par.name: "no-such-choice"})))
            continue
        if par.lo is not None:
            out.append((f"{par.name} < lo", dict(base, **{par.name: par.lo - 1})))
        if par.hi is not None:
            out.append((f"{par.name} > hi", dict(base, **{par.name: par.hi + 1})))
        if par.kind in ("int", "even"):
            out.append((f"{par.name} not an integer", dict(base, **{par.name: 4.5})))
    return p, out


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_raises_parameter_error(name):
    decl = _decl(name)
    if not _require(decl, "bad_input"):
        return
    model = get_model(name)
    p, cases = _bad_inputs(model, decl)
    for what, kw in cases:
        kw = dict(kw)
        level, branch = kw.pop("level", p.level), kw.pop("branch", p.branch)
        with pytest.raises(ParameterError):
            model.solve(level=level, branch=branch, **kw)
        # the same input through solve_batch (arrays where the value is numeric)
        arr = {k: (np.array([v]) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
               for k, v in kw.items()}
        with pytest.raises(ParameterError):
            model.solve_batch(level, branch, **arr)


def _coincidences():
    out = []
    for name in NAMES:
        decl = declaration(get_model(name))
        for i, c in enumerate(decl.coincide if decl else ()):
            out.append(pytest.param(name, i, id=f"{name}={c.other}[{i}]"))
    return out


@pytest.mark.parametrize("name,index", _coincidences())
def test_coinciding_models_agree_on_the_grid(name, index):
    """Models the README calls the same model agree on a whole (alpha, T) grid (the grid includes
    1 < T < 1 + sqrt(alpha) where P = 2), branch labels included."""
    from statmech_nn.theory.contract import coincidence_gap
    c = _decl(name).coincide[index]
    gap, labels, a, b = coincidence_gap(name, index)
    assert labels == 0, (c.other, np.argwhere(np.asarray(a["branch"]).astype(str) != np.asarray(b["branch"]).astype(str)))
    assert gap <= c.tol, (c.other, gap)


def test_the_coincidence_grids_cover_the_spin_glass_window():
    """The Hopfield-type grids reach 1 < T < 1 + sqrt(alpha) (the issue-11 window)."""
    seen = False
    for name in NAMES:
        decl = declaration(get_model(name))
        for c in decl.coincide if decl else ():
            if c.other == "hopfield":
                a, T = np.meshgrid(c.grid["alpha"], c.grid["T"], indexing="ij")
                seen |= bool(np.any((T > 1) & (T < 1 + np.sqrt(a))))
    assert seen
