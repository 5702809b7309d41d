"""Every row of the validation table (statmech_nn.validation) is a test."""
import pytest

from statmech_nn.validation import checks

ALL = checks()


def test_the_table_is_not_empty():
    assert len(ALL) >= 30


@pytest.mark.parametrize("name", sorted(ALL))
def test_validation_row(name):
    r = ALL[name].run()
    assert r["passed"], r
