"""Continuation paths in the load: evenly spaced steps where the branches change, geometric
steps beyond, so that the number of solves grows like log(alpha) rather than alpha."""


def load_path(alpha, linear, linear_to=10.0, ratio=1.05):
    """Loads from the start of ``linear(top)`` (the caller's evenly spaced steps up to
    ``top = min(alpha, linear_to)``, an iterable) to ``alpha``, then steps of a factor ``ratio``.

    Up to ``linear_to`` the path is exactly the caller's; beyond it each solve starts from the
    previous one at a load 5 % smaller (a generator: nothing is allocated in proportion to
    alpha)."""
    top = min(alpha, linear_to)
    yield from linear(top)
    a = top
    while a < alpha:
        a = min(a * ratio, alpha)
        yield a
