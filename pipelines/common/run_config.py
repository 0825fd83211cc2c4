"""The settings every algorithm's config shares: the run's identity, its budget and schedule in
env steps, evaluation, the stop rule and the episode limit, with their range checks. DqnConfig,
ReinforceConfig and OnPolicyConfig (PPO, A2C, IMPALA) extend it with their learning rules and
set their own defaults.

Units: an "env step" is one agent step (on Atari 4 frames), summed over the parallel
environments.
"""

import dataclasses

from pipelines.common import config_checks


@dataclasses.dataclass
class RunConfig:
    """Any field can be overridden as --config.<field>=value."""

    name: str = ""
    """The entry point's name (pong_dqn, ...), written into config.json and summary.json."""
    preset: str = ""
    """The --preset this config started from (set by the preset, not by --config)."""
    env_id: str = "CartPole-v1"
    """Gymnasium id (or one of ours) to train on."""
    seed: int = 0
    """Seeds environments, network initialisation, exploration and action sampling."""

    # Budget and schedule, all in env steps.
    num_env_steps: int = 100_000
    """All env steps of the run (a random warm-up included)."""
    num_parallel_envs: int = 8
    """Environments stepped together in one batch (per actor, where there are several)."""
    eval_interval: int = 10_000
    """Env steps between evaluations of the greedy policy; 0 turns evaluation off."""
    eval_episodes: int = 10
    """Episodes (whole games, raw score) per evaluation."""
    video_interval: int = 0
    """Env steps between videos of one evaluation game, root_dir/videos/<env_step>.mp4, each
    recorded at the first evaluation due after it; 0 turns videos off."""
    stop_at_eval_return: float = 0.0
    """Stop training once an evaluation's mean return reaches this (the final weights are then
    those that reached it); 0, or evaluation off (eval_interval=0), trains the whole budget."""
    stop_at_train_return: float = 0.0
    """Stop training as soon as one training game's raw score reaches this, and keep those
    weights (a course lab report's rule); 0 turns it off. Needs the training games in the
    learner's process: not with --role=train."""
    stop_confirm_episodes: int = 0
    """With stop_at_eval_return: an evaluation that reaches it is confirmed over this many other,
    fresh episodes before training stops (0: no confirmation)."""
    checkpoint_interval: int = 20_000
    """Env steps between checkpoints (networks, optimizer, counters, and a DQN run's replay)."""
    summary_interval: int = 1_000
    """Env steps between TensorBoard summaries."""
    max_episode_steps: int = 0
    """Env steps after which an episode is truncated; 0 keeps the environment's own limit."""
    gamma: float = 0.99
    """Discount per env step."""


POSITIVE = ("num_env_steps", "num_parallel_envs", "eval_episodes", "checkpoint_interval",
            "summary_interval")  # fmt: skip
NON_NEGATIVE = ("eval_interval", "max_episode_steps")


def check(config: RunConfig) -> None:
    """Raises ValueError (one line, user language) for shared values no run can use."""
    config_checks.check_finite(config)
    config_checks.check_video_interval(config)
    config_checks.check_stop_rule(config)
    for field in POSITIVE:
        if getattr(config, field) <= 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    for field in NON_NEGATIVE:
        if getattr(config, field) < 0:
            raise ValueError(f"config.{field} must be >= 0, got {getattr(config, field)}")
    if not 0 <= config.gamma <= 1:
        raise ValueError(f"config.gamma must be in [0, 1], got {config.gamma}")
