"""The DQN hyperparameters: one typed config, one preset per game.

Units: an "env step" is one agent step (on Atari one agent step = frame_skip = 4 frames);
a "train step" is one gradient update on one batch.
"""

import dataclasses
import functools
from typing import Callable, Dict, Tuple

from pipelines import registry
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
    learning_rate_end: float = 0.0
    """Learning rate reached linearly at the run's last train step (so the final weights settle);
    0 keeps learning_rate fixed."""
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

    # Environment options (Atari only; the game's own needs, auto-fire and skip-start, come from
    # the envs presets).
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


def cartpole() -> DqnConfig:
    """PureJaxRL's CartPole DQN settings: a long exploration phase (epsilon to 0.05 over 240k env
    steps), a replay of only the last 10k transitions, a train step per 10 env steps and a target
    refresh every 50 train steps; 64 environments share each policy call. Trains until a greedy
    mean of 490 holds over 100 fresh episodes, 400k env steps at most: seeds 0-9 solved in
    45-85 s each (docs/benchmarks.md).
    """
    return DqnConfig(
        name="cartpole_dqn",
        env_id="CartPole-v1",
        num_env_steps=400_000,
        initial_collect_steps=10_000,
        num_parallel_envs=64,
        update_period=10,
        target_update_period=500,
        eval_interval=20_000,
        eval_episodes=20,
        stop_at_eval_return=490.0,
        stop_confirm_episodes=100,
        checkpoint_interval=50_000,
        replay_capacity=10_000,
        batch_size=128,
        learning_rate=2.5e-4,
        gamma=0.99,
        n_step=1,
        double_dqn=False,
        huber_loss=False,
        epsilon_end=0.05,
        epsilon_decay_steps=240_000,
        fc_layer_params=(120, 84),
    )


def lunarlander() -> DqnConfig:
    """LunarLander-v3 with double DQN, 3-step returns and a learning rate decayed over the run.
    The greedy return swings between evaluations, so the last weights of a fixed budget are a
    lottery: training stops once a greedy mean of 200 holds over 100 fresh episodes (600k env
    steps at most). Seeds 0-2 stopped at 125k-275k env steps and scored 209-224 over 100 fresh
    episodes, in 3.7-8.4 minutes.
    """
    return DqnConfig(
        name="lunarlander_dqn",
        env_id="LunarLander-v3",
        num_env_steps=600_000,
        initial_collect_steps=10_000,
        num_parallel_envs=4,
        update_period=4,
        target_update_period=1_000,
        eval_interval=25_000,
        eval_episodes=10,
        stop_at_eval_return=200.0,
        stop_confirm_episodes=100,
        checkpoint_interval=50_000,
        replay_capacity=200_000,
        batch_size=128,
        learning_rate=6.3e-4,
        learning_rate_end=1e-5,
        gamma=0.99,
        n_step=3,
        double_dqn=True,
        epsilon_end=0.05,
        epsilon_decay_steps=50_000,
        fc_layer_params=(256, 256),
    )


def atari_fast(
    env_id: str, name: str, stop_at_eval_return: float = 0.0, env_backend: str = "ale_vector"
) -> DqnConfig:
    """Tianshou's Atari DQN recipe (examples/atari/atari_dqn.py), a tenth of a train step per env
    step: on 2 cores, Pong stopped at a confirmed +19 after 0.95M env steps (1 h 54 min) and
    scored 19.0 over 10 fresh games, Breakout at a confirmed 35 after 0.80M (1 h 35 min) and
    scored 45.7 (docs/atari.md).

    Evaluation plays whole games (no end at a lost life, raw score) at epsilon 0.005, as Tianshou
    evaluates; each game is capped at 27,000 agent steps (108k frames, the usual Atari limit).
    With stop_at_eval_return, training ends once an evaluation and a confirming one over 10 other
    games both reach it.
    """
    return DqnConfig(
        name=name,
        env_id=env_id,
        num_env_steps=1_500_000,
        initial_collect_steps=5_000,
        num_parallel_envs=10,
        update_period=10,
        target_update_period=5_000,  # 500 train steps
        eval_interval=50_000,
        eval_episodes=10,
        stop_at_eval_return=stop_at_eval_return,
        stop_confirm_episodes=10,
        checkpoint_interval=100_000,
        replay_capacity=100_000,
        checkpoint_replay=False,
        batch_size=32,
        optimizer="adam",
        learning_rate=1e-4,
        gamma=0.99,
        n_step=3,
        double_dqn=True,
        huber_loss=False,
        epsilon_start=1.0,
        epsilon_end=0.05,
        epsilon_decay_steps=1_000_000,
        eval_epsilon=0.005,
        conv_layer_params=((32, 8, 4), (64, 4, 2), (64, 3, 1)),
        fc_layer_params=(512,),
        max_episode_steps=27_000,
        clip_rewards=True,
        terminal_on_life_loss=True,
        env_backend=env_backend,
    )


