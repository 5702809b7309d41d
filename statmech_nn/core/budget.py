"""Memory budget: every allocation whose size the user controls is checked before it is made.

The budget is ``$STATMECH_NN_MEMORY_BUDGET`` (bytes, or with a suffix: ``512M``, ``4G``), by
default half of the physical memory, at most 8 GiB. Exceeding it is a
:class:`~statmech_nn.core.errors.ParameterError` (one line, exit code 2 from the CLI) that says
what needed the memory and what to change, instead of a MemoryError traceback or the kernel's
out-of-memory killer.
"""
import os

from .errors import ParameterError

_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def _physical():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 16 * 1024 ** 3


def memory_budget():
    """The budget in bytes (see the module docstring)."""
    text = os.environ.get("STATMECH_NN_MEMORY_BUDGET", "").strip().upper().rstrip("B").rstrip("I")
    if text:
        unit = text[-1] if text[-1] in _UNITS else ""
        try:
            return int(float(text[: len(text) - len(unit)]) * _UNITS[unit])
        except ValueError:
            raise ParameterError(f"STATMECH_NN_MEMORY_BUDGET={os.environ['STATMECH_NN_MEMORY_BUDGET']!r}"
                                 " is not a size (e.g. 4G, 512M or a number of bytes)") from None
    return int(min(_physical() // 2, 8 * 1024 ** 3))


def human(nbytes):
    """``7.0 TiB``-style size."""
    x = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if x < 1024 or unit == "PiB":
            return f"{x:.3g} {unit}" if unit != "B" else f"{int(x)} B"
        x /= 1024
    return f"{x:.3g} EiB"  # pragma: no cover


def check_alloc(nbytes, what, remedy=""):
    """Raise ParameterError if ``nbytes`` (may be a float or a huge int) exceeds the budget.
    ``what`` names the allocation ("the pattern matrix (N=.., K=..)"), ``remedy`` what to change."""
    budget = memory_budget()
    if not nbytes <= budget:
        raise ParameterError(f"{what} would need {human(nbytes)}, more than the memory budget "
                             f"{human(budget)} (STATMECH_NN_MEMORY_BUDGET)"
                             + (f"; {remedy}" if remedy else ""))
    return int(nbytes)
