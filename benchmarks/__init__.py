"""Benchmarks and learning runs whose output files the docs are generated from."""

import pipelines  # noqa: F401  (quiets TensorFlow's start-up)
