"""The IMPALA hyperparameters and their checks (the presets: pipelines/impala/presets.py).

Units as in OnPolicyConfig. A "train step" is one gradient step on batch_size rollouts of
rollout_length env steps each, from whichever actors sent them.
"""

import dataclasses

from pipelines.common import on_policy_config
from pipelines.common.on_policy_config import OnPolicyConfig


@dataclasses.dataclass
class ImpalaConfig(OnPolicyConfig):
    """Every hyperparameter of an IMPALA run (the shared ones in OnPolicyConfig); any field can
    be overridden as --config.<field>=value."""

    name: str = "impala"
    """The entry point's name, written into config.json and summary.json."""

    # Learning rule (Espeholt et al. 2018).
    batch_size: int = 32
    """Rollouts per train step."""
    clip_rho_threshold: float = 1.0
    """V-trace's rho bar: the largest importance weight of a value-target correction."""
    clip_pg_rho_threshold: float = 1.0
    """The largest importance weight of a policy-gradient advantage."""
    clip_c_threshold: float = 1.0
    """V-trace's c bar: the largest trace-cutting weight."""

    # The transport between actors and learner.
    queue_capacity: int = 64
    """Rollouts the server's queue holds; an actor whose rollouts do not fit waits. It bounds how
    far the acting weights lag behind the learner's."""
    push_period: int = 1
    """Train steps between the learner's pushes of its weights to the server."""


def validate(config: ImpalaConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    on_policy_config.check(config)
    for field in ["batch_size", "push_period", "clip_rho_threshold", "clip_c_threshold"]:
        if not getattr(config, field) > 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    if not config.clip_pg_rho_threshold > 0:
        raise ValueError(
            f"config.clip_pg_rho_threshold must be > 0, got {config.clip_pg_rho_threshold}"
        )
    needed = config.num_parallel_envs + config.batch_size
    if config.queue_capacity < needed:
        raise ValueError(
            f"config.queue_capacity must hold an actor's rollouts and a batch "
            f"(num_parallel_envs + batch_size = {needed}), got {config.queue_capacity}"
        )
