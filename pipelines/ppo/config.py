"""The PPO hyperparameters: one typed config and its checks (the presets: pipelines/ppo/presets.py).

Units: an "env step" is one agent step (on Atari 4 frames); an "iteration" collects
rollout_length env steps in each of num_parallel_envs environments, then trains num_epochs
passes over them in num_minibatches minibatches; a "train step" is one minibatch update.
"""

import dataclasses

from pipelines.common import on_policy_config
from pipelines.common.on_policy_config import OnPolicyConfig


@dataclasses.dataclass
class PpoConfig(OnPolicyConfig):
    """Every hyperparameter of a PPO run (the shared ones in OnPolicyConfig); any field can be
    overridden as --config.<field>=value."""

    name: str = "ppo"
    """The entry point's name, written into config.json and summary.json."""

    # Learning rule (Schulman et al. 2017, Atari; as CleanRL's ppo_atari).
    num_epochs: int = 4
    """Passes over each rollout."""
    num_minibatches: int = 4
    """Minibatches per pass: each holds num_parallel_envs * rollout_length / num_minibatches
    env steps."""
    importance_ratio_clipping: float = 0.1
    """The clip range epsilon of the surrogate objective; 0 turns clipping off."""
    value_clipping: float = 0.1
    """Clip each value prediction to this distance from the collecting network's; 0 turns it off."""
    value_pred_loss_coef: float = 0.25
    """Weight c of the value loss c * mean((target - V(s))^2): OpenAI Baselines' and CleanRL's
    0.5 * 0.5 (R - V)^2."""
    lambda_value: float = 0.95
    """GAE lambda of the advantages (and of the value targets, TD(lambda) returns)."""


def validate(config: PpoConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    on_policy_config.check(config)
    for field in ["num_epochs", "num_minibatches"]:
        if getattr(config, field) <= 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    if config.value_clipping < 0:
        raise ValueError(f"config.value_clipping must be >= 0, got {config.value_clipping}")
    steps = config.num_parallel_envs * config.rollout_length
    if steps % config.num_minibatches:
        raise ValueError(
            f"config.num_minibatches ({config.num_minibatches}) must divide the "
            f"{steps} env steps of a rollout (num_parallel_envs * rollout_length)"
        )
    if not 0 <= config.lambda_value <= 1:
        raise ValueError(f"config.lambda_value must be in [0, 1], got {config.lambda_value}")
    if not 0 <= config.importance_ratio_clipping < 1:
        raise ValueError(
            f"config.importance_ratio_clipping must be in [0, 1), got "
            f"{config.importance_ratio_clipping}"
        )
