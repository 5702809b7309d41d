"""Continual learning in multilayer binary networks: variational field-space learning (vcl)
vs metaplasticity (meta), EWC and plain training, on task streams (synthetic, permuted MNIST,
MNIST -> Fashion-MNIST, split MNIST, permuted 8x8 digits). See docs/deepcl.md.

Quick start::

    from statmech_nn.deepcl import make_stream, run_continual
    stream = make_stream("synthetic", n_tasks=3, seed=0)
    res = run_continual(stream, "vcl", seed=0, hidden=(64, 64), epochs=3)
    res.acc_matrix, res.final_average_accuracy
"""
from .nets import Adam, AdamMeta, BinaryNet, FieldNet  # noqa: F401
from .streams import (STREAMS, Stream, Task, make_stream, mnist_fashion,  # noqa: F401
                      permuted_digits, permuted_mnist, split_mnist, synthetic_stream, validate_tasks)
from .train import (METHODS, ContinualResult, beta_schedule, method_defaults,  # noqa: F401
                    run_continual, save_netcdf)
