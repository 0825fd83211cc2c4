"""Our Atari wrappers, one job each.

gymnasium's AtariPreprocessing (and ResizeObservation) need OpenCV, which we do not install
(opencv >= 4.11 pulls numpy 2, see constraints.txt). NoopReset + gymnasium's MaxAndSkipObservation
+ AreaResize on ALE's grayscale screen do the same work without it.
"""

from __future__ import annotations

import math
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

StepResult = tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]
NOOP = 0  # ALE puts NOOP first in every game's action set


def _lives(env: gym.Env) -> int:
    ale_env: Any = env.unwrapped  # ale_py's AtariEnv
    return ale_env.ale.lives()


class NoopReset(gym.Wrapper):
    """Starts each game after a random 1..noop_max NOOP frames (Mnih et al. 2015).

    Without it ALE starts every game in the same state, and a policy can memorise one trajectory.
    Works on frames, so it goes inside the frame skip. The count comes from the env's own seeded
    generator, so a seeded reset is reproducible.
    """

    def __init__(self, env: gym.Env, noop_max: int = 30):
        super().__init__(env)
        self._noop_max = noop_max

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        observation, info = self.env.reset(seed=seed, options=options)
        for _ in range(self.unwrapped.np_random.integers(1, self._noop_max + 1)):
            observation, _, terminated, truncated, step_info = self.env.step(NOOP)
            info = {**info, **step_info}
            if terminated or truncated:
                observation, info = self.env.reset(options=options)
        return observation, info


def _area_weights(source: int, target: int) -> tuple[int, np.ndarray]:
    """Area-averaging weights for shrinking an axis of `source` cells to `target`.

    The axis splits into gcd(source, target) equal blocks that all share one small weight
    matrix (210 -> 84 rows: blocks of 5 rows -> 2). Returns (block length, (block, out) weights).
    """
    blocks = math.gcd(source, target)
    block, out = source // blocks, target // blocks
    edges = np.arange(out + 1) * (block / out)
    starts, ends = edges[:-1, None], edges[1:, None]
    cells = np.arange(block)[None, :]
    overlap = np.clip(np.minimum(ends, cells + 1) - np.maximum(starts, cells), 0.0, None)
    return block, (overlap / (block / out)).T.astype(np.float32)


class AreaResize(gym.ObservationWrapper):
    """Resizes a 2-D grayscale frame to (size, size) by area averaging, like cv2.INTER_AREA.

    Each axis is one matrix product over its blocks (see _area_weights): cheaper than the two
    full products of a dense resize matrix.
    """

    def __init__(self, env: gym.Env, size: int = 84):
        super().__init__(env)
        shape = env.observation_space.shape
        assert shape is not None and len(shape) == 2, "a grayscale frame: (height, width)"
        height, width = shape
        self._size = size
        self._row_block, self._row_weights = _area_weights(height, size)
        self._column_block, self._column_weights = _area_weights(width, size)
        self.observation_space = gym.spaces.Box(0, 255, (size, size), np.uint8)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        # Rows first (on the transposed frame, so a block is contiguous), then columns.
        transposed = np.array(observation.T, dtype=np.float32, order="C")
        rows = (transposed.reshape(-1, self._row_block) @ self._row_weights).reshape(-1, self._size)
        rows = np.ascontiguousarray(rows.T).reshape(-1, self._column_block)
        columns = rows @ self._column_weights
        resized = columns.reshape(self._size, self._size)
        return np.rint(resized, out=resized).astype(np.uint8)


