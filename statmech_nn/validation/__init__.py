"""Cross-checks as a product feature: the package's own validation table.

Each :class:`Check` computes one number with the package and compares it with an
exact value, a published value, or the same quantity computed an independent way.
``statmech-nn validate`` runs them and prints the table (``--markdown`` gives the
README's validation table); ``tests/test_validation.py`` runs every check as a test,
so the table in the README is what the test suite asserts.

Checks are registered in ``statmech_nn/validation/checks_<family>.py`` with
:func:`check`; add the module to ``CHECK_MODULES``.
"""
import math
import time
from dataclasses import dataclass

from ..core.plugins import import_registered

CHECK_MODULES = [
    "statmech_nn.validation.checks_storage",
    "statmech_nn.validation.checks_mc",
    "statmech_nn.validation.checks_learning",
    "statmech_nn.validation.checks_perceptron",
    "statmech_nn.validation.checks_amp",
    "statmech_nn.validation.checks_rsb",
]


@dataclass(frozen=True)
class Check:
    """One validation row.

    ``compute()`` returns our value; ``target`` is the reference value (exact or
    published), ``tol`` the absolute tolerance, ``kind`` one of 'exact',
    'published', 'cross-check' (two independent computations), 'trap' (a known
    wrong answer the package must *not* return: passes when ``|ours - target| > tol``),
    'bound' (an inequality: passes when ours > target + tol).
    """
    name: str
    quantity: str
    source: str
    target: float
    tol: float
    compute: object
    kind: str = "published"
    family: str = ""

    def run(self):
        t0 = time.perf_counter()
        ours = float(self.compute())
        dt = time.perf_counter() - t0
        err = abs(ours - self.target)
        if self.kind == "trap":
            ok = err > self.tol
        elif self.kind == "bound":
            ok = ours > self.target + self.tol
        else:
            ok = err <= self.tol and math.isfinite(ours)
        return {"name": self.name, "quantity": self.quantity, "source": self.source,
                "kind": self.kind, "target": self.target, "ours": ours, "abs_error": err,
                "tol": self.tol, "passed": bool(ok), "seconds": round(dt, 3), "family": self.family}


_CHECKS = {}


def check(name, quantity, source, target, tol, kind="published", family=""):
    """Decorator registering ``fn() -> float`` as a validation check."""
    def deco(fn):
        if name in _CHECKS:
            raise ValueError(f"duplicate validation check {name!r}")
        _CHECKS[name] = Check(name, quantity, source, float(target), float(tol), fn, kind, family)
        return fn
    return deco


def checks():
    import_registered(CHECK_MODULES)
    return dict(_CHECKS)


def markdown(rows):
    """The README validation table."""
    out = ["| check | quantity | source | reference | ours | abs. error | tol | result |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| `{r['name']}` | {r['quantity']} | {r['source']} | {r['target']:.10g} | "
                   f"{r['ours']:.10g} | {r['abs_error']:.1e} | {r['tol']:.0e}"
                   f"{' (must differ)' if r['kind'] == 'trap' else ' (must exceed)' if r['kind'] == 'bound' else ''} | "
                   f"{'pass' if r['passed'] else '**FAIL**'} |")
    return "\n".join(out)
