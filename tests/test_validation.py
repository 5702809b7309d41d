"""Every row of the validation table (statmech_nn.validation) is a test."""
import pytest

from statmech_nn.validation import checks

ALL = checks()


@pytest.mark.parametrize("name", sorted(ALL) or ["<none>"])
def test_validation_row(name):
    if name == "<none>":
        pytest.skip("no validation checks registered")
    r = ALL[name].run()
    assert r["passed"], r
