"""Figure catalogue: named recipes that write PNG (+ PDF) and the netCDF data behind them.

A recipe is a function ``fn(outdir: pathlib.Path, scale: str) -> list[pathlib.Path]``
registered with :func:`recipe`; ``scale`` is 'tiny' (tests: seconds), 'quick' (the
README default: the whole catalogue in ~5 min on 2 cores, measured) or 'full' (paper
settings). Recipes live in ``statmech_nn/figures/recipes_<family>.py``; add the
module to ``RECIPE_MODULES``.
"""
from dataclasses import dataclass
from pathlib import Path

from ..core.plugins import import_registered

SCALES = ("tiny", "quick", "full")

RECIPE_MODULES = [
    "statmech_nn.figures.recipes_storage",
    "statmech_nn.figures.recipes_dense",
    "statmech_nn.figures.recipes_mc",
    "statmech_nn.figures.recipes_learning",
    "statmech_nn.figures.recipes_perceptron",
    "statmech_nn.figures.recipes_continual",
    "statmech_nn.figures.recipes_amp",
    "statmech_nn.figures.recipes_rsb",
]


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    fn: object
    no_theory: str = ""      # why the recipe has no theory numbers to re-check ('' = it has)


_RECIPES = {}


def recipe(name, description, no_theory=""):
    """Decorator registering a figure recipe under ``name``.  Theory numbers in its data carry
    their provenance (``figures.provenance.stamp``) and are re-checked by the tests; a recipe
    without theory says why in ``no_theory``."""
    def deco(fn):
        _RECIPES[name] = Recipe(name, description, fn, no_theory)
        return fn
    return deco


def _load():
    import_registered(RECIPE_MODULES)


def recipes():
    """All registered recipes, by name."""
    _load()
    return dict(sorted(_RECIPES.items()))


def build(name, outdir="figures", scale="quick", pdf=False, cache=True):
    """Build one recipe; returns the list of files written.

    With ``cache`` (default) an identical earlier build (same recipe, scale, package code)
    is copied from the content-addressed cache instead of recomputed (see ``figures.cache``).
    """
    from ..core.errors import ParameterError
    allr = recipes()
    if name not in allr:
        raise ParameterError(f"unknown figure {name!r}; see 'statmech-nn figures --list'")
    if scale not in SCALES:
        raise ParameterError(f"scale={scale!r} is not one of {', '.join(SCALES)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    from . import cache as fcache
    k = fcache.key(name, scale, pdf)
    if cache:
        hit = fcache.fetch(k, outdir)
        if hit is not None:
            return hit
    from . import style
    with style.context(pdf=pdf):
        paths = allr[name].fn(outdir, scale)
    if cache:
        fcache.store(k, paths)
    return paths
