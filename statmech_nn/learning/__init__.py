"""Dense Hebbian learning from noisy examples (supervised and unsupervised protocols).

* :mod:`.laws` -- data model constants (rho, R, nu) and the class-average law (binomial / CLT);
* :mod:`.theory` -- RS theory: :class:`~.theory.Supervised`, :class:`~.theory.Unsupervised`;
* :mod:`.simulate` -- synthetic data, energies, Monte Carlo through overlaps, Plefka;
* :mod:`.structured` -- empirical archetypes and r_eff from (MNIST-like) images.
"""
