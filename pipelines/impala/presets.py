"""The IMPALA presets, each with its source; docs/presets.md tabulates them."""

import dataclasses
import functools
from typing import Callable, Dict

from pipelines import registry
from pipelines.common import on_policy_config
from pipelines.impala.config import ImpalaConfig


def cartpole() -> ImpalaConfig:
    """CartPole-v1: actors of 8 environments x 20-step rollouts, batches of 8 rollouts, Adam
    1e-3, trained until a greedy mean of 490 holds over 100 fresh episodes (at most 500k env
    steps)."""
    return ImpalaConfig(
        name="cartpole_impala",
        env_id="CartPole-v1",
        num_env_steps=500_000,
        num_parallel_envs=8,
        rollout_length=20,
        batch_size=8,
        queue_capacity=32,
        eval_interval=10_000,
        eval_episodes=10,
        stop_at_eval_return=490.0,
        stop_confirm_episodes=100,
        checkpoint_interval=20_000,
        summary_interval=2_000,
        optimizer="adam",
        learning_rate=1e-3,
        learning_rate_end=None,
        entropy_regularization=0.01,
        value_pred_loss_coef=0.25,
        gradient_clipping=0.5,
        normalize_advantages=False,
        share_torso=False,
        conv_layer_params=(),
        fc_layer_params=(64, 64),
        max_episode_steps=0,
        clip_rewards=False,
        terminal_on_life_loss=False,
    )


def espeholt2018(env_id: str, name: str) -> ImpalaConfig:
    """Espeholt et al. (2018)'s Atari settings with the Nature CNN: 20-step rollouts, batches of
    32, RMSprop 6e-4 (epsilon 0.01) annealed to 0, entropy 0.01, value loss 0.5 * 1/2 (v - V)^2,
    gradient norm 40, rewards clipped; 10M env steps."""
    return ImpalaConfig(
        name=name,
        env_id=env_id,
        num_env_steps=10_000_000,
        num_parallel_envs=16,
        rollout_length=20,
        batch_size=32,
        queue_capacity=64,
        eval_interval=250_000,
        eval_episodes=8,
        checkpoint_interval=100_000,
        summary_interval=10_000,
        optimizer="rmsprop",
        learning_rate=6e-4,
        optimizer_epsilon=0.01,
        learning_rate_end=0.0,
        entropy_regularization=0.01,
        value_pred_loss_coef=0.25,
        gradient_clipping=40.0,
        normalize_advantages=False,
        env_backend="ale_vector",
    )


def fast(env_id: str, name: str) -> ImpalaConfig:
    """A3C's update sizes on IMPALA's transport: actors of 16 envs x 20-step rollouts, batches
    of 4 rollouts, the A2C `fast` preset's PyTorch-style RMSprop 7e-4 annealed over 10M env
    steps, entropy 0.01, value loss 0.5, gradient norm 0.5; stops at a confirmed evaluation of
    Pong 19 or Breakout 35."""
    return dataclasses.replace(
        espeholt2018(env_id, name),
        batch_size=4,
        queue_capacity=48,
        checkpoint_interval=250_000,
        learning_rate=7e-4,
        optimizer_epsilon=1e-10,  # Keras' sqrt(v + 1e-10) ~ PyTorch's sqrt(v) + 1e-5
        value_pred_loss_coef=0.5,
        gradient_clipping=0.5,
        **on_policy_config.fast_evaluation(name, eval_interval=250_000),
    )


def presets(pipeline: str) -> Dict[str, Callable[[], ImpalaConfig]]:
    """The --preset choices of an IMPALA entry point, the default first."""
    if pipeline == "cartpole_impala":
        return {"fast": cartpole}
    env_id = registry.get(pipeline).env_id
    return {
        "fast": functools.partial(fast, env_id, pipeline),
        "espeholt2018": functools.partial(espeholt2018, env_id, pipeline),
    }
