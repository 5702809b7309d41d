"""k-step and full replica symmetry breaking (Parisi) for Ising spins in Gaussian fields.

Modules: :mod:`.heat` (Gaussian averages on a uniform field grid by FFT), :mod:`.chain` (the
k-level recursion and the Parisi measure), :mod:`.ising` (k-RSB pressure and gradient of the
mixed p-spin + signal models: SK, dense Hebbian), :mod:`.minimize` (minimisation over the glass
parameters), :mod:`.solve` (starts and selection), :mod:`.frsb` (full RSB as k -> inf),
:mod:`.capacity` (dense T = 0 capacity at any k), :mod:`.hopfield` (AGS k-RSB), :mod:`.gardner`
(1RSB stability), :mod:`.fast1rsb` and :mod:`.phase_grid` (batched 1RSB with continuation).

Convenience entry points (each documented where it is defined):

>>> from statmech_nn.theory import rsb
>>> rsb.sk_parisi(T=0.0, kmax=7)["free_energy"]      # doctest: +SKIP
-0.76316706...                      # published full RSB -0.7631667
>>> rsb.dense_capacity(4, k=2)["tau_c"]               # doctest: +SKIP
0.23000194...
"""


def sk_parisi(T, kmax=7, h=0.0):
    """SK (xi = q^2/2) at temperature T >= 0 and field h: k-RSB minima for k = 1..kmax and the
    full-RSB extrapolation (:func:`.frsb.full_rsb`); ``free_energy`` is the energy at T = 0."""
    import numpy as np

    from ..pspin import PSpinEngine
    from .frsb import full_rsb
    prm = {"beta": np.array([np.inf if T == 0 else 1.0 / T]), "a0": np.zeros(1), "h": np.full(1, float(h)),
           "c2": np.full(1, 0.5)}
    return full_rsb(PSpinEngine((2,), 2), prm, T == 0, kmax=kmax)


def dense_capacity(P, k):
    """T = 0 k-RSB retrieval capacity of the dense Hebbian model (:func:`.capacity.capacity_krsb`)."""
    from .capacity import capacity_krsb
    return capacity_krsb(P, k)


def hopfield_capacity(k):
    """T = 0 k-RSB retrieval capacity of the Hopfield model (:func:`.hopfield.capacity_krsb`)."""
    from .hopfield import capacity_krsb
    return capacity_krsb(k)
