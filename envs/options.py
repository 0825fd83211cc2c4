"""Atari options: defaults, per-game options, validation, all before an env is built."""

from __future__ import annotations

import difflib
from numbers import Integral
from typing import Any

import numpy as np

from envs.game_options import GAME_OPTIONS
from envs.registry import find_spec, game_name, is_atari

# Units: frame_skip and noop_max count emulator frames; skip_start counts agent steps
# (1 agent step = frame_skip frames); screen_size is in pixels; frame_stack in agent steps.
ATARI_DEFAULTS: dict[str, Any] = {
    "noop_max": 30,  # frames of NOOP at reset, drawn from 1..noop_max; 0 turns it off
    "frame_skip": 4,  # frames per agent step (max-pooled over the last two)
    "screen_size": 84,  # the observation is screen_size x screen_size grayscale
    "frame_stack": 4,  # agent steps stacked along the last observation axis
    "clip_rewards": False,  # clip each agent step's reward to [-1, 1] (DQN Nature paper)
    "terminal_on_life_loss": False,  # a lost life ends the agent's episode, not the game
    "auto_fire": False,  # press FIRE at reset and after each lost life (Breakout)
    "skip_start": 0,  # NOOP agent steps at reset and after each lost life (Space Invaders)
}
_MINIMUM = {"noop_max": 0, "frame_skip": 1, "screen_size": 1, "frame_stack": 1, "skip_start": 0}
LOAD_KEYWORDS = ("seed", "max_episode_steps", "render_mode")


def check_int(name: str, value: Any, minimum: int, *, allow_none: bool = False) -> None:
    """Raises ValueError unless `value` is an int >= minimum (or None when allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an int, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value}")


def check_option_names(env_id: str, names: list[str]) -> None:
    """Raises ValueError for a name that is no option, or for an Atari option on another env."""
    for name in names:
        if name in LOAD_KEYWORDS:  # only reachable through atari_options_for
            raise ValueError(f"'{name}' is an argument of envs.load, not an Atari option")
        if name not in ATARI_DEFAULTS:
            close = difflib.get_close_matches(name, [*ATARI_DEFAULTS, *LOAD_KEYWORDS], n=1)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            else:
                hint = f"; Atari options are {', '.join(ATARI_DEFAULTS)}"
            raise ValueError(f"unknown option '{name}'{hint}")
    if names and not is_atari(env_id):
        raise ValueError(f"option '{names[0]}' is for Atari games, and '{env_id}' is not one")


def atari_options_for(env_id: str, **overrides: Any) -> dict[str, Any]:
    """The fully resolved Atari options of `env_id`: defaults, then its game preset, then overrides.

    Validated before anything is built; `envs.load(env_id, **atari_options_for(env_id, ...))`
    rebuilds the same env. A non-Atari id has no Atari options: {} (overrides are an error).
    """
    find_spec(env_id)  # unknown ids first, with suggestions
    check_option_names(env_id, list(overrides))
    if not is_atari(env_id):
        return {}
    options = {**ATARI_DEFAULTS, **GAME_OPTIONS.get(game_name(env_id), {}), **overrides}
    for name, value in options.items():
        if name in _MINIMUM:
            check_int(name, value, _MINIMUM[name])
        elif not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, not {value!r}")
    # Plain Python values, so the dict can be written to JSON beside an exported policy.
    return {name: int(v) if name in _MINIMUM else bool(v) for name, v in options.items()}
