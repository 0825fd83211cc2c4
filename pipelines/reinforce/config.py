"""The REINFORCE hyperparameters and their checks (the presets: pipelines/reinforce/presets.py).

Units: an "env step" is one agent step; an "iteration" plays `episodes_per_iteration` whole
episodes with the current weights, then makes one train step (one gradient update) on them.
"""

import dataclasses
from typing import Optional, Tuple

from envs.registry import is_atari
from pipelines.common import config_checks, run_config
from pipelines.common.run_config import RunConfig


@dataclasses.dataclass
class ReinforceConfig(RunConfig):
    """Every hyperparameter of a REINFORCE run; any field can be overridden as
    --config.<field>=value."""

    # RunConfig's fields (budget, schedule, evaluation), at this algorithm's defaults.
    name: str = "reinforce"
    num_env_steps: int = 200_000

    # Budget and schedule, all in env steps.
    episodes_per_iteration: int = 8
    """Whole episodes per train step (a multiple of num_parallel_envs)."""

    # Learning rule.
    learning_rate: float = 1e-3
    """Adam's learning rate."""
    learning_rate_end: Optional[float] = None
    """The learning rate reached linearly at num_env_steps; None, or learning_rate's own value,
    keeps it fixed."""
    normalize_returns: bool = True
    """Standardize the returns (or advantages) of each batch to mean 0, std 1."""
    value_baseline: bool = False
    """Learn a value network and use return - value as the advantage (REINFORCE with baseline)."""
    value_estimation_loss_coef: float = 0.2
    """Weight of the value network's squared-error loss (with value_baseline)."""
    entropy_regularization: float = 0.0
    """Weight of the entropy bonus that keeps the policy exploring; 0 turns it off."""
    gradient_clipping: float = 0.0
    """Clip gradients to this global norm; 0 turns clipping off."""

    # Networks.
    fc_layer_params: Tuple[int, ...] = (64, 64)
    """Units per fully connected layer of the policy network."""
    value_fc_layer_params: Tuple[int, ...] = (64, 64)
    """Units per fully connected layer of the value network (with value_baseline)."""
    activation: str = "relu"
    """Activation after each hidden layer: 'relu', 'elu' or 'tanh'."""

    # Environment.


def validate(config: ReinforceConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    run_config.check(config)
    config_checks.check_activation(config)
    if config.episodes_per_iteration <= 0:
        raise ValueError(
            f"config.episodes_per_iteration must be > 0, got {config.episodes_per_iteration}"
        )
    for field in ["gradient_clipping", "entropy_regularization", "value_estimation_loss_coef"]:
        if getattr(config, field) < 0:
            raise ValueError(f"config.{field} must be >= 0, got {getattr(config, field)}")
    if config.episodes_per_iteration % config.num_parallel_envs:
        raise ValueError(
            f"config.episodes_per_iteration ({config.episodes_per_iteration}) must "
            f"be a multiple of config.num_parallel_envs ({config.num_parallel_envs})"
        )
    config_checks.check_learning_rate(config)
    if not config.fc_layer_params:
        raise ValueError("the policy network needs layers: set config.fc_layer_params")
    if config.value_baseline and not config.value_fc_layer_params:
        raise ValueError("the value network needs layers: set config.value_fc_layer_params")
    if is_atari(config.env_id):
        raise ValueError(
            f"REINFORCE here takes vector observations, and '{config.env_id}' "
            "is an Atari game; use pipelines.breakout_ppo or pong_ppo"
        )
