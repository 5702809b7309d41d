"""Monte Carlo engine: Numba samplers for Hebbian (P = 2 and dense) and SK models,
parallel tempering, exact enumeration, autocorrelation-based error bars and a
Plefka/TAP mean-field sampler.  See docs/mc.md."""
from .models import (MCModel, curie_weiss, dense_hebbian, hopfield, make_model, sk,  # noqa: F401
                     weighted_patterns)
from .sampler import (MCResult, Sampler, SamplerState, check_ladder, geometric_ladder,  # noqa: F401
                      overlap_histogram)
