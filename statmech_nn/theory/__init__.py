"""Saddle-point (replica) theory: one interface, :class:`~.base.TheoryModel`, per model."""
from .registry import get_model, model_names  # noqa: F401
