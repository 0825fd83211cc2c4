"""Training and evaluation entry points over one shared library."""
from envs import _startup  # noqa: F401  (first: quiet TensorFlow start-up)
