"""k-step and full replica symmetry breaking (Parisi) for Ising spins in Gaussian fields."""
