"""Hard-constraint Franz-Parisi potentials V(p) and the perceptron figure recipes (tiny)."""
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.perceptron.fp import storage_fp, teacher_fp
from statmech_nn.perceptron.teacher import PerceptronTeacher


def test_teacher_fp_maximum_is_the_equilibrium_state():
    r = PerceptronTeacher().solve(alpha=1.0, T=0)
    R = r.order_parameters["R"]
    v0 = teacher_fp(1.0, R)
    assert abs(v0["V"] - r.entropy) < 1e-9 and abs(v0["q"] - R) < 1e-7  # Nishimori: q = R
    assert teacher_fp(1.0, R - 0.02)["V"] < v0["V"] and teacher_fp(1.0, R + 0.02)["V"] < v0["V"]
    assert teacher_fp(1.0, 0.99)["V"] < 0  # perfect student isolated


def test_teacher_fp_no_data_is_binary_entropy():
    p = 0.3
    s = -(0.65 * math.log(0.65) + 0.35 * math.log(0.35))
    assert abs(teacher_fp(0.0, p)["V"] - s) < 1e-15


def test_storage_fp_reference_point_and_isolation():
    a = 0.5
    # away from the reference the constrained entropy is below the equilibrium one
    # (at p = q1 itself V = s_eq to 4e-10, measured in docs/perceptron.md; a 90 s solve)
    mid = storage_fp(a, 0.6)
    assert mid["converged"] and 0 < mid["V"] < mid["s_eq"]
    near = storage_fp(a, 0.995)
    assert near["converged"] and near["V"] < 0  # Huang & Kabashima 2014: isolated solutions


def test_fp_bad_input():
    with pytest.raises(ParameterError, match="p"):
        teacher_fp(1.0, 1.5)
    with pytest.raises(ParameterError, match="capacity"):
        storage_fp(1.0, 0.5)


@pytest.mark.parametrize("name", ["continual-learning-curves", "franz-parisi"])
def test_perceptron_figures_tiny(tmp_path, name):
    from statmech_nn.figures import build, recipes
    assert {"perceptron-task1", "continual-eps", "continual-learning-curves", "franz-parisi"} <= set(recipes())
    files = build(name, tmp_path, "tiny")
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
    import xarray as xr
    ds = xr.open_dataset([f for f in files if f.suffix == ".nc"][0], engine="h5netcdf")
    assert all(np.isfinite(ds[v].values).all() for v in ds.data_vars)


def test_storage_fp_energetic_term_reduces_to_storage_at_the_reference():
    """tau = another equilibrium replica (q = t = p = q1): G_E^FP = G_E of the storage problem."""
    from statmech_nn.perceptron.fp import storage_fp_GE
    from statmech_nn.perceptron.storage import storage_GE
    for q1, k in [(0.32, 0.0), (0.5, 0.4)]:
        ref = float(storage_GE(np.array([q1]), k)[0][0])
        assert abs(storage_fp_GE(q1, q1, q1, q1, k) - ref) < 1e-7
