"""Data on disk: IDX (MNIST / Fashion-MNIST) loaders and binarisation. Never downloads.

See :mod:`statmech_nn.data.idx` for the API and the expected file layout.
"""
from .idx import (ENV_VAR, binarize, data_dir, load_mnist, mnist_available,  # noqa: F401
                  read_idx, write_idx)
