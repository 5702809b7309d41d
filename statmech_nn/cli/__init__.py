"""Command-line interface ``statmech-nn`` (also ``python -m statmech_nn``)."""
