"""Hyperparameters of the tabular methods, overridable as --config.<field>=value.

The run's identity and budget are flags (--env, --algorithm, --gamma, --episodes, --seed), not
fields here, so that every setting has exactly one place. Measured with the defaults, seeds 0-9
at gamma 0.9 (README, "Tabular methods"): Q-learning's Q values within 1.6% (ThreeStateMDP) and
1.8% (GridWorld) of value iteration's; SARSA's and Monte Carlo's greedy policies optimal.
"""

import dataclasses

from pipelines.common import config_checks
from pipelines.common.cli import UserError


@dataclasses.dataclass
class TabularConfig:
    """Each field applies to some algorithms only (FIELD_ALGORITHMS); overriding one that the
    chosen algorithm does not use is refused rather than silently ignored.

    Every model-free update is Q(s,a) += step_size * (target - Q(s,a)), step_size = 1 / n^power,
    n = the update count of that entry: 1 averages all targets alike; lower forgets old targets
    faster but keeps more noise. The power must be in (0.5, 1] for the updates to converge.
    """

    preset: str = ""
    """The --preset this config started from (set by the preset, not by --config)."""
    tolerance: float = 1e-10
    """Value and policy iteration: stop when a sweep moves no Q value by more than this."""
    q_learning_epsilon: float = 1.0
    """Q-learning: chance of a uniformly random possible action, all run long. Q-learning learns
    the greedy policy's values whatever it plays, so 1 (always random, as Hands-On ML plays the
    MDP) explores best."""
    q_learning_step_size_power: float = 0.8
    """Q-learning: its targets come from a fixed behaviour policy, so it can average long."""
    on_policy_epsilon_start: float = 1.0
    """SARSA and Monte Carlo: chance of a uniformly random possible action at the first
    episode. They learn the values of the policy they play, which must end nearly greedy."""
    on_policy_epsilon_end: float = 0.05
    """SARSA and Monte Carlo: that chance once the decay is over."""
    on_policy_epsilon_decay_share: float = 0.2
    """SARSA and Monte Carlo: share of the episodes over which the chance falls linearly from
    start to end; the rest of the run plays at the end value, so the values settle."""
    on_policy_step_size_power: float = 0.7
    """SARSA and Monte Carlo: lower than Q-learning's, as their targets change with the policy
    they play (early, near-random play is worth little and must be forgotten)."""


def default() -> TabularConfig:
    """Measured on seeds 0-9 at gamma 0.9: Q-learning within 1.8% of value iteration's Q values,
    SARSA's and Monte Carlo's greedy policies optimal."""
    return TabularConfig()


PRESETS = {"default": default}

MODEL_BASED = ("value_iteration", "policy_iteration")
MODEL_FREE = ("monte_carlo", "sarsa", "q_learning")
ALGORITHMS = MODEL_BASED + MODEL_FREE
ON_POLICY = ("monte_carlo", "sarsa")
FIELD_ALGORITHMS = {
    "tolerance": MODEL_BASED,
    "q_learning_epsilon": ("q_learning",),
    "q_learning_step_size_power": ("q_learning",),
    "on_policy_epsilon_start": ON_POLICY,
    "on_policy_epsilon_end": ON_POLICY,
    "on_policy_epsilon_decay_share": ON_POLICY,
    "on_policy_step_size_power": ON_POLICY,
}


def validate(config: TabularConfig, algorithm: str) -> None:
    """Raises UserError for a value out of range, or an override `algorithm` would ignore."""
    try:
        config_checks.check_finite(config)
    except ValueError as error:
        raise UserError(str(error)) from None
    if not config.tolerance > 0:
        raise UserError(f"config.tolerance must be > 0, got {config.tolerance}")
    for name in ("q_learning_step_size_power", "on_policy_step_size_power"):
        value = getattr(config, name)
        if not 0.5 < value <= 1:
            raise UserError(f"config.{name} must be in (0.5, 1], got {value}")
    for name in (
        "q_learning_epsilon",
        "on_policy_epsilon_start",
        "on_policy_epsilon_end",
        "on_policy_epsilon_decay_share",
    ):
        value = getattr(config, name)
        if not 0 <= value <= 1:
            raise UserError(f"config.{name} must be in [0, 1], got {value}")
    defaults = TabularConfig()
    for name, algorithms in FIELD_ALGORITHMS.items():
        if algorithm not in algorithms and getattr(config, name) != getattr(defaults, name):
            raise UserError(
                f"config.{name} does not apply to {algorithm} (only to {', '.join(algorithms)})"
            )
