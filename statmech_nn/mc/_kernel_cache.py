"""Numba on-disk cache keyed on *all* kernel sources of this package.

Numba invalidates a cached function only when its own source file changes, not when a
function it calls (and compiles in) changes in another file; with the kernels split over
``kernels_*.py`` that would leave stale machine code after an edit.  Importing this module
(done at the top of every ``kernels_*.py``, before any ``@njit(cache=True)``) registers
cache locators whose source stamp covers every ``kernels_*.py`` file here.  If numba's
(semi-private) caching API changes, :data:`CACHE` is False and the kernels compile
without an on-disk cache instead of risking stale code.
"""
import glob
import hashlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _stamp():
    h = hashlib.sha256()
    for f in sorted(glob.glob(os.path.join(_HERE, "kernels_*.py"))):
        with open(f, "rb") as fh:
            h.update(os.path.basename(f).encode())
            h.update(fh.read())
    return h.hexdigest()


def _ours(py_file):
    try:
        return os.path.dirname(os.path.abspath(py_file)) == _HERE and \
            os.path.basename(py_file).startswith("kernels_")
    except (TypeError, ValueError):
        return False


def _install():
    from numba.core import caching
    impl = caching.CacheImpl
    if getattr(impl, "_statmech_nn_installed", False):
        return True
    stamp = _stamp()
    made = []
    for base in (caching.InTreeCacheLocator, caching.UserWideCacheLocator):
        class Loc(base):
            def get_source_stamp(self):
                return stamp

            @classmethod
            def from_function(cls, py_func, py_file):
                if not _ours(py_file):
                    return None
                return super().from_function(py_func, py_file)
        Loc.__name__ = "StatmechNN" + base.__name__
        made.append(Loc)
    impl._locator_classes = made + list(impl._locator_classes)
    impl._statmech_nn_installed = True
    return True


try:
    CACHE = _install()
except Exception:  # pragma: no cover - numba internals changed
    CACHE = False
