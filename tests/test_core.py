"""Core machinery: quadrature accuracy at every beta, solver, validation, CLI errors."""
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, special

from statmech_nn.core import quadrature as Q
from statmech_nn.core.errors import ParameterError, beta_from, check_int, check_range
from statmech_nn.core.solver import bisect, solve_fixed_point
from cli_run import run_cli


def _quad_ref(f, a, b):
    g = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * f(a + b * z)
    pts = [-a / b] if b else None
    return integrate.quad(g, -12, 12, points=pts, epsabs=1e-15, epsrel=1e-14, limit=500)[0]


@pytest.mark.parametrize("beta", [0.3, 1.0, 3.0, 20.0, 300.0])
@pytest.mark.parametrize("a,b", [(0.3, 0.8), (-1.2, 0.1), (0.0, 1.5)])
def test_normal_nodes_log_cosh_and_tanh(beta, a, b):
    h, w = Q.normal_nodes(a, b, beta)
    assert abs(w.sum() - 1) < 1e-14
    ref = _quad_ref(lambda x: Q.log_cosh(beta * x), a, b)
    assert abs(Q.expect(Q.log_cosh(beta * h), w) - ref) < 1e-10 * max(1, abs(ref))
    ref = _quad_ref(lambda x: np.tanh(beta * x), a, b)
    assert abs(Q.expect(np.tanh(beta * h), w) - ref) < 1e-10


def test_zero_temperature_kink_rule_is_exact_for_sign():
    a, b = 0.37, 0.9
    h, w = Q.normal_nodes(a, b, np.inf)
    assert abs(Q.expect(np.sign(h), w) - special.erf(a / (b * np.sqrt(2)))) < 1e-12
    assert abs(Q.expect(np.abs(h), w) - (a * special.erf(a / (b * np.sqrt(2)))
               + b * np.sqrt(2 / np.pi) * np.exp(-a * a / (2 * b * b)))) < 1e-12


def test_hermite_is_exact_on_polynomials():
    h, w = Q.hermite_nodes(0.0, 1.0, 20)
    assert abs(Q.expect(h ** 4, w) - 3.0) < 1e-12
    assert abs(Q.expect(h ** 6, w) - 15.0) < 1e-11


def test_batched_nodes_shape():
    a = np.linspace(-1, 1, 7)
    h, w = Q.normal_nodes(a, 0.5, np.array([1.0, 10, np.inf, 2, 3, 4, 0.1]))
    assert h.shape == w.shape and h.shape[0] == 7
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-14)


def test_solver_curie_weiss_batched():
    beta = np.array([0.5, 1.5, 3.0, 50.0])
    r = solve_fixed_point(lambda x, p: np.tanh(p["beta"] * x), np.ones((1, 4)), {"beta": beta})
    assert r.converged.all()
    m = r.x[0]
    np.testing.assert_allclose(m, np.tanh(beta * m), atol=1e-11)
    assert m[0] < 1e-9 and m[1] > 0.8


def test_solver_flags_nonconvergence():
    # x -> -2x + 1 has a repelling fixed point; no Newton (forced off) -> never converges
    r = solve_fixed_point(lambda x, p: -2 * x + 1, np.zeros((1, 1)), {}, newton=False, maxiter=20,
                          damping=1.0)
    assert not r.converged[0] and r.residual[0] > 1e-3


def test_bisect():
    assert abs(bisect(lambda x: x > np.sqrt(2), 0, 2, tol=1e-13) - np.sqrt(2)) < 1e-12
    with pytest.raises(ValueError):
        bisect(lambda x: True, 0, 1)


def test_validation_messages():
    with pytest.raises(ParameterError, match="alpha"):
        check_range("alpha", -0.1, lo=0)
    with pytest.raises(ParameterError, match="even"):
        check_int("P", 5, lo=4, even=True)
    with pytest.raises(ParameterError, match="T"):
        beta_from(T=-1)
    assert beta_from(T=0) == np.inf and beta_from(beta=2) == 2


def test_cli_bad_input_is_one_line_exit_2():
    p = run_cli("solve", "no-such-model")
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


def test_cli_help_imports_no_model_and_lists_every_command():
    """``statmech-nn --help`` builds stubs from the static table: no model, no scipy."""
    code = ("import sys\nfrom statmech_nn.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "bad = sorted(m for m in sys.modules if m == 'scipy' or m.startswith("
            "('statmech_nn.theory', 'statmech_nn.cli.cmd_')))\n"
            "print('IMPORTED', bad)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "IMPORTED []" in p.stdout
    from statmech_nn.cli.commands import COMMANDS
    for name in COMMANDS:
        assert name in p.stdout
    # the full parser: every command in the table is registered by its own module, runnable
    from statmech_nn.cli.main import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    assert all(len(sub.choices[n]._actions) > 1 for n in COMMANDS)    # stubs have only -h
