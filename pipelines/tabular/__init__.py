"""Tabular methods: dynamic programming on the env's tables, and model-free learning from play."""
