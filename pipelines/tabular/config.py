"""Hyperparameters of the tabular methods, overridable as --config.<field>=value.

The run's identity and budget are flags (--env, --algorithm, --gamma, --episodes, --seed), not
fields here, so that every setting has exactly one place. The defaults were measured to bring
Q-learning within ~2% of value iteration's Q values on both environments, seeds 0-9 (README).
"""
import dataclasses

from pipelines.common.cli import UserError


@dataclasses.dataclass
class TabularConfig:
    """Each field applies to some algorithms only (FIELD_ALGORITHMS); overriding one that the
    chosen algorithm does not use is refused rather than silently ignored."""

    tolerance: float = 1e-10
    """Value and policy iteration: stop when a sweep moves no Q value by more than this."""
    step_size_power: float = 0.8
    """Model-free: the n-th update of an entry Q(s,a) has step size 1 / n^power. 1 averages
    all targets equally (slow to forget the poor early ones); lower forgets faster but keeps
    more noise. Must be in (0.5, 1] for the updates to converge."""
    q_learning_epsilon: float = 1.0
    """Q-learning: chance of a uniformly random possible action, all run long. Q-learning learns
    the greedy policy's values whatever it plays, so 1 (always random, as Hands-On ML plays the
    MDP) explores best."""
    epsilon_start: float = 1.0
    """SARSA and Monte Carlo: chance of a uniformly random possible action at the first episode,
    falling linearly to epsilon_end at the last: they learn the values of the policy they play,
    which must end nearly greedy."""
    epsilon_end: float = 0.05
    """SARSA and Monte Carlo: that chance at the last episode."""


MODEL_BASED = ("value_iteration", "policy_iteration")
MODEL_FREE = ("monte_carlo", "sarsa", "q_learning")
ALGORITHMS = MODEL_BASED + MODEL_FREE
FIELD_ALGORITHMS = {
    "tolerance": MODEL_BASED,
    "step_size_power": MODEL_FREE,
    "q_learning_epsilon": ("q_learning",),
    "epsilon_start": ("monte_carlo", "sarsa"),
    "epsilon_end": ("monte_carlo", "sarsa"),
}


def validate(config: TabularConfig, algorithm: str) -> None:
    """Raises UserError for a value out of range, or an override `algorithm` would ignore."""
    if not config.tolerance > 0:
        raise UserError(f"config.tolerance must be > 0, got {config.tolerance}")
    if not 0.5 < config.step_size_power <= 1:
        raise UserError(f"config.step_size_power must be in (0.5, 1], got {config.step_size_power}")
    for name in ("q_learning_epsilon", "epsilon_start", "epsilon_end"):
        value = getattr(config, name)
        if not 0 <= value <= 1:
            raise UserError(f"config.{name} must be in [0, 1], got {value}")
    defaults = TabularConfig()
    for name, algorithms in FIELD_ALGORITHMS.items():
        if algorithm not in algorithms and getattr(config, name) != getattr(defaults, name):
            raise UserError(f"config.{name} does not apply to {algorithm} "
                            f"(only to {', '.join(algorithms)})")
