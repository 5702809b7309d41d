"""Structured data (IDX round trip, empirical archetypes, r_eff), phase diagrams, scaling
laws and the learning figure recipes (tiny)."""
import math

import numpy as np
import pytest

from statmech_nn.data.idx import binarize, read_idx, write_idx
from statmech_nn.learning import phase as ph
from statmech_nn.learning import structured as st


def test_idx_roundtrip_archetypes_and_r_eff(tmp_path):
    imgs, labels, arch = st.synthetic_mnist_like(80, n_classes=4, side=12, r=0.5, seed=1)
    write_idx(tmp_path / "train-images-idx3-ubyte", imgs)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    imgs2, labels2 = read_idx(tmp_path / "train-images-idx3-ubyte"), read_idx(tmp_path / "train-labels-idx1-ubyte.gz")
    assert imgs2.shape == (320, 12, 12) and np.array_equal(labels2, labels)
    X = binarize(imgs2).reshape(len(imgs2), -1)
    A, classes = st.empirical_archetypes(X, labels2)
    assert list(classes) == [0, 1, 2, 3]
    assert np.mean(A == arch) > 0.98                       # 80 examples at r = 0.5
    r_eff = st.effective_quality(X, labels2, A, classes)
    assert np.all(np.abs(r_eff - 0.5) < 0.05)


def test_ties_are_broken_explicitly():
    X = np.array([[1, -1, 1], [-1, 1, 1]])               # column 0 and 1 tie, column 2 = +1
    lab = np.array([0, 0])
    assert list(st.empirical_archetypes(X, lab, tie=1)[0][0]) == [1, 1, 1]
    assert list(st.empirical_archetypes(X, lab, tie=-1)[0][0]) == [-1, -1, 1]
    with pytest.raises(ValueError):
        st.empirical_archetypes(np.array([[0, 255]]), np.array([0]))


def test_ultra_detection_exponents():
    for b in (0, 1, 2):
        d = ph.ultra_detection_scaling(4, b, 1.0, 1.0, np.geomspace(1e3, 1e6, 4))
        assert abs(d["slope"] - d["predicted"]) < 0.01 + 0.05 * (b == 2)


def test_ultra_storage_exponents():
    s = ph.ultra_storage_scaling(4, 0.02, np.geomspace(0.01, 0.05, 3))
    assert abs(s["slope_supervised"] + 2) < 0.02
    u = ph.ultra_storage_scaling(4, 0.005, np.geomspace(0.2, 0.4, 3))
    assert abs(u["slope_unsupervised"] + 8) < 0.1


def test_phase_diagram_regions():
    ds = ph.phase_diagram("supervised", 4, [0.002, 0.045], [0.0, 0.2], rho=0.1)
    ph_ = ds.phase.values
    assert ph_[0, 0] == 3                 # low load, T = 0: retrieval is the global state
    assert ph_[1, 0] == 1                 # above alpha_c at T = 0: spin glass
    assert ph_[0, 1] == 0 and ph_[1, 1] == 0   # high T: paramagnet
    assert 0.9 < ds.m.values[0, 0] < 1 and math.isnan(ds.m.values[1, 0])


# the learning figure recipes are built at scale 'tiny' by tests/test_figures.py (every recipe)


def test_supervised_ultra_detection_P4_vs_P2():
    d = ph.supervised_detection_scaling(0.05, 10, np.geomspace(1e3, 1e5, 3))
    assert abs(d["slope_P4"] + 0.5) < 0.01 and abs(d["slope_P2"]) < 1e-6
    assert np.all(d["r_min_P4"] < 0.05) and np.all(d["r_min_P2"] > 0.5)
