"""Gymnasium environments as TF-Agents PyEnvironments."""

from envs import _startup  # noqa: F401  (first: quiet TensorFlow start-up)
from envs.registry import register_all

register_all()  # before anything looks an id up: ALE's Atari ids, GridWorld-v0, ThreeStateMDP-v0

from envs.atari_vector import load_vector  # noqa: E402
from envs.load import load, make_gymnasium_env  # noqa: E402
from envs.options import ATARI_DEFAULTS, atari_options_for  # noqa: E402
from envs.presets import GAME_PRESETS  # noqa: E402
from envs.registry import game_name, is_atari  # noqa: E402

__all__ = [
    "ATARI_DEFAULTS",
    "GAME_PRESETS",
    "atari_options_for",
    "game_name",
    "is_atari",
    "load",
    "load_vector",
    "make_gymnasium_env",
]
