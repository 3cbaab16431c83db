"""Reproducible speed, load and fault measurements; `python -m benchmarks` runs them all."""
