"""Sweeps that scale and survive: one API, pluggable executors, incremental atomic
persistence with resume, a content-addressed cache and progress bars.

>>> from statmech_nn.sweep import sweep, parse_range
>>> ds = sweep("curie-weiss", P=3, h=parse_range("h", "-0.1:0.1:21"),
...            T=parse_range("T", "0.05:1.2:40"), out="cw.nc", executor="serial")

See docs/sweeps.md.
"""
from . import cache  # noqa: F401
from .core import Sweep, status, sweep  # noqa: F401
from .executors import EXECUTORS, WORKER_ENV, make_executor  # noqa: F401
from .ranges import parse_range  # noqa: F401
