"""The DQN presets: each a DqnConfig with its source in one line; docs/presets.md tabulates them.

docs/dqn.md tells how each recipe maps onto this package; docs/atari.md and docs/solve.md hold
what they were measured to do.
"""

import dataclasses
import functools
from typing import Callable, Dict

from pipelines import registry
from pipelines.dqn.config import DqnConfig


def cartpole() -> DqnConfig:
    """PureJaxRL's CartPole DQN; stops at a greedy 490 held over 100 episodes (docs/solve.md)."""
    return DqnConfig(
        name="cartpole_dqn",
        env_id="CartPole-v1",
        num_env_steps=400_000,
        initial_collect_steps=10_000,
        num_parallel_envs=64,
        update_period=10,
        target_update_period=500,
        eval_interval=20_000,
        eval_episodes=20,
        stop_at_eval_return=490.0,
        stop_confirm_episodes=100,
        checkpoint_interval=50_000,
        replay_capacity=10_000,
        batch_size=128,
        learning_rate=2.5e-4,
        gamma=0.99,
        n_step=1,
        double_dqn=False,
        huber_loss=False,
        epsilon_end=0.05,
        epsilon_decay_steps=240_000,
        fc_layer_params=(120, 84),
    )


def lunarlander() -> DqnConfig:
    """Double DQN, 3-step returns; stops at a greedy 200 held over 100 episodes (docs/solve.md)."""
    return DqnConfig(
        name="lunarlander_dqn",
        env_id="LunarLander-v3",
        num_env_steps=600_000,
        initial_collect_steps=10_000,
        num_parallel_envs=4,
        update_period=4,
        target_update_period=1_000,
        eval_interval=25_000,
        eval_episodes=10,
        stop_at_eval_return=200.0,
        stop_confirm_episodes=100,
        checkpoint_interval=50_000,
        replay_capacity=200_000,
        batch_size=128,
        learning_rate=6.3e-4,
        learning_rate_end=1e-5,
        gamma=0.99,
        n_step=3,
        double_dqn=True,
        epsilon_end=0.05,
        epsilon_decay_steps=50_000,
        fc_layer_params=(256, 256),
    )


def atari_fast(
    env_id: str, name: str, stop_at_eval_return: float = 0.0, env_backend: str = "ale_vector"
) -> DqnConfig:
    """Tianshou's examples/atari/atari_dqn.py, evaluated on whole games at its epsilon 0.005 and
    stopped at a confirmed stop_at_eval_return (docs/dqn.md, measured: docs/atari.md)."""
    return DqnConfig(
        name=name,
        env_id=env_id,
        num_env_steps=1_500_000,
        initial_collect_steps=5_000,
        num_parallel_envs=10,
        update_period=10,
        target_update_period=5_000,  # 500 train steps
        eval_interval=50_000,
        eval_episodes=10,
        stop_at_eval_return=stop_at_eval_return,
        stop_confirm_episodes=10,
        checkpoint_interval=100_000,
        replay_capacity=100_000,
        checkpoint_replay=False,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-4,
        gamma=0.99,
        n_step=3,
        double_dqn=True,
        huber_loss=False,
        epsilon_start=1.0,
        epsilon_end=0.05,
        epsilon_decay_steps=1_000_000,
        eval_epsilon=0.005,
        conv_layer_params=((32, 8, 4), (64, 4, 2), (64, 3, 1)),
        fc_layer_params=(512,),
        max_episode_steps=27_000,
        clip_rewards=True,
        terminal_on_life_loss=True,
        env_backend=env_backend,
    )


def nature2015(env_id: str, name: str) -> DqnConfig:
    """Mnih et al. 2015 as TF-Agents' mnih15 example sets it: 10M env steps (docs/dqn.md)."""
    return DqnConfig(
        name=name,
        env_id=env_id,
        num_env_steps=10_000_000,  # 40M frames; the paper trains 50M
        initial_collect_steps=50_000,
        num_parallel_envs=4,
        update_period=4,
        target_update_period=10_000,
        eval_interval=250_000,
        eval_episodes=10,
        checkpoint_interval=250_000,
        replay_capacity=1_000_000,
        checkpoint_replay=False,  # ~2 GB per checkpoint at 1M transitions: opt in
        batch_size=32,
        optimizer="rmsprop",
        learning_rate=2.5e-4,
        # Mnih et al.'s 0.01 was added to gradients summed over the batch of 32; TF-Agents
        # averages the loss, which scales the squared gradients by 1/32^2: 0.01/1024 ~ 1e-5 (as
        # Dopamine sets it). TF-Agents' mnih15 keeps 0.01, which here floored the denominator of
        # every weight (gradient RMS <= 0.01 < sqrt(0.01)) and shrank the steps 10-1000x.
        optimizer_epsilon=1e-5,
        gamma=0.99,
        n_step=1,
        epsilon_start=1.0,
        epsilon_end=0.1,
        epsilon_decay_steps=1_000_000,
        eval_epsilon=0.05,
        conv_layer_params=((32, 8, 4), (64, 4, 2), (64, 3, 1)),
        fc_layer_params=(512,),
        max_episode_steps=27_000,  # 108k frames, the usual Atari cap
        clip_rewards=True,
        terminal_on_life_loss=True,
    )


