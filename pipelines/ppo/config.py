"""The PPO hyperparameters: one typed config, one preset per Atari game.

Units: an "env step" is one agent step (on Atari 4 frames); an "iteration" collects
rollout_length env steps in each of num_parallel_envs environments, then trains num_epochs
passes over them in num_minibatches minibatches; a "train step" is one minibatch update.
"""

import dataclasses
import functools
from typing import Callable, Dict, Tuple

from pipelines.common import config_checks


@dataclasses.dataclass
class PpoConfig:
    """Every hyperparameter of a PPO run; any field can be overridden as --config.<field>=value."""

    name: str = "ppo"
    """The entry point\'s name, written into config.json and summary.json."""
    preset: str = ""
    """The --preset this config started from (set by the preset, not by --config)."""
    env_id: str = "BreakoutNoFrameskip-v4"
    """Gymnasium id to train on (Atari frames or vector observations)."""

    # Budget and schedule, all in env steps.
    num_env_steps: int = 10_000_000
    """Env steps of the run, summed over the parallel environments (10M = 40M frames)."""
    num_parallel_envs: int = 8
    """Environments stepped together in one batch."""
    rollout_length: int = 128
    """Env steps per environment in each iteration's rollout."""
    eval_interval: int = 250_000
    """Env steps between evaluations of the greedy policy; 0 turns evaluation off."""
    eval_episodes: int = 8
    """Episodes (whole games, raw score) per evaluation."""
    video_interval: int = 0
    """Env steps between videos of one evaluation game, root_dir/videos/<env_step>.mp4, each
    recorded at the first evaluation due after it; 0 turns videos off."""
    stop_at_eval_return: float = 0.0
    """Stop training once an evaluation's mean return reaches this (the final weights are then
    those that reached it); 0, or evaluation off (eval_interval=0), trains the whole budget."""
    stop_confirm_episodes: int = 0
    """With stop_at_eval_return: an evaluation that reaches it is confirmed over this many other,
    fresh episodes before training stops (0: no confirmation)."""
    checkpoint_interval: int = 100_000
    """Env steps between checkpoints (networks, optimizer, counters)."""
    summary_interval: int = 10_000
    """Env steps between TensorBoard summaries."""

    # Learning rule (Schulman et al. 2017, Atari; as CleanRL's ppo_atari).
    seed: int = 0
    """Seeds environments, network initialisation and action sampling."""
    num_epochs: int = 4
    """Passes over each rollout."""
    num_minibatches: int = 4
    """Minibatches per pass: each holds num_parallel_envs * rollout_length / num_minibatches
    env steps."""
    optimizer: str = "adam"
    """'adam', or 'rmsprop' (decay 0.99, as A2C's paper and reference code)."""
    learning_rate: float = 2.5e-4
    """The optimizer's learning rate at the start."""
    anneal_learning_rate: bool = True
    """Anneal the learning rate linearly to zero at num_env_steps (as the paper)."""
    optimizer_epsilon: float = 1e-5
    """The optimizer's epsilon."""
    importance_ratio_clipping: float = 0.1
    """The clip range epsilon of the surrogate objective; 0 turns clipping off."""
    value_clipping: float = 0.1
    """Clip each value prediction to this distance from the collecting network's; 0 turns it off."""
    gamma: float = 0.99
    """Discount per env step."""
    lambda_value: float = 0.95
    """GAE lambda of the advantages (and of the value targets, TD(lambda) returns)."""
    entropy_regularization: float = 0.01
    """Weight of the entropy bonus."""
    value_pred_loss_coef: float = 0.5
    """Weight of the value loss."""
    gradient_clipping: float = 0.5
    """Clip gradients to this global norm; 0 turns clipping off."""

    # Networks (actor and value network alike).
    conv_layer_params: Tuple[Tuple[int, int, int], ...] = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
    """(filters, kernel, stride) per conv layer (the Nature CNN); empty for vector observations."""
    fc_layer_params: Tuple[int, ...] = (512,)
    """Units per fully connected layer."""

    # Environment options (Atari only; auto-fire and skip-start come from the envs presets).
    max_episode_steps: int = 27_000
    """Env steps after which a game is truncated (108k frames); 0 keeps the environment's own."""
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


def atari(env_id: str, name: str) -> PpoConfig:
    """Schulman et al. (2017) Atari settings: 8 envs x 128 steps, 4 epochs of 4 minibatches."""
    return PpoConfig(name=name, env_id=env_id)


ATARI_GAMES = {"pong_ppo": "PongNoFrameskip-v4", "breakout_ppo": "BreakoutNoFrameskip-v4"}


def presets(pipeline: str) -> Dict[str, Callable[[], PpoConfig]]:
    """The --preset choices of a PPO entry point, the default first."""
    return {"schulman2017": functools.partial(atari, ATARI_GAMES[pipeline], pipeline)}


def validate(config: PpoConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    config_checks.check_video_interval(config)
    config_checks.check_stop_rule(config)
    for field in [
        "num_env_steps",
        "num_parallel_envs",
        "rollout_length",
        "eval_episodes",
        "checkpoint_interval",
        "summary_interval",
        "num_epochs",
        "num_minibatches",
        "frame_stack",
    ]:
        if getattr(config, field) <= 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    for field in [
        "eval_interval",
        "max_episode_steps",
        "gradient_clipping",
        "value_clipping",
        "entropy_regularization",
        "value_pred_loss_coef",
    ]:
        if getattr(config, field) < 0:
            raise ValueError(f"config.{field} must be >= 0, got {getattr(config, field)}")
    if config.env_backend not in ("python", "ale_vector"):
        raise ValueError(
            f"config.env_backend must be 'python' or 'ale_vector', got '{config.env_backend}'"
        )
    steps = config.num_parallel_envs * config.rollout_length
    if steps % config.num_minibatches:
        raise ValueError(
            f"config.num_minibatches ({config.num_minibatches}) must divide the "
            f"{steps} env steps of a rollout (num_parallel_envs * rollout_length)"
        )
    if not 0 < config.learning_rate < 1:
        raise ValueError(f"config.learning_rate must be in (0, 1), got {config.learning_rate}")
    for field in ["gamma", "lambda_value"]:
        if not 0 <= getattr(config, field) <= 1:
            raise ValueError(f"config.{field} must be in [0, 1], got {getattr(config, field)}")
    if not 0 <= config.importance_ratio_clipping < 1:
        raise ValueError(
            f"config.importance_ratio_clipping must be in [0, 1), got "
            f"{config.importance_ratio_clipping}"
        )
    if config.optimizer not in ("adam", "rmsprop"):
        raise ValueError(f"config.optimizer must be 'adam' or 'rmsprop', got '{config.optimizer}'")
    if not config.fc_layer_params and not config.conv_layer_params:
        raise ValueError("the networks need layers: set config.fc_layer_params")
