"""MC figure recipes build at tiny scale (PNG + netCDF)."""
import pytest

from statmech_nn.figures import build, recipes


@pytest.mark.parametrize("name", ["hopfield-m-vs-T", "dense-hysteresis", "sk-energy"])
def test_mc_recipe_tiny(tmp_path, name):
    assert name in recipes()
    paths = build(name, outdir=tmp_path, scale="tiny")
    assert any(str(p).endswith(".png") for p in paths)
    assert any(str(p).endswith(".nc") for p in paths)
    for p in paths:
        assert p.exists() and p.stat().st_size > 0