def nature2015(env_id: str, name: str) -> DqnConfig:
    """Mnih et al. 2015 as TF-Agents' mnih15 example sets it: 10M env steps, days on a CPU;
    Breakout here left random play at ~350k env steps (training games 4.2 at 600k)."""
    return DqnConfig(
        name=name,
        env_id=env_id,
        num_env_steps=10_000_000,  # 40M frames; the paper trains 50M
        initial_collect_steps=50_000,
        num_parallel_envs=4,
        update_period=4,
        target_update_period=10_000,
        eval_interval=250_000,
        eval_episodes=10,
        checkpoint_interval=250_000,
        replay_capacity=1_000_000,
        checkpoint_replay=False,  # ~2 GB per checkpoint at 1M transitions: opt in
        batch_size=32,
        optimizer="rmsprop",
        learning_rate=2.5e-4,
        # Mnih et al.'s 0.01 was added to gradients summed over the batch of 32; TF-Agents
        # averages the loss, which scales the squared gradients by 1/32^2: 0.01/1024 ~ 1e-5 (as
        # Dopamine sets it). TF-Agents' mnih15 keeps 0.01, which here floored the denominator of
        # every weight (gradient RMS <= 0.01 < sqrt(0.01)) and shrank the steps 10-1000x.
        optimizer_epsilon=1e-5,
        gamma=0.99,
        n_step=1,
        epsilon_start=1.0,
        epsilon_end=0.1,
        epsilon_decay_steps=1_000_000,
        eval_epsilon=0.05,
        conv_layer_params=((32, 8, 4), (64, 4, 2), (64, 3, 1)),
        fc_layer_params=(512,),
        max_episode_steps=27_000,  # 108k frames, the usual Atari cap
        clip_rewards=True,
        terminal_on_life_loss=True,
    )


def homl_cartpole() -> DqnConfig:
    """Hands-On Machine Learning (Geron, 2nd ed., ch. 18), the Keras CartPole DQN, as far as
    TF-Agents expresses it: 32-32 ELU, MSE, Adam 1e-2, gamma 0.95, batch 32, a 2k replay, no
    target network, episodes cut at 200 steps.

    The book decays epsilon per episode (1 to 0.01 over 500 of its 600 episodes) and makes one
    train step per episode after the 50th; here epsilon decays over 30k env steps and a train
    step comes every 50 env steps, which matches the book over episodes ~60 steps long. The book
    keeps the best weights it saw; this exports the last.
    """
    return DqnConfig(
        name="cartpole_dqn",
        env_id="CartPole-v1",
        num_env_steps=40_000,
        initial_collect_steps=1_000,
        num_parallel_envs=1,
        update_period=50,
        target_update_period=50,  # the target is the online net of the step before
        eval_interval=5_000,
        eval_episodes=20,
        checkpoint_interval=10_000,
        replay_capacity=2_000,
        batch_size=32,
        learning_rate=1e-2,
        gamma=0.95,
        huber_loss=False,
        epsilon_end=0.01,
        epsilon_decay_steps=30_000,
        fc_layer_params=(32, 32),
        activation="elu",
        max_episode_steps=200,
    )


def lab_report(env_id: str, name: str) -> DqnConfig:
    """The course lab report's DQN (32-32, Adam 2e-4, batch 128; CartPole 483 over 20 episodes
    after 1 h 23 min, LunarLander 127 after 1 h 4 min, at ~12 env steps/s): the settings it
    states, on this package's fast preset for the game."""
    config = cartpole() if env_id == "CartPole-v1" else lunarlander()
    return dataclasses.replace(
        config,
        name=name,
        fc_layer_params=(32, 32),
        learning_rate=2e-4,
        learning_rate_end=0.0,
        batch_size=128,
    )


