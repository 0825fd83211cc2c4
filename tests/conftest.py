"""Loaded before any test module: importing envs installs the hook that quiets TensorFlow's
start-up, whichever test module imports TensorFlow first."""

import envs  # noqa: F401