def homl_cartpole() -> DqnConfig:
    """Hands-On ML (Geron, 2nd ed., ch. 18), the Keras CartPole DQN (docs/book_recipes.md)."""
    return DqnConfig(
        name="cartpole_dqn",
        env_id="CartPole-v1",
        num_env_steps=40_000,
        initial_collect_steps=1_000,
        num_parallel_envs=1,
        update_period=50,
        target_update_period=50,  # the target is the online net of the step before
        eval_interval=5_000,
        eval_episodes=20,
        checkpoint_interval=10_000,
        replay_capacity=2_000,
        batch_size=32,
        learning_rate=1e-2,
        gamma=0.95,
        huber_loss=False,
        epsilon_end=0.01,
        epsilon_decay_steps=30_000,
        fc_layer_params=(32, 32),
        activation="elu",
        max_episode_steps=200,
    )


def lab_report(env_id: str, name: str) -> DqnConfig:
    """The course lab report's DQN (32-32, Adam 2e-4, batch 128) on the game's fast preset; on
    CartPole also its selection rule: stop once a training episode reaches 500."""
    config = cartpole() if env_id == "CartPole-v1" else lunarlander()
    config = dataclasses.replace(
        config,
        name=name,
        fc_layer_params=(32, 32),
        learning_rate=2e-4,
        learning_rate_end=None,
        batch_size=128,
    )
    if env_id == "CartPole-v1":
        config = dataclasses.replace(config, stop_at_eval_return=0.0, stop_at_train_return=500.0)
    return config


def blog_lunarlander() -> DqnConfig:
    """The LunarLander DQN blog recipe, as the blog states it (docs/book_recipes.md)."""
    return DqnConfig(
        name="lunarlander_dqn",
        env_id="LunarLander-v3",
        num_env_steps=500_000,
        initial_collect_steps=10_000,
        num_parallel_envs=1,
        update_period=4,
        target_update_period=10_000,
        eval_interval=25_000,
        eval_episodes=10,
        checkpoint_interval=50_000,
        replay_capacity=100_000,
        batch_size=64,
        learning_rate=1e-3,
        gamma=0.99,
        huber_loss=True,
        epsilon_end=0.1,
        epsilon_decay_steps=100_000,
        fc_layer_params=(150, 120),
    )


def homl_breakout() -> DqnConfig:
    """Hands-On ML (Geron, 2nd ed., ch. 18), the TF-Agents Breakout DQN, greedy evaluation."""
    config = nature2015("BreakoutNoFrameskip-v4", "breakout_dqn")
    return dataclasses.replace(
        config,
        num_parallel_envs=1,
        initial_collect_steps=20_000,
        target_update_period=8_000,
        replay_capacity=100_000,
        batch_size=64,
        epsilon_end=0.01,
        epsilon_decay_steps=250_000,
        eval_epsilon=0.0,
        huber_loss=True,
        clip_rewards=False,
        terminal_on_life_loss=False,
    )


def presets(pipeline: str) -> Dict[str, Callable[[], DqnConfig]]:
    """The --preset choices of a DQN entry point, the default first."""
    if pipeline == "cartpole_dqn":
        return {
            "fast": cartpole,
            "homl2019": homl_cartpole,
            "lab_report": functools.partial(lab_report, "CartPole-v1", pipeline),
        }
    if pipeline == "lunarlander_dqn":
        return {
            "fast": lunarlander,
            "blog": blog_lunarlander,
            "lab_report": functools.partial(lab_report, "LunarLander-v3", pipeline),
        }
    entry = registry.get(pipeline)
    env_id = entry.env_id
    # ale-py's vector env cannot skip a game's idle start (Space Invaders' skip_start).
    backend = "python" if pipeline == "spaceinvaders_dqn" else "ale_vector"
    table = {
        "fast": functools.partial(
            atari_fast, env_id, pipeline, entry.fast_stop_score or 0.0, backend
        ),
        "nature2015": functools.partial(nature2015, env_id, pipeline),
    }
    if pipeline == "breakout_dqn":
        table["homl2019"] = homl_breakout
    return table
