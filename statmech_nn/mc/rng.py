"""Seeding of the per-chain xoshiro256** states from ``numpy.random.SeedSequence``."""
import numpy as np


def seed_states(seed, n):
    """(n, 4) uint64 xoshiro states, one per chain, from ``SeedSequence(seed).spawn(n)``.

    ``seed`` may be an int, None (fresh entropy) or a SeedSequence."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    out = np.empty((n, 4), dtype=np.uint64)
    for k, child in enumerate(ss.spawn(n)):
        st = child.generate_state(4, dtype=np.uint64)
        if not st.any():
            st[0] = 1
        out[k] = st
    return out
