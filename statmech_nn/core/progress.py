"""One progress bar for every long job (sweeps, MC runs, figure builds, training).

``progress_bar(show=None)`` shows a tqdm bar on stderr only when stderr is a terminal, so
logs, pipes and CI stay clean; ``show=True`` forces it, ``show=False`` hides it.  A hidden
bar is still a working object (``update``, ``write``, ``close`` are no-ops or plain prints),
so callers never branch on it.
"""
import sys


def progress_bar(iterable=None, total=None, desc=None, unit="it", show=None, **kw):
    from tqdm.auto import tqdm
    disable = (not sys.stderr.isatty()) if show is None else not show
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, disable=disable,
                dynamic_ncols=True, **kw)
