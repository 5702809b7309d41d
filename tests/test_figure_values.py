"""The data behind the figures are the solver's values (issue: figures must match the solver).

Each figure is built once at scale 'tiny'; selected numbers in its netCDF file are
recomputed independently with the models' public API (or checked against an exact
line) and compared.
"""
import numpy as np
import pytest
import xarray as xr

from statmech_nn.figures import build
from statmech_nn.theory import get_model


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    cache = {}

    def get(name, stem=None):
        if name not in cache:
            build(name, outdir=out, scale="tiny", cache=False)
            cache[name] = True
        return xr.load_dataset(out / f"{stem or name}.nc")
    return get


def test_capacity_vs_P_values_are_the_capacities(built):
    ds = built("capacity-vs-P")
    dense = get_model("dense-hebbian")
    assert float(ds["tau_rs"].sel(P_rs=4)) == pytest.approx(dense.capacity(level="rs", P=4)["tau_c"], rel=1e-8)
    if 4 in ds["P_rsb"].values:
        assert float(ds["tau_1rsb"].sel(P_rsb=4)) == pytest.approx(
            dense.capacity(level="1rsb", P=4)["tau_c"], rel=1e-6)


def test_hopfield_phase_diagram_lines(built):
    ds = built("hopfield-phase-diagram")
    a, T = ds["rs_spin_glass_alpha"].values, ds["rs_spin_glass_T"].values
    ok = np.isfinite(a) & np.isfinite(T)
    assert ok.sum() >= 3
    np.testing.assert_allclose(T[ok], 1 + np.sqrt(a[ok]), atol=1e-8)   # T_g = 1 + sqrt(alpha), exact
    hop = get_model("hopfield")
    assert float(ds.attrs["alpha_c_rs"]) == pytest.approx(hop.capacity(level="rs").alpha_c, rel=1e-9)
    # a point on the RS retrieval spinodal: retrieval exists just below it in alpha, not just above
    a_s, T_s = ds["rs_retrieval_spinodal_alpha"].values, ds["rs_retrieval_spinodal_T"].values
    k = int(np.nanargmin(np.abs(T_s - 0.3)))
    below = hop.solve(level="rs", branch="retrieval", alpha=a_s[k] * 0.98, T=T_s[k])
    above = hop.solve(level="rs", branch="retrieval", alpha=a_s[k] * 1.02, T=T_s[k])
    assert below.converged and below.order_parameters["m"] > 0.3
    assert not (above.converged and above.order_parameters["m"] > 0.3)
    # on the global-retrieval line the retrieval and spin-glass free energies are equal (its definition)
    fr, fg = ds["rs_retrieval_global_f_retrieval"].values, ds["rs_retrieval_global_f_spin_glass"].values
    both = np.isfinite(fr) & np.isfinite(fg)
    assert both.sum() >= 2
    np.testing.assert_allclose(fr[both], fg[both], atol=1e-6)


def test_dense_phase_diagram_glass_lines(built):
    ds = built("dense-phase-diagram")
    a, T = ds["rs_spin_glass_alpha"].values, ds["rs_spin_glass_T"].values
    ok = np.isfinite(a) & np.isfinite(T) & (a > 0)
    # the m = 0 sector depends on beta sqrt(alpha) only: straight lines T = sqrt(alpha/P!)/b
    np.testing.assert_allclose(T[ok], np.sqrt(a[ok] / 24.0) / float(ds.attrs["b_rs_sg"]), rtol=1e-6)


def test_hopfield_m_vs_T_theory_curve(built):
    ds = built("hopfield-m-vs-T")
    hop = get_model("hopfield")
    alpha = float(ds["alpha"].values[0])
    th = ds["m_rs_0"].values
    k = int(np.nonzero(np.isfinite(th))[0][0])
    r = hop.solve(level="rs", branch="retrieval", alpha=alpha, T=float(ds["T_theory"].values[k]))
    assert th[k] == pytest.approx(r.order_parameters["m"], abs=1e-8)


def test_learning_m_vs_M_theory_curve(built):
    ds = built("learning-m-vs-M")
    sup = get_model("dense-hebbian-supervised")
    P, r, T = int(ds.attrs["P"]), float(ds.attrs["r"]), float(ds.attrs["T"])
    for k in (0, len(ds["M"]) - 1):
        M = int(ds["M"].values[k])
        want = sup.solve(P=P, alpha=0, T=T, r=r, M=M, branch="retrieval").order_parameters["m"]
        assert float(ds["m_rs_binomial"].values[k]) == pytest.approx(want, abs=1e-10)


def test_perceptron_amp_values(built):
    """SE points = the state-evolution solve; the T = 0 RS curve lies on the Nishimori branch
    (alpha(q) at q = R); the marked alpha_c, alpha_sp are the capacity's."""
    ds = built("perceptron-amp")
    t = get_model("perceptron-teacher")
    cap = t.capacity()
    assert ds.attrs["alpha_c"] == pytest.approx(cap["alpha_c"], rel=1e-10)
    assert ds.attrs["alpha_sp"] == pytest.approx(cap["alpha_sp"], rel=1e-10)
    for a, R in zip(ds["alpha"].values, ds["R_se_T0"].values):
        assert R == pytest.approx(t.solve(alpha=float(a), T=0, method="state-evolution")
                                  .order_parameters["R"], abs=1e-10)
    k = len(ds["alpha_rs"]) // 3
    assert float(ds["alpha_rs"][k]) == pytest.approx(t.nishimori_branch(float(ds["R_rs_T0"][k]))[0], rel=1e-9)
