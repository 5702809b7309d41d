"""Per-chain random numbers inside Numba kernels: xoshiro256** on a uint64[4] state.

The state is an explicit array owned by the caller (one row per chain), seeded from
``numpy.random.SeedSequence`` by :func:`statmech_nn.mc.rng.seed_states`; nothing global
is touched, so a result depends only on the seed.
"""
from numba import njit, uint64

from ._kernel_cache import CACHE

_S17 = uint64(17)
_S45 = uint64(45)
_S7 = uint64(7)
_S9 = uint64(9)
_S11 = uint64(11)
_M5 = uint64(5)
_M9 = uint64(9)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=CACHE)
def _rotl(x, k):
    return (x << k) | (x >> (uint64(64) - k))


@njit(inline="always", cache=CACHE)
def next_u64(s):
    """Advance the xoshiro256** state ``s`` (uint64[4]) and return a uint64."""
    result = _rotl(s[1] * _M5, _S7) * _M9
    t = s[1] << _S17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], _S45)
    return result


@njit(inline="always", cache=CACHE)
def uniform(s):
    """Uniform double in [0, 1) with 53 random bits."""
    return float(next_u64(s) >> _S11) * _INV53


@njit(inline="always", cache=CACHE)
def randint(s, n):
    """Integer in [0, n) (n < 2**53), by scaling a 53-bit uniform."""
    return int(uniform(s) * n)


@njit(cache=CACHE)
def fill_uniform(s, out):
    """Fill ``out`` with uniforms (used by tests of the generator)."""
    for k in range(out.shape[0]):
        out[k] = uniform(s)
    return out
