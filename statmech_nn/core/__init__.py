"""Model-independent machinery: quadrature, saddle-point solver, results, validation."""