class SkipStart(gym.Wrapper):
    """Plays `steps` NOOP agent steps at reset and after every lost life.

    Some games ignore the joystick for a while at those moments (Space Invaders: 32 agent steps at
    the start), and learning from steps whose action cannot matter is wasted work. Rewards of the
    skipped steps are real score, so a step adds them to its own; if the game ends while
    skipping, that end is returned.
    """

    def __init__(self, env: gym.Env, steps: int):
        super().__init__(env)
        self._steps = steps
        self._lives = 0

    def _skip(self) -> tuple[Any, float, bool, bool, dict[str, Any] | None]:
        observation, total, terminated, truncated, info = None, 0.0, False, False, None
        for _ in range(self._steps):
            observation, reward, terminated, truncated, info = self.env.step(NOOP)
            total += float(reward)
            if terminated or truncated:
                break
        return observation, total, terminated, truncated, info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        observation, info = self.env.reset(seed=seed, options=options)
        skipped, _, terminated, truncated, skip_info = self._skip()
        if terminated or truncated:  # no real game ends within its first few seconds
            return self.reset(options=options)
        if skip_info is not None:
            observation, info = skipped, {**info, **skip_info}
        self._lives = _lives(self.env)
        return observation, info

    def step(self, action: Any) -> StepResult:
        observation, reward, terminated, truncated, info = self.env.step(action)
        reward = float(reward)
        lives = _lives(self.env)
        if not (terminated or truncated) and lives < self._lives:
            skipped, extra, terminated, truncated, skip_info = self._skip()
            if skip_info is not None:
                observation, info, reward = skipped, skip_info, reward + extra
            lives = _lives(self.env)
        self._lives = lives
        return observation, reward, terminated, truncated, info


class AutoFire(gym.Wrapper):
    """Presses FIRE once at reset and again right after every lost life.

    Games like Breakout wait for FIRE before serving; an agent that has not learned that yet can
    stand still forever. The FIRE step's reward is added to the step's own.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        ale_env: Any = env.unwrapped  # ale_py's AtariEnv
        meanings = ale_env.get_action_meanings()
        if "FIRE" not in meanings:
            game = env.spec.id if env.spec else type(env.unwrapped).__name__
            raise ValueError(f"auto_fire needs a FIRE action, but {game} has only {meanings}")
        self._fire = meanings.index("FIRE")
        self._lives = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        _, info = self.env.reset(seed=seed, options=options)
        observation, _, terminated, truncated, fire_info = self.env.step(self._fire)
        if terminated or truncated:  # no real game ends on its first FIRE
            return self.reset(options=options)
        self._lives = _lives(self.env)
        return observation, {**info, **fire_info}

    def step(self, action: Any) -> StepResult:
        observation, reward, terminated, truncated, info = self.env.step(action)
        lives = _lives(self.env)
        if not (terminated or truncated) and lives < self._lives:
            observation, fire_reward, terminated, truncated, info = self.env.step(self._fire)
            reward = float(reward) + float(fire_reward)
            lives = _lives(self.env)
        self._lives = lives
        return observation, reward, terminated, truncated, info


class EpisodicLife(gym.Wrapper):
    """Ends the agent's episode at each lost life, but not the game (baselines' EpisodicLifeEnv).

    The agent then learns that losing a life is final (discount 0), while the game keeps its
    state: reset() after a life loss plays one NOOP step instead of restarting, and only a real
    game over (or a time limit) resets the game. Wrappers inside this one (AutoFire, SkipStart)
    see the life loss in their own step, so they act on it before the agent's episode ends.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self._lives = 0
        self._game_over = True

    def step(self, action: Any) -> StepResult:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._game_over = terminated or truncated
        lives = _lives(self.env)
        # `lives > 0`: some games (Qbert) sit at 0 lives for a few frames before the game ends.
        if 0 < lives < self._lives:
            terminated = True
        self._lives = lives
        return observation, reward, terminated, truncated, info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if self._game_over:
            observation, info = self.env.reset(seed=seed, options=options)
        else:
            observation, _, terminated, truncated, info = self.env.step(NOOP)
            if terminated or truncated:  # the game ended within that NOOP: start a new one
                observation, info = self.env.reset(options=options)
        self._game_over = False
        self._lives = _lives(self.env)
        return observation, info


class ChannelsLast(gym.ObservationWrapper):
    """Moves the frame-stack axis last: (stack, H, W) -> (H, W, stack), oldest frame first.

    Keras' Conv2D expects channels last. A transposed view is enough: FrameStackObservation
    returns a fresh array each step.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        space = env.observation_space
        assert isinstance(space, gym.spaces.Box)
        self.observation_space = gym.spaces.Box(
            np.moveaxis(space.low, 0, -1),
            np.moveaxis(space.high, 0, -1),
            dtype=np.dtype(space.dtype).type,  # type: ignore[arg-type]  # gymnasium's stub: int/float only
        )

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return np.moveaxis(observation, 0, -1)
