"""The settings every actor-critic run shares (PPO, A2C, IMPALA): budget, schedule, evaluation,
optimizer, networks and environment options. Each algorithm's config extends it with its own
learning rule; `check` holds the range checks of these shared fields.

Units: an "env step" is one agent step (on Atari 4 frames), summed over the parallel
environments; a rollout is rollout_length env steps of one environment.
"""

import dataclasses
from typing import Dict, Optional, Tuple

from pipelines import registry
from pipelines.common import config_checks, run_config
from pipelines.common.run_config import RunConfig


@dataclasses.dataclass
class OnPolicyConfig(RunConfig):
    """Any field can be overridden as --config.<field>=value."""

    # RunConfig's fields (budget, schedule, evaluation), at this algorithm's defaults.
    name: str = "on_policy"
    env_id: str = "BreakoutNoFrameskip-v4"
    num_env_steps: int = 10_000_000
    eval_interval: int = 250_000
    eval_episodes: int = 8
    checkpoint_interval: int = 100_000
    summary_interval: int = 10_000
    max_episode_steps: int = 27_000

    # Budget and schedule, all in env steps.
    rollout_length: int = 128
    """Env steps per environment in each rollout."""

    # Optimizer and losses.
    optimizer: str = "adam"
    """'adam', or 'rmsprop' (decay 0.99, as A2C's paper and reference code)."""
    learning_rate: float = 2.5e-4
    """The optimizer's learning rate at the start."""
    learning_rate_end: Optional[float] = 0.0
    """The learning rate reached linearly at num_env_steps (by default annealed to 0, as CleanRL
    and OpenAI Baselines do); None, or learning_rate's own value, keeps it fixed."""
    optimizer_epsilon: float = 1e-5
    """The optimizer's epsilon. Keras' RMSprop adds it under the square root, as TensorFlow's
    and OpenAI Baselines' (sqrt(v + eps)); PyTorch's RMSprop adds it outside (sqrt(v) + eps),
    which a Keras epsilon of eps**2 matches closely: 1e-10 for PyTorch's 1e-5."""
    entropy_regularization: float = 0.01
    """Weight of the entropy bonus."""
    value_pred_loss_coef: float = 0.5
    """Weight c of the value loss c * mean((target - V(s))^2)."""
    gradient_clipping: float = 0.5
    """Clip gradients to this global norm; 0 turns clipping off."""
    normalize_advantages: bool = True
    """Standardize the policy gradient's advantages over each minibatch (mean 0, std 1): the
    policy term then keeps its weight against the entropy bonus whatever the rewards' scale."""

    # The network: a torso, then a policy head and a value head (pipelines.common.actor_critic).
    share_torso: bool = True
    """One torso under both heads (the Atari actor-critics'); false gives each head a copy."""
    conv_layer_params: Tuple[Tuple[int, int, int], ...] = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
    """(filters, kernel, stride) per conv layer (the Nature CNN); empty for vector observations."""
    fc_layer_params: Tuple[int, ...] = (512,)
    """Units per fully connected layer."""

    # Environment options (Atari only; auto-fire and skip-start come from envs.GAME_OPTIONS).
    clip_rewards: bool = True
    """Clip training rewards to [-1, 1]; evaluation and GameScore always report the raw game."""
    terminal_on_life_loss: bool = True
    """End a training episode at each lost life (the game goes on)."""
    frame_stack: int = 4
    """Frames per Atari observation."""
    env_backend: str = "python"
    """What steps the training games: 'python' (envs.load per game, batched in one thread) or
    'ale_vector' (envs.load_vector, ale-py's C++ vector env on its own threads). Evaluation and
    the exported policy's env.json always use envs.load."""


def fast_evaluation(pipeline: str, eval_interval: int) -> Dict:
    """The evaluation and stop rule of a `fast` Atari preset, as DQN's: 10 whole games per
    evaluation, each cut at 27,000 agent steps, and a stop once an evaluation and a confirming
    one over 30 other games both reach the entry point's fast_stop_score (pipelines.registry).

    30, not DQN's 10: the greedy policy is deterministic, so a game is decided by its random
    no-op start (1..30 frames); a policy that loses from a few of those starts passes 20 games
    by luck often enough to stop short of the target on fresh games."""
    return {
        "eval_interval": eval_interval,
        "eval_episodes": 10,
        "max_episode_steps": 27_000,
        "stop_at_eval_return": registry.get(pipeline).fast_stop_score,
        "stop_confirm_episodes": 30,
    }


def check(config: OnPolicyConfig) -> None:
    """Raises ValueError (one line, user language) for shared values no run can use."""
    run_config.check(config)
    for field in ["rollout_length", "frame_stack"]:
        if getattr(config, field) <= 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    for field in ["gradient_clipping", "entropy_regularization", "value_pred_loss_coef"]:
        if getattr(config, field) < 0:
            raise ValueError(f"config.{field} must be >= 0, got {getattr(config, field)}")
    if config.env_backend not in ("python", "ale_vector"):
        raise ValueError(
            f"config.env_backend must be 'python' or 'ale_vector', got '{config.env_backend}'"
        )
    config_checks.check_learning_rate(config)
    if config.optimizer not in ("adam", "rmsprop"):
        raise ValueError(f"config.optimizer must be 'adam' or 'rmsprop', got '{config.optimizer}'")
    if not config.fc_layer_params and not config.conv_layer_params:
        raise ValueError("the networks need layers: set config.fc_layer_params")
