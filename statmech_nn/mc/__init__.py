"""Monte Carlo engine: Numba samplers for Hebbian (P = 2 and dense), SK and binary-perceptron models,
parallel tempering, exact enumeration, autocorrelation-based error bars and a
Plefka/TAP mean-field sampler.  See docs/mc.md."""
from .models import (MCModel, curie_weiss, dense_hebbian, hopfield, make_model, sk,  # noqa: F401
                     weighted_patterns)
from .sampler import (MCResult, Sampler, SamplerState, check_ladder, geometric_ladder,  # noqa: F401
                      overlap_histogram)
from .perceptron_model import PerceptronModel, perceptron_storage, perceptron_teacher  # noqa: F401,E402
from .perceptron_sampler import HEAT_BATH, METROPOLIS, PerceptronSampler  # noqa: F401,E402
