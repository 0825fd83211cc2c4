"""The DQN hyperparameters: one typed config and its checks (the presets: pipelines/dqn/presets.py).

Units: an "env step" is one agent step (on Atari one agent step = frame_skip = 4 frames);
a "train step" is one gradient update on one batch.
"""

import dataclasses
from typing import Optional, Tuple

from pipelines.common import config_checks, run_config
from pipelines.common.run_config import RunConfig


@dataclasses.dataclass
class DqnConfig(RunConfig):
    """Every hyperparameter of a DQN run; any field can be overridden as --config.<field>=value."""

    # RunConfig's fields (budget, schedule, evaluation), at this algorithm's defaults.
    name: str = "dqn"
    num_parallel_envs: int = 4

    # Budget and schedule, all in env steps.
    initial_collect_steps: int = 1_000
    """Env steps of uniform-random warm-up (epsilon 1) before training starts."""
    update_period: int = 1
    """Env steps per train step."""
    target_update_period: int = 100
    """Env steps between target-network updates."""
    target_update_tau: float = 1.0
    """Share of the online weights blended into the target at each update (1 = hard copy)."""

    # Learning rule.
    replay_capacity: int = 100_000
    """Transitions kept in replay (oldest removed first)."""
    checkpoint_replay: bool = True
    """Save the replay contents with each checkpoint (Reverb checkpointing)."""
    batch_size: int = 64
    """Transitions per train step."""
    optimizer: str = "adam"
    """'adam' or 'rmsprop' (RMSprop as in Mnih et al. 2015: rho 0.95, centered)."""
    learning_rate: float = 1e-3
    """The optimizer's learning rate (at the start, with learning_rate_end)."""
    learning_rate_end: Optional[float] = None
    """The learning rate reached linearly at num_env_steps (falling from the first train step, so
    the final weights settle); None, or learning_rate's own value, keeps it fixed."""
    optimizer_epsilon: float = 1e-7
    """Epsilon of the optimizer, added under the square root as Keras and DeepMind's code do
    (1e-5 for Mnih's RMSprop on a batch-mean loss)."""
    n_step: int = 1
    """Steps of reward summed before bootstrapping."""
    double_dqn: bool = False
    """Use the double-DQN target."""
    dueling: bool = False
    """Use a dueling head (value + advantage streams)."""
    huber_loss: bool = True
    """Huber TD loss (as Mnih et al.) instead of squared error."""
    gradient_clipping: float = 0.0
    """Clip gradients to this global norm; 0 turns clipping off."""
    epsilon_start: float = 1.0
    """Exploration epsilon when training starts."""
    epsilon_end: float = 0.01
    """Exploration epsilon after the decay."""
    epsilon_decay_steps: int = 10_000
    """Env steps over which epsilon decays linearly, counted from the end of the warm-up."""
    eval_epsilon: float = 0.0
    """Epsilon of the evaluation policy (Mnih et al. evaluate Atari at 0.05)."""

    # Scaled-out runs (--role=replay|collect|train) only.
    samples_per_insert: float = 0.0
    """Transitions the learner samples per transition collected, held by the replay server's rate
    limiter; 0 means batch_size / update_period, the ratio of a single-process run."""
    weights_sync_period: int = 1_000
    """Env steps a collector takes between pulls of the learner's latest weights."""

    # Network.
    conv_layer_params: Tuple[Tuple[int, int, int], ...] = ()
    """(filters, kernel, stride) per conv layer; empty for vector observations."""
    fc_layer_params: Tuple[int, ...] = (64, 64)
    """Units per fully connected layer."""
    activation: str = "relu"
    """Activation after each hidden layer: 'relu', 'elu' or 'tanh'."""
    space_to_depth: bool = False
    """Run the first conv layer as space-to-depth then a stride-1 conv: the same function and
    weights as the plain strided conv, computed in a shape some CPUs run faster (measure yours:
    benchmarks.train_step --config.space_to_depth=true --baseline=PRESET)."""
    compute_dtype: str = "float32"
    """'float32', 'bfloat16', or 'auto' (bfloat16 where this CPU has it natively, else
    float32): the Q network's convolutions and matrix products in bfloat16 (Keras mixed
    precision; its weights, Q values and loss stay float32). Faster only on a CPU with native
    bfloat16 (avx512_bf16 or amx_bf16 in lscpu), slower elsewhere (measure yours:
    benchmarks.train_step --config.compute_dtype=bfloat16 --baseline=PRESET)."""

    # Environment options (Atari only; the game's own needs, auto-fire and skip-start, come from
    # envs.GAME_OPTIONS).
    clip_rewards: bool = False
    """Clip training rewards to [-1, 1]; evaluation always scores the raw game."""
    terminal_on_life_loss: bool = False
    """End a training episode at each lost life (the game goes on)."""
    frame_stack: int = 4
    """Frames per Atari observation; replay stores each frame once."""
    env_backend: str = "python"
    """What steps the training games: 'python' (envs.load per game, batched in one thread) or
    'ale_vector' (Atari only: envs.load_vector, ale-py's C++ vector env on its own threads).
    Evaluation and the exported policy's env.json always use envs.load."""


