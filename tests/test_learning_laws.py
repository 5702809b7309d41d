"""The class-average law at large M (issue 12, defect 2): the binomial law switches to its
CLT form above laws.M_CLT, says so, and agrees with the exact binomial law where both are
computable; no allocation grows with M beyond the memory budget."""
import math

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.learning import laws as L
from statmech_nn.learning.theory import tau_c
from statmech_nn.theory import get_model


def _exact(r, M, monkeypatch):
    """The binomial law with every atom (no binning)."""
    monkeypatch.setattr(L, "MAX_ATOMS", 10 ** 9)
    law = L.BinomialLaw(r, M)
    monkeypatch.undo()
    return law


@pytest.mark.parametrize("rho", [0.1, 1.0, 10.0])
def test_clt_form_agrees_with_exact_binomial_at_the_switch(rho, monkeypatch):
    x = np.array([[0.3, 1.0, 3.0, 10.0]])
    for M, tol in ((L.M_CLT, 2e-7),) + (((4e7, 5e-9),) if rho == 1.0 else ()):  # error O(1/M)
        r = 1 / math.sqrt(1 + rho * M)                       # rho = (1 - r^2) / (M r^2)
        exact = _exact(r, M, monkeypatch)
        clt = L.GaussianLaw(L.rho_of(r, M))
        assert np.max(np.abs(clt.G(x) - exact.G(x))) < tol
        assert np.max(np.abs(clt.Gm(x) - exact.Gm(x))) < tol
        assert abs(float(tau_c(4, clt)[0][0]) - float(tau_c(4, exact)[0][0])) < tol
    assert L.law_for("binomial", r, L.M_CLT, 1.0).kind == "binomial"
    assert L.law_for("binomial", r, L.M_CLT + 2, 1.0).kind == "gaussian"
    # at the switch the CLT form is closer to the exact law than the binned form used below it
    r = 1 / math.sqrt(1 + rho * L.M_CLT)
    binned, exact = L.BinomialLaw(r, L.M_CLT), _exact(r, L.M_CLT, monkeypatch)
    clt = L.GaussianLaw(L.rho_of(r, L.M_CLT))
    assert abs(float(tau_c(4, clt)[0][0]) - float(tau_c(4, exact)[0][0])) \
        < abs(float(tau_c(4, binned)[0][0]) - float(tau_c(4, exact)[0][0]))


def test_huge_M_uses_the_clt_law_and_says_so():
    unsup = get_model("dense-hebbian-unsupervised")
    kw = dict(P=4, alpha=0.01, T=0, r=0.5, M=1e15)
    a = unsup.solve(**kw)                                    # ran out of memory before the fix
    b = unsup.solve(**kw, law="gaussian")
    assert a["law_used"] == "gaussian" and "CLT" in a["law_note"] and a.params["law"] == "binomial"
    assert a.order_parameters == b.order_parameters and a.converged
    assert "law_used" not in unsup.solve(**dict(kw, M=30))
    t = get_model("dense-hebbian-supervised").threshold(alpha=0.02, r=0.3, P=4, M_max=1e15)
    assert t["M_c"] == 79.0 and "CLT" in t["message"]
    with pytest.raises(ParameterError, match="memory budget"):
        L.BinomialLaw(0.5, 1e15)                             # direct use: refused, not allocated
