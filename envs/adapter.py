"""A gymnasium environment seen as a TF-Agents PyEnvironment.

tf-agents 0.19's suite_gym only speaks the old gym API (4-tuple step, no terminated/truncated
split), so this adapter maps gymnasium's API onto TimeSteps itself.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from tf_agents.environments import py_environment
from tf_agents.specs import array_spec
from tf_agents.trajectories import time_step as ts
from tf_agents.typing import types

# TimeStep fields that never change, built once: ts.transition() and friends inspect their
# arguments with tf.nest on every call, which costs more than the rest of our step.
_MID = ts.StepType.MID
_LAST = ts.StepType.LAST
_DISCOUNT_ONE = np.asarray(1.0, dtype=np.float32)
_DISCOUNT_ZERO = np.asarray(0.0, dtype=np.float32)


def spec_from_space(space: gym.Space, name: str) -> array_spec.BoundedArraySpec:
    """Returns the TF-Agents spec of a gymnasium Box or Discrete space.

    Box keeps its shape and dtype (CartPole float32, Atari uint8); Discrete(n, start) becomes an
    int64 scalar in [start, start + n - 1].
    """
    if isinstance(space, gym.spaces.Discrete):
        start, count = int(space.start.item()), int(space.n.item())
        return array_spec.BoundedArraySpec(
            shape=(), dtype=np.int64, minimum=start, maximum=start + count - 1, name=name
        )
    if isinstance(space, gym.spaces.Box):
        low, high = space.low, space.high
        # Scalar bounds keep the spec printable and cheap when they are uniform (Atari: 0..255).
        minimum = low.flat[0] if np.all(low == low.flat[0]) else low
        maximum = high.flat[0] if np.all(high == high.flat[0]) else high
        return array_spec.BoundedArraySpec(
            shape=space.shape, dtype=space.dtype, minimum=minimum, maximum=maximum, name=name
        )
    raise ValueError(f"{name} space {space} is not supported; only Box and Discrete are")


class GymnasiumPyEnvironment(py_environment.PyEnvironment):
    """Wraps a gymnasium env (any wrapper stack) as a TF-Agents PyEnvironment.

    - reset() gives StepType.FIRST; `terminated` gives LAST with discount 0; `truncated` (a time
      limit) gives LAST with discount 1, so a learner still bootstraps from the last observation.
    - A step after LAST resets (the base class's auto-reset) and ignores the action.
    - The first reset passes `seed` to gymnasium; later resets pass none, so the env's random
      generator carries on instead of replaying the same episode.
    """

    def __init__(self, env: gym.Env, seed: int | None = None):
        """Adapts `env`; `seed` seeds its first reset and its action space."""
        super().__init__(handle_auto_reset=True)
        if not isinstance(env.action_space, gym.spaces.Discrete):
            raise ValueError(
                f"action space {env.action_space} is not supported; only Discrete actions are"
            )
        self._env = env
        self._observation_spec = spec_from_space(env.observation_space, "observation")
        self._action_spec = spec_from_space(env.action_space, "action")
        self._obs_dtype = self._observation_spec.dtype
        self._seed = seed
        self._info: dict[str, Any] = {}
        if seed is not None:
            env.action_space.seed(seed)

    @property
    def gym_env(self) -> gym.Env:
        """The wrapped gymnasium environment (outermost wrapper)."""
        return self._env

    def observation_spec(self) -> types.NestedArraySpec:
        return self._observation_spec

    def action_spec(self) -> types.NestedArraySpec:
        return self._action_spec

    def should_reset(self, current_time_step: ts.TimeStep) -> bool:
        # The base class's rule (auto-reset after LAST) minus its tf.is_tensor check, which
        # costs more than the rest of a CartPole step; our time steps are always numpy.
        return current_time_step.step_type == _LAST

    def seed(self, seed: types.Seed) -> None:
        """Seeds the next reset (and the action space), like the `seed` given to the constructor."""
        self._seed = int(seed)
        self._env.action_space.seed(self._seed)

    def get_info(self) -> dict[str, Any]:
        """The gymnasium `info` dict of the last reset or step.

        At the end of a whole game it holds `info["episode"] = {"r": score, "l": agent steps, ...}`:
        on Atari the raw score over all lives, and `l` counts the steps our wrappers play for the
        agent too (FIRE, skipped starts, the NOOP after a lost life): l * frame_skip is the
        game's length in frames, less the NOOP frames at reset.
        """
        return self._info

    def render(self, mode: str = "rgb_array") -> np.ndarray | None:
        """Returns the env's own frame, e.g. the full (210, 160, 3) Atari screen.

        `mode` is fixed when the env is made (envs.load(..., render_mode="rgb_array")); gymnasium
        cannot switch it later.
        """
        if self._env.render_mode is None:
            raise ValueError("render() needs the environment made with render_mode='rgb_array'")
        if mode != self._env.render_mode:
            raise ValueError(
                f"render mode {mode!r} was asked for, but the environment was made with"
                f" render_mode={self._env.render_mode!r}"
            )
        frame: Any = self._env.render()  # rgb_array: one frame
        return frame

    def close(self) -> None:
        self._env.close()

    def _reset(self) -> ts.TimeStep:
        seed, self._seed = self._seed, None
        observation, self._info = self._env.reset(seed=seed)
        return ts.restart(np.asarray(observation, dtype=self._obs_dtype))

    def _step(self, action: types.NestedArray) -> ts.TimeStep:
        observation, reward, terminated, truncated, self._info = self._env.step(int(action))
        observation = np.asarray(observation, dtype=self._obs_dtype)  # no copy if dtype matches
        reward = np.asarray(reward, dtype=np.float32)
        if terminated:
            return ts.TimeStep(_LAST, reward, _DISCOUNT_ZERO, observation)
        if truncated:
            return ts.TimeStep(_LAST, reward, _DISCOUNT_ONE, observation)
        return ts.TimeStep(_MID, reward, _DISCOUNT_ONE, observation)
