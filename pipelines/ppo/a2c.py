"""A2C, synchronous advantage actor-critic (Mnih et al. 2016): its presets, PpoConfig values that
make PPO's update exactly A2C's. The A2C entry points run this package's pipeline with them.

A2C's update is PPO's with one epoch of one minibatch and no clipping:
- one epoch of one minibatch: each rollout of num_parallel_envs x rollout_length env steps makes
  one gradient step, on the weights that collected it;
- no ratio or value clipping (both 0). At that single step the importance ratio pi/pi_old is 1,
  and its gradient ratio * grad(log pi) is A2C's grad(log pi) * A;
  tests/pipelines/test_a2c.py checks the gradients are the same;
- advantages: GAE(lambda), with lambda_value 1 giving A2C's n-step returns bootstrapped at the
  rollout's end; the value loss is the squared error to the same returns; entropy bonus.

validate() refuses settings that would make the update PPO's again.
"""

import dataclasses
import functools
from typing import Callable, Dict

from pipelines import registry
from pipelines.common import on_policy_config
from pipelines.ppo import config as ppo_config
from pipelines.ppo.config import PpoConfig


def cartpole() -> PpoConfig:
    """CartPole-v1: 16 environments x 5 steps per update, Adam 2e-3, n-step returns, no entropy
    bonus, trained until a greedy mean of 490 holds over 100 fresh episodes (at most 300k env
    steps). A2C's greedy policy swings between evaluations, so the stop rule keeps the weights
    that hold."""
    return PpoConfig(
        name="cartpole_a2c",
        env_id="CartPole-v1",
        num_env_steps=300_000,
        num_parallel_envs=16,
        rollout_length=5,
        eval_interval=10_000,
        eval_episodes=10,
        stop_at_eval_return=490.0,
        stop_confirm_episodes=100,
        checkpoint_interval=20_000,
        summary_interval=2_000,
        num_epochs=1,
        num_minibatches=1,
        optimizer="adam",
        learning_rate=2e-3,
        learning_rate_end=None,
        importance_ratio_clipping=0.0,
        value_clipping=0.0,
        gamma=0.99,
        lambda_value=1.0,
        entropy_regularization=0.0,
        value_pred_loss_coef=0.5,
        gradient_clipping=0.5,
        share_torso=False,
        conv_layer_params=(),
        fc_layer_params=(64, 64),
        max_episode_steps=0,
        clip_rewards=False,
        terminal_on_life_loss=False,
    )


def sb3_zoo_cartpole() -> PpoConfig:
    """rl-baselines3-zoo's CartPole A2C: 8 environments x 5 steps, RMSprop 7e-4 (decay 0.99),
    500k env steps, no stop rule."""
    return dataclasses.replace(
        cartpole(),
        num_env_steps=500_000,
        num_parallel_envs=8,
        eval_interval=25_000,
        stop_at_eval_return=0.0,
        stop_confirm_episodes=0,
        optimizer="rmsprop",
        learning_rate=7e-4,
    )


def sb3_zoo(env_id: str, name: str) -> PpoConfig:
    """rl-baselines3-zoo's Atari A2C: 16 envs x 5 steps, RMSprop 7e-4 (epsilon 1e-5 under the
    square root), entropy 0.01, value loss 0.25, gradient norm 0.5, 10M env steps."""
    return PpoConfig(
        name=name,
        env_id=env_id,
        num_env_steps=10_000_000,
        num_parallel_envs=16,
        rollout_length=5,
        eval_interval=250_000,
        eval_episodes=8,
        checkpoint_interval=100_000,
        summary_interval=10_000,
        num_epochs=1,
        num_minibatches=1,
        optimizer="rmsprop",
        learning_rate=7e-4,
        learning_rate_end=None,
        importance_ratio_clipping=0.0,
        value_clipping=0.0,
        gamma=0.99,
        lambda_value=1.0,
        normalize_advantages=False,
        entropy_regularization=0.01,
        value_pred_loss_coef=0.25,
        gradient_clipping=0.5,
        env_backend="ale_vector",
    )


def fast(env_id: str, name: str) -> PpoConfig:
    """pytorch-a2c-ppo-acktr-gail's Atari A2C (rl-baselines3-zoo's, with PyTorch's RMSprop:
    epsilon 1e-5 outside the square root; value loss 0.5), the learning rate annealed to 0 over
    10M env steps; stops at a confirmed evaluation of Pong 19 or Breakout 35."""
    return dataclasses.replace(
        sb3_zoo(env_id, name),
        optimizer_epsilon=1e-10,  # Keras' sqrt(v + 1e-10) ~ PyTorch's sqrt(v) + 1e-5
        value_pred_loss_coef=0.5,
        learning_rate_end=0.0,
        checkpoint_interval=250_000,
        **on_policy_config.fast_evaluation(name, eval_interval=250_000),
    )


def presets(pipeline: str) -> Dict[str, Callable[[], PpoConfig]]:
    """The --preset choices of an A2C entry point, the default first."""
    if pipeline == "cartpole_a2c":
        return {"fast": cartpole, "sb3_zoo": sb3_zoo_cartpole}
    env_id = registry.get(pipeline).env_id
    return {
        "fast": functools.partial(fast, env_id, pipeline),
        "sb3_zoo": functools.partial(sb3_zoo, env_id, pipeline),
    }


def validate(config: PpoConfig) -> None:
    """PPO's checks, and the settings without which the update would no longer be A2C's."""
    ppo_config.validate(config)
    for field in ["num_epochs", "num_minibatches"]:
        if getattr(config, field) != 1:
            raise ValueError(
                f"A2C makes one update per rollout: config.{field} must be 1, got "
                f"{getattr(config, field)} (for several, use a PPO entry point)"
            )
    for field in ["importance_ratio_clipping", "value_clipping"]:
        if getattr(config, field) != 0:
            raise ValueError(
                f"A2C does not clip: config.{field} must be 0, got "
                f"{getattr(config, field)} (for clipping, use a PPO entry point)"
            )
