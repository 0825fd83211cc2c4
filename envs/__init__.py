"""Gymnasium environments as TF-Agents PyEnvironments."""
from envs import _startup  # noqa: F401  (first: quiet TensorFlow start-up)
