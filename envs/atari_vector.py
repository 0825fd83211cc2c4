"""Atari games stepped in C++ threads: ale-py's AtariVectorEnv as one batched PyEnvironment.

AtariVectorEnv is EnvPool's design inside ale-py: no-op reset, frame skip with max-pool, 84x84
grayscale resize (OpenCV's INTER_AREA) and FIRE at reset, in C++ on its own threads. What it does
differently from our wrappers is done here, per step, on whole batches:

- A lost life ends the agent's episode but not the game (as envs.atari.EpisodicLife). ALE's own
  `episodic_life` restarts the game at every lost life, so it stays off; lives come from `info`.
  With auto_fire, FIRE is played on the FIRST step after a lost life (ALE fires at reset only).
- Frames are stacked here: a FIRST repeats its frame, as gymnasium's FrameStackObservation does
  (ALE pads with black frames, and carries the last life's frames over).
- Rewards are clipped here, so that the raw game score can still be reported.
- `max_episode_steps` counts agent steps here; ALE's own limit (the id's 108,000 frames) stays.

Options it cannot honour exactly raise ValueError instead of being dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ale_py import Action
from ale_py.vector_env import AtariVectorEnv
from tf_agents.environments import py_environment
from tf_agents.specs import array_spec
from tf_agents.trajectories import time_step as ts
from tf_agents.typing import types

from envs.options import atari_options_for, check_int, check_option_names
from envs.registry import find_spec, is_atari

_NOOP = 0  # ALE puts NOOP first in every game's action set


def load_vector(
    env_id: str,
    num_envs: int,
    *,
    seed: int | None,
    max_episode_steps: int | None = None,
    num_threads: int = 0,
    **atari_options: Any,
) -> AtariVectorPyEnvironment:
    """`num_envs` copies of an Atari game as one batched TF-Agents PyEnvironment.

    Same specs and conventions as a BatchedPyEnvironment over
    `envs.load(env_id, seed=seed + i, max_episode_steps=..., **atari_options)`, i = 0..num_envs-1:
    observations (num_envs, size, size, frame_stack) uint8 oldest frame first, discount 0 on
    termination and 1 on truncation, the step after a LAST is a FIRST whose action is ignored.

    Args:
      env_id: an Atari id ('BreakoutNoFrameskip-v4', 'ALE/Breakout-v5', ...); its registered
        kwargs give the ROM, sticky actions (v4: 0, v5: 0.25) and ALE's frame limit.
      num_envs: games stepped together.
      seed: game i is seeded seed + i; None draws fresh seeds.
      max_episode_steps: truncate a game after this many agent steps (the agent's FIRST steps
        after a lost life count); None keeps the id's own limit (108,000 frames).
      num_threads: C++ threads stepping the games; 0 lets ALE choose (one per core).
      **atari_options: as envs.load (envs.options.ATARI_DEFAULTS, envs.GAME_OPTIONS fill the rest).

    Raises ValueError for a bad argument or an option this backend cannot honour: skip_start,
    and auto_fire without terminal_on_life_loss (the FIRE after a lost life is played on the
    agent's FIRST step that follows it, which needs that step to exist).
    """
    spec = find_spec(env_id)
    if not is_atari(env_id):
        raise ValueError(f"the ale_vector backend runs Atari games only, and '{env_id}' is not one")
    check_option_names(env_id, list(atari_options))
    check_int("num_envs", num_envs, 1)
    check_int("seed", seed, 0, allow_none=True)
    check_int("max_episode_steps", max_episode_steps, 1, allow_none=True)
    check_int("num_threads", num_threads, 0)
    options = atari_options_for(env_id, **atari_options)
    if options["skip_start"]:
        raise ValueError(
            f"the ale_vector backend cannot skip the start of a game "
            f"(skip_start={options['skip_start']}); use skip_start=0 or envs.load"
        )
    if options["auto_fire"] and not options["terminal_on_life_loss"]:
        raise ValueError(
            "the ale_vector backend presses FIRE after a lost life only on the "
            "FIRST step of the agent's next episode, so auto_fire needs "
            "terminal_on_life_loss=True (or auto_fire=False)"
        )
    return AtariVectorPyEnvironment(
        spec.kwargs, num_envs, seed, max_episode_steps, num_threads, options
    )


class AtariVectorPyEnvironment(py_environment.PyEnvironment):
    """A batch of Atari games in C++ threads (make it with load_vector).

    get_info() follows gymnasium's vector convention: info["episode"] = {"r": raw game scores,
    "l": agent steps} for every game, valid where the mask info["_episode"] is True (games that
    ended on the last step); info["lives"] holds each game's lives.
    """

    def __init__(
        self,
        game_kwargs: dict[str, Any],
        num_envs: int,
        seed: int | None,
        max_episode_steps: int | None,
        num_threads: int,
        options: dict[str, Any],
    ):
        super().__init__(handle_auto_reset=False)  # AtariVectorEnv resets ended games itself
        self._vector = AtariVectorEnv(
            game_kwargs["game"],
            num_envs,
            num_threads=num_threads,
            max_num_frames_per_episode=game_kwargs.get("max_num_frames_per_episode", 108_000),
            repeat_action_probability=game_kwargs.get("repeat_action_probability", 0.25),
            full_action_space=game_kwargs.get("full_action_space", False),
            autoreset_mode="NextStep",
            img_height=options["screen_size"],
            img_width=options["screen_size"],
            stack_num=1,
            frameskip=options["frame_skip"],
            maxpool=options["frame_skip"] > 1,  # as ours: nothing to pool without a skip
            noop_max=options["noop_max"],
            use_fire_reset=options["auto_fire"],
            episodic_life=False,
            life_loss_info=False,
            reward_clipping=False,
        )
        actions = list(self._vector.ale.get_action_set())
        if options["auto_fire"] and Action.FIRE not in actions:
            raise ValueError(
                f"auto_fire needs a FIRE action, but {game_kwargs['game']} has only "
                f"{[action.name for action in actions]}"
            )
        self._restart_action = actions.index(Action.FIRE) if options["auto_fire"] else _NOOP
        self._num_envs = num_envs
        self._seed = seed
        self._max_episode_steps = max_episode_steps
        self._clip_rewards = options["clip_rewards"]
        self._life_loss_ends_episode = options["terminal_on_life_loss"]
        size, stack = options["screen_size"], options["frame_stack"]
        self._observation_spec = array_spec.BoundedArraySpec(
            (size, size, stack), np.uint8, minimum=0, maximum=255, name="observation"
        )
        self._action_spec = array_spec.BoundedArraySpec(
            (), np.int64, minimum=0, maximum=len(actions) - 1, name="action"
        )
        # Per game: what its last step ended, so that this step is a FIRST.
        self._game_ended = np.zeros(num_envs, bool)  # by ALE: it resets the game on this step
        self._life_lost = np.zeros(num_envs, bool)  # the game goes on: play the restart action
        self._truncated = np.zeros(num_envs, bool)  # by us: the game was reset already
        self._lives = np.zeros(num_envs, np.int32)
        self._scores = np.zeros(num_envs, np.float64)
        self._lengths = np.zeros(num_envs, np.int64)
        self._info: dict[str, Any] = {}
        self._frames = np.zeros((num_envs, size, size, stack), np.uint8)

    @property
    def batched(self) -> bool:
        return True

    @property
    def batch_size(self) -> int:
        return self._num_envs

    def observation_spec(self) -> types.NestedArraySpec:
        return self._observation_spec

    def action_spec(self) -> types.NestedArraySpec:
        return self._action_spec

    def get_info(self) -> dict[str, Any]:
        """Lives of each game, and the raw score and length of the games that just ended."""
        return self._info

    def close(self) -> None:
        self._vector.close()

    def _reset(self) -> ts.TimeStep:
        seed, self._seed = self._seed, None  # later resets carry on each game's own generator
        observation: np.ndarray
        observation, info = self._vector.reset(seed=seed)
        self._game_ended[:] = self._life_lost[:] = self._truncated[:] = False
        self._lives[:] = info["lives"]
        self._scores[:] = 0.0
        self._lengths[:] = 0
        self._set_info(np.zeros(self._num_envs, bool))
        return ts.TimeStep(
            np.full(self._num_envs, ts.StepType.FIRST, np.int32),
            np.zeros(self._num_envs, np.float32),
            np.ones(self._num_envs, np.float32),
            self._stack(observation, np.ones(self._num_envs, bool)),
        )

    def _step(self, action: types.NestedArray) -> ts.TimeStep:
        first = self._game_ended | self._life_lost | self._truncated
        # A FIRST ignores the agent's action: ALE resets ended games whatever it is sent.
        actions = np.where(first, self._restart_action, np.asarray(action, np.int64))
        observation, reward, terminated, truncated, info = self._vector.step(
            actions.reshape(self._num_envs)
        )
        lives = info["lives"]
        new_game = self._game_ended  # this step was ALE's reset, not a step of the game
        self._scores[new_game] = 0.0
        self._lengths[new_game] = 0
        self._scores += reward
        self._lengths += ~new_game
        game_over = terminated | truncated
        if self._max_episode_steps is not None:
            truncated = truncated | (~game_over & (self._lengths >= self._max_episode_steps))
        ours_truncated = truncated & ~game_over
        # As EpisodicLife: `lives > 0`, some games sit at 0 lives for a while before they end.
        life_lost = np.zeros_like(terminated)
        if self._life_loss_ends_episode:
            life_lost = ~first & ~game_over & ~ours_truncated & (0 < lives) & (lives < self._lives)
        self._lives = lives.copy()
        game_ends = game_over | ours_truncated
        self._set_info(game_ends)
        self._scores[ours_truncated] = 0.0  # reset below: its next step starts a new game
        self._lengths[ours_truncated] = 0
        if ours_truncated.any():
            self._vector.reset(options={"reset_mask": ours_truncated})
        # A game that ends on a FIRST step (on the FIRE or NOOP after a lost life) is reported as
        # that FIRST; ALE's reset of it on the next step is a FIRST again.
        last = ~first & (terminated | truncated | life_lost)
        step_type = np.where(
            first, ts.StepType.FIRST, np.where(last, ts.StepType.LAST, ts.StepType.MID)
        ).astype(np.int32)
        discount = np.where(last & (terminated | life_lost), 0.0, 1.0).astype(np.float32)
        self._game_ended, self._life_lost, self._truncated = game_over, life_lost, ours_truncated
        reward = reward.astype(np.float32)
        if self._clip_rewards:
            reward = np.clip(reward, -1.0, 1.0)
        return ts.TimeStep(step_type, reward, discount, self._stack(observation, first))

    def _set_info(self, ended: np.ndarray) -> None:
        self._info = {
            "episode": {"r": self._scores.copy(), "l": self._lengths.copy()},
            "_episode": ended,
            "lives": self._lives,
        }

    def _stack(self, observation: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Pushes the newest frames (envs, 1, H, W) onto the stacks (envs, H, W, stack).

        Stacked here, not by ALE, to do what gymnasium's FrameStackObservation does in envs.load:
        a FIRST stacks its frame `stack` times (ALE pads with black frames at a reset and
        carries the frames of the last life on after a lost one).
        """
        newest = observation[:, 0]
        # A new array each step (time steps keep theirs), filled from the last one.
        frames = np.empty_like(self._frames)
        frames[..., :-1] = self._frames[..., 1:]
        frames[..., -1] = newest
        frames[first] = newest[first][..., None]
        self._frames = frames
        return frames
