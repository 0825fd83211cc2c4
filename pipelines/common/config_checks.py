"""Range checks that several algorithms' configs share; light, so that entry points run them
before TensorFlow is imported."""

import dataclasses
import math


def check_finite(config) -> None:
    """Raises ValueError (one line) for a NaN or infinite number in any field: the range checks'
    comparisons let NaN through, and a run would fail minutes later with a NaN loss."""
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise ValueError(f"config.{field.name} must be a finite number, got {value}")


def check_video_interval(config) -> None:
    """Raises ValueError (one line) for a video_interval no run can use."""
    if config.video_interval < 0:
        raise ValueError(f"config.video_interval must be >= 0, got {config.video_interval}")
    if config.video_interval and not config.eval_interval:
        raise ValueError(
            "config.video_interval records evaluation games: set config.eval_interval too"
        )


ACTIVATIONS = ("relu", "elu", "tanh")


def check_learning_rate(config) -> None:
    """learning_rate in (0, 1); learning_rate_end, the rate at num_env_steps, None or in [0, 1)."""
    if not 0 < config.learning_rate < 1:
        raise ValueError(f"config.learning_rate must be in (0, 1), got {config.learning_rate}")
    end = config.learning_rate_end
    if end is not None and not 0 <= end < 1:
        raise ValueError(f"config.learning_rate_end must be in [0, 1), got {end}")


def check_activation(config) -> None:
    """Raises ValueError (one line) for an activation the networks do not offer."""
    if config.activation not in ACTIVATIONS:
        raise ValueError(
            f"config.activation must be one of {', '.join(ACTIVATIONS)}, got '{config.activation}'"
        )


def check_stop_rule(config) -> None:
    """Raises ValueError (one line) for a stop rule no run can use."""
    if config.stop_confirm_episodes < 0:
        raise ValueError(
            f"config.stop_confirm_episodes must be >= 0, got {config.stop_confirm_episodes}"
        )
    for field in ("stop_at_eval_return", "stop_at_train_return"):
        value = getattr(config, field)
        if value != value:  # NaN
            raise ValueError(f"config.{field} must be a number, got nan")
