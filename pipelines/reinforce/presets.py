"""The REINFORCE presets, each with its source; docs/presets.md tabulates them."""

from typing import Callable, Dict

from pipelines.reinforce.config import ReinforceConfig


def cartpole() -> ReinforceConfig:
    """CartPole-v1 in 100k env steps (about 2 minutes): greedy returns over 100 episodes of
    500.0, 498.5 and 500.0 on seeds 0-2."""
    return ReinforceConfig(
        name="cartpole_reinforce",
        env_id="CartPole-v1",
        num_env_steps=100_000,
        num_parallel_envs=8,
        episodes_per_iteration=8,
        eval_interval=20_000,
        checkpoint_interval=25_000,
        learning_rate=3e-3,
        gamma=0.99,
        fc_layer_params=(64, 64),
    )


def lunarlander() -> ReinforceConfig:
    """REINFORCE with a value baseline over 1.5M env steps (measured: docs/on_policy.md)."""
    return ReinforceConfig(
        name="lunarlander_reinforce",
        env_id="LunarLander-v3",
        num_env_steps=1_500_000,
        num_parallel_envs=8,
        episodes_per_iteration=8,
        eval_interval=100_000,
        checkpoint_interval=100_000,
        summary_interval=10_000,
        learning_rate=1e-3,
        gamma=0.99,
        value_baseline=True,
        fc_layer_params=(128, 128),
        value_fc_layer_params=(128, 128),
    )


def homl_cartpole() -> ReinforceConfig:
    """Hands-On Machine Learning (Geron, 2nd ed., ch. 18), the policy-gradient CartPole (its
    figure: 199.6 of 200): one hidden layer of 5 ELU units, Adam 1e-2, gamma 0.95, 10 episodes
    per update with normalized returns, episodes cut at 200 steps. The book runs 150 updates;
    here the budget is the 300k env steps 150 updates take at most."""
    return ReinforceConfig(
        name="cartpole_reinforce",
        env_id="CartPole-v1",
        num_env_steps=300_000,
        num_parallel_envs=10,
        episodes_per_iteration=10,
        eval_interval=20_000,
        eval_episodes=20,
        checkpoint_interval=50_000,
        learning_rate=1e-2,
        gamma=0.95,
        normalize_returns=True,
        fc_layer_params=(5,),
        activation="elu",
        max_episode_steps=200,
    )


def presets(pipeline: str) -> Dict[str, Callable[[], ReinforceConfig]]:
    """The --preset choices of a REINFORCE entry point, the default first."""
    return {
        "cartpole_reinforce": {"fast": cartpole, "homl2019": homl_cartpole},
        "lunarlander_reinforce": {"fast": lunarlander},
    }[pipeline]
