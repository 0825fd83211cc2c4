"""envs.load: any registered gymnasium id -> a TF-Agents PyEnvironment, preprocessed if Atari."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import EnvSpec, load_env_creator
from tf_agents.environments import py_environment

from envs.adapter import GymnasiumPyEnvironment
from envs.atari import AreaResize, AutoFire, ChannelsLast, EpisodicLife, NoopReset, SkipStart
from envs.options import atari_options_for, check_int, check_option_names
from envs.registry import find_spec, is_atari


def load(
    env_id: str,
    *,
    seed: int | None = None,
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
    **atari_options: Any,
) -> py_environment.PyEnvironment:
    """Makes `env_id` as a TF-Agents PyEnvironment.

    Args:
      env_id: any registered gymnasium id ('CartPole-v1', 'BreakoutNoFrameskip-v4',
        'ALE/Breakout-v5', ...) or ours ('GridWorld-v0', 'ThreeStateMDP-v0').
      seed: seeds the first reset (and the action space); None draws a fresh seed.
      max_episode_steps: truncate episodes after this many agent steps (for Atari: of a whole
        game, across lives, counting the steps SkipStart and AutoFire play); None keeps the
        id's own limit (ALE's: 108,000 frames).
      render_mode: 'rgb_array' makes render() return the game's full RGB frame.
      **atari_options: Atari ids only, see envs.options.ATARI_DEFAULTS; the per-game options
        (envs.GAME_OPTIONS) fill in what is not given.

    Every argument is checked before the environment is built; a bad one raises ValueError.
    """
    check_int("seed", seed, 0, allow_none=True)
    gym_env = make_gymnasium_env(
        env_id, max_episode_steps=max_episode_steps, render_mode=render_mode, **atari_options
    )
    try:
        return GymnasiumPyEnvironment(gym_env, seed=seed)
    except Exception:
        gym_env.close()
        raise


def make_gymnasium_env(
    env_id: str,
    *,
    max_episode_steps: int | None = None,
    render_mode: str | None = None,
    **atari_options: Any,
) -> gym.Env:
    """The gymnasium wrapper stack envs.load adapts; same arguments, same checks."""
    spec = find_spec(env_id)
    check_option_names(env_id, list(atari_options))
    check_int("max_episode_steps", max_episode_steps, 1, allow_none=True)
    _check_render_mode(spec, render_mode)
    if is_atari(env_id):
        options = atari_options_for(env_id, **atari_options)
        return make_atari_env(env_id, options, max_episode_steps, render_mode)
    env = gym.make(env_id, max_episode_steps=max_episode_steps, render_mode=render_mode)
    return gym.wrappers.RecordEpisodeStatistics(env)


def make_atari_env(
    env_id: str, options: dict[str, Any], max_episode_steps: int | None, render_mode: str | None
) -> gym.Env:
    """Builds the Atari stack, inner to outer, from fully resolved options (atari_options_for).

    Frames: NoopReset -> MaxAndSkipObservation -> AreaResize (gymnasium's AtariPreprocessing,
    minus OpenCV); then per agent step: TimeLimit -> RecordEpisodeStatistics -> SkipStart ->
    AutoFire -> EpisodicLife -> ClipReward -> FrameStackObservation -> ChannelsLast.
    """
    # frameskip=1 for every id (v5 defaults to 4): skipping is ours, with max-pooling.
    # ALE renders grayscale itself, cheaper than converting RGB; render() still gives RGB.
    base = gym.make(env_id, frameskip=1, obs_type="grayscale", render_mode=render_mode)
    try:
        return _wrap_atari(base, options, max_episode_steps)
    except Exception:
        base.close()
        raise


def _wrap_atari(env: gym.Env, options: dict[str, Any], max_episode_steps: int | None) -> gym.Env:
    if options["noop_max"] > 0:
        env = NoopReset(env, options["noop_max"])
    if options["frame_skip"] > 1:  # gymnasium's wrapper refuses skip=1, which needs no pooling
        env = gym.wrappers.MaxAndSkipObservation(env, skip=options["frame_skip"])
    env = AreaResize(env, options["screen_size"])
    if max_episode_steps is not None:
        env = gym.wrappers.TimeLimit(env, max_episode_steps)
    # Inside the life-loss and clipping wrappers: raw score of whole games, in agent steps.
    env = gym.wrappers.RecordEpisodeStatistics(env)
    if options["skip_start"] > 0:
        env = SkipStart(env, options["skip_start"])
    if options["auto_fire"]:
        env = AutoFire(env)
    # Outside SkipStart and AutoFire, so they see each lost life in their own step and act on it.
    if options["terminal_on_life_loss"]:
        env = EpisodicLife(env)
    if options["clip_rewards"]:
        env = gym.wrappers.ClipReward(env, -1.0, 1.0)
    env = gym.wrappers.FrameStackObservation(env, options["frame_stack"])
    return ChannelsLast(env)


def _check_render_mode(spec: EnvSpec, render_mode: str | None) -> None:
    if render_mode is None:
        return
    entry_point = spec.entry_point
    if entry_point is None:
        return
    creator = entry_point if callable(entry_point) else load_env_creator(entry_point)
    modes = list(getattr(creator, "metadata", {}).get("render_modes", []))
    if render_mode not in modes:
        supported = ", ".join(repr(mode) for mode in modes) or "none"
        raise ValueError(
            f"render_mode {render_mode!r} is not supported by '{spec.id}' ({supported})"
        )
