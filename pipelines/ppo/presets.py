"""The PPO presets, each with its source; docs/presets.md tabulates them."""

import functools
from typing import Callable, Dict

from pipelines import registry
from pipelines.common import on_policy_config
from pipelines.ppo.config import PpoConfig


def fast(env_id: str, name: str) -> PpoConfig:
    """CleanRL's ppo_atari (Schulman et al. 2017's Atari settings) over 5M env steps, the
    learning rate annealed over them, with ale-py's vector env; stops at a confirmed evaluation
    of Pong 19 or Breakout 35."""
    return PpoConfig(
        name=name,
        env_id=env_id,
        num_env_steps=5_000_000,
        env_backend="ale_vector",
        **on_policy_config.fast_evaluation(name, eval_interval=200_000),
    )


def schulman2017(env_id: str, name: str) -> PpoConfig:
    """Schulman et al. (2017) Atari settings as CleanRL's ppo_atari: 8 envs x 128 steps, 4
    epochs of 4 minibatches, 10M env steps (40M frames)."""
    return PpoConfig(name=name, env_id=env_id)


def presets(pipeline: str) -> Dict[str, Callable[[], PpoConfig]]:
    """The --preset choices of a PPO entry point, the default first."""
    env_id = registry.get(pipeline).env_id
    return {
        "fast": functools.partial(fast, env_id, pipeline),
        "schulman2017": functools.partial(schulman2017, env_id, pipeline),
    }