def blog_lunarlander() -> DqnConfig:
    """The LunarLander DQN blog recipe: 150-120, Huber, Adam 1e-3, batch 64, gamma 0.99, epsilon
    1 to 0.1 over 100k env steps, a train step every 4 env steps, a target update every 10k env
    steps, a 100k replay; 500k env steps, one environment."""
    return DqnConfig(
        name="lunarlander_dqn",
        env_id="LunarLander-v3",
        num_env_steps=500_000,
        initial_collect_steps=10_000,
        num_parallel_envs=1,
        update_period=4,
        target_update_period=10_000,
        eval_interval=25_000,
        eval_episodes=10,
        checkpoint_interval=50_000,
        replay_capacity=100_000,
        batch_size=64,
        learning_rate=1e-3,
        gamma=0.99,
        huber_loss=True,
        epsilon_end=0.1,
        epsilon_decay_steps=100_000,
        fc_layer_params=(150, 120),
    )


def homl_breakout() -> DqnConfig:
    """Hands-On Machine Learning (Geron, 2nd ed., ch. 18), the TF-Agents Breakout DQN: RMSprop
    2.5e-4 (rho 0.95, epsilon 1e-5, centered), Huber, epsilon 1 to 0.01 over 250k env steps, a
    target update every 2,000 train steps (8,000 env steps), a train step of 64 every 4 env
    steps, a 20k warm-up, a 100k replay, games of at most 27,000 steps with auto-fire, no reward
    clipping and no episode end at a lost life; 10M env steps, as nature2015. Evaluation is
    greedy, as the book's agent.policy."""
    config = nature2015("BreakoutNoFrameskip-v4", "breakout_dqn")
    return dataclasses.replace(
        config,
        num_parallel_envs=1,
        initial_collect_steps=20_000,
        target_update_period=8_000,
        replay_capacity=100_000,
        batch_size=64,
        epsilon_end=0.01,
        epsilon_decay_steps=250_000,
        eval_epsilon=0.0,
        huber_loss=True,
        clip_rewards=False,
        terminal_on_life_loss=False,
    )


def presets(pipeline: str) -> Dict[str, Callable[[], DqnConfig]]:
    """The --preset choices of a DQN entry point, the default first."""
    if pipeline == "cartpole_dqn":
        return {
            "fast": cartpole,
            "homl2019": homl_cartpole,
            "lab_report": functools.partial(lab_report, "CartPole-v1", pipeline),
        }
    if pipeline == "lunarlander_dqn":
        return {
            "fast": lunarlander,
            "blog": blog_lunarlander,
            "lab_report": functools.partial(lab_report, "LunarLander-v3", pipeline),
        }
    entry = registry.get(pipeline)
    env_id = entry.env_id
    # ale-py's vector env cannot skip a game's idle start (Space Invaders' skip_start).
    backend = "python" if pipeline == "spaceinvaders_dqn" else "ale_vector"
    table = {
        "fast": functools.partial(
            atari_fast, env_id, pipeline, entry.fast_stop_score or 0.0, backend
        ),
        "nature2015": functools.partial(nature2015, env_id, pipeline),
    }
    if pipeline == "breakout_dqn":
        table["homl2019"] = homl_breakout
    return table


def samples_per_insert(config: DqnConfig) -> float:
    """The rate limiter's ratio of a scaled-out run."""
    return config.samples_per_insert or config.batch_size / config.update_period


# Each environment gets its own Reverb trajectory writer, a gRPC stream with its own threads: at
# 100,000 the system runs out of threads (EAGAIN, or an abort) after minutes of building them.
MAX_PARALLEL_ENVS = 10_000


def validate(config: DqnConfig) -> None:
    """Raises ValueError (one line, user language) for values no run can use."""
    run_config.check(config)
    config_checks.check_activation(config)
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
    if not 0 < config.learning_rate < 1:
        raise ValueError(f"config.learning_rate must be in (0, 1), got {config.learning_rate}")
    if not 0 <= config.learning_rate_end < 1:
        raise ValueError(
            f"config.learning_rate_end must be in [0, 1), got {config.learning_rate_end}"
        )
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
