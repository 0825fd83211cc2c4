"""Gymnasium environments as TF-Agents PyEnvironments.

Importing the package loads gymnasium and ALE only, so that the id look-ups (is_atari, game_name,
the Atari options and per-game options) answer at once and an entry point can check its flags before
TensorFlow loads. load, load_vector and make_gymnasium_env load TF-Agents on first use, quietly
(_quiet_tensorflow).
"""

import importlib
from typing import TYPE_CHECKING, Any

from envs import _quiet_tensorflow
from envs.game_options import GAME_OPTIONS
from envs.options import ATARI_DEFAULTS, atari_options_for
from envs.registry import game_name, is_atari, register_all

if TYPE_CHECKING:
    from envs.atari_vector import load_vector
    from envs.loader import load, make_gymnasium_env

_quiet_tensorflow.install()
register_all()  # before anything looks an id up: ALE's Atari ids, GridWorld-v0, ThreeStateMDP-v0

_LAZY = {
    "load": "envs.loader",
    "make_gymnasium_env": "envs.loader",
    "load_vector": "envs.atari_vector",
}


def __getattr__(name: str) -> Any:
    """The TF-Agents half of the package, imported on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'envs' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "ATARI_DEFAULTS",
    "GAME_OPTIONS",
    "atari_options_for",
    "game_name",
    "is_atari",
    "load",
    "load_vector",
    "make_gymnasium_env",
]