def samples_per_insert(config: DqnConfig) -> float:
    """The rate limiter's ratio of a scaled-out run."""
    return config.samples_per_insert or config.batch_size / config.update_period


# Each environment gets its own Reverb trajectory writer, a gRPC stream with its own threads: at
# 100,000 the system runs out of threads (EAGAIN, or an abort) after minutes of building them.
MAX_PARALLEL_ENVS = 10_000


COMPUTE_DTYPES = ("float32", "bfloat16", "auto")


def validate(config: DqnConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    run_config.check(config)
    config_checks.check_activation(config)
    if config.compute_dtype not in COMPUTE_DTYPES:
        raise ValueError(
            f"config.compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}, "
            f"got '{config.compute_dtype}'"
        )
    positive = [
        "update_period",
        "target_update_period",
        "replay_capacity",
        "batch_size",
        "n_step",
        "frame_stack",
        "weights_sync_period",
    ]
    for field in positive:
        if getattr(config, field) <= 0:
            raise ValueError(f"config.{field} must be > 0, got {getattr(config, field)}")
    for field in [
        "initial_collect_steps",
        "epsilon_decay_steps",
        "gradient_clipping",
        "samples_per_insert",
    ]:
        if getattr(config, field) < 0:
            raise ValueError(f"config.{field} must be >= 0, got {getattr(config, field)}")
    if config.num_parallel_envs > MAX_PARALLEL_ENVS:
        raise ValueError(
            f"config.num_parallel_envs must be at most {MAX_PARALLEL_ENVS:,} (each environment "
            f"has its own replay writer and threads), got {config.num_parallel_envs:,}"
        )
    config_checks.check_learning_rate(config)
    for field in ["epsilon_start", "epsilon_end", "eval_epsilon", "target_update_tau"]:
        if not 0 <= getattr(config, field) <= 1:
            raise ValueError(f"config.{field} must be in [0, 1], got {getattr(config, field)}")
    if config.env_backend not in ("python", "ale_vector"):
        raise ValueError(
            f"config.env_backend must be 'python' or 'ale_vector', got '{config.env_backend}'"
        )
    if config.optimizer not in ("adam", "rmsprop"):
        raise ValueError(f"config.optimizer must be 'adam' or 'rmsprop', got '{config.optimizer}'")
    if config.batch_size > config.replay_capacity:
        raise ValueError("config.batch_size must not exceed config.replay_capacity")
    if config.initial_collect_steps >= config.num_env_steps:
        raise ValueError("config.initial_collect_steps must be smaller than config.num_env_steps")
    if not config.fc_layer_params and not config.conv_layer_params:
        raise ValueError("the Q network needs layers: set config.fc_layer_params")
