"""statmech_nn: statistical mechanics of neural networks.

Replica theory (saddle-point solvers at RS and 1RSB) and Monte Carlo for Hebbian
(pairwise and dense P-spin) networks, SK, and binary perceptrons, cross-checked
against each other, exact limits and published values.

Conventions used everywhere (stated once here, repeated in each model docstring):

* temperature ``T = 1/beta`` multiplies the stated Hamiltonian ``H`` (Boltzmann
  weight ``exp(-beta H)``); ``T = 0`` means the analytic ground-state limit;
* free energy, energy and entropy are *per spin*: ``f = -T/N E ln Z``,
  ``e = E<H>/N``, ``s = beta (e - f)``;
* ``load``: ``alpha = K/N`` for ``hopfield`` and ``K = alpha N^(P-1)`` for
  ``dense-hebbian`` (distinct-index Hamiltonian).
"""
__version__ = "0.1.0"

from .core.errors import ParameterError  # noqa: F401
from .core.result import SaddleResult  # noqa: F401
