"""Flags of `python -m pipelines.tabular`, checked before any work; then one run, printed."""

import dataclasses
import difflib
import json
import sys

from absl import flags

from pipelines.common import cli, config_flag
from pipelines.common.root_dir_flag import ROOT_DIR
from pipelines.tabular import config, report, run
from pipelines.tabular.environments import (
    DEFAULT_EPISODES,
    TABULAR_ENV_IDS,
    check_env_id,
    load_tabular_env,
)

ENV = flags.DEFINE_string("env", None, f"Environment: {' or '.join(TABULAR_ENV_IDS)}.")
ALGORITHM = flags.DEFINE_string("algorithm", None, f"One of {', '.join(config.ALGORITHMS)}.")
GAMMA = flags.DEFINE_float(
    "gamma",
    0.9,
    "Discount per step, in [0, 1]; 1 only on GridWorld-v0 (ThreeStateMDP-v0 never ends).",
)
EPISODES = flags.DEFINE_integer(
    "episodes",
    None,
    "Model-free algorithms: training episodes; default "
    + ", ".join(f"{n:,} on {env_id}" for env_id, n in DEFAULT_EPISODES.items())
    + ".",
)
SEED = flags.DEFINE_integer(
    "seed",
    0,
    "Model-free algorithms: seeds the environment and the "
    "exploration; the same seed repeats the same run.",
)
CONFIG = config_flag.define_config(config.PRESETS)


def check_algorithm(algorithm) -> str:
    if algorithm is None:
        raise cli.UserError(f"--algorithm is required: one of {', '.join(config.ALGORITHMS)}")
    if algorithm not in config.ALGORITHMS:
        close = difflib.get_close_matches(
            algorithm.lower().replace("-", "_"), config.ALGORITHMS, n=1, cutoff=0.5
        )
        hint = f"did you mean '{close[0]}'?" if close else f"one of {', '.join(config.ALGORITHMS)}"
        raise cli.UserError(f"unknown algorithm '{algorithm}'; {hint}")
    return algorithm


def check_gamma(gamma: float, env_id: str, algorithm: str, episodic: bool) -> None:
    if not 0 <= gamma <= 1:  # also refuses nan
        raise cli.UserError(f"--gamma must be in [0, 1], got {gamma}")
    if gamma == 1 and not episodic:
        need = (
            "value iteration would never converge"
            if algorithm in config.MODEL_BASED
            else "the learned values would grow without bound"
        )
        raise cli.UserError(
            f"--gamma=1 needs an environment whose episodes end, and {env_id} "
            f"never ends: its values are infinite sums and {need}; "
            "use a --gamma below 1"
        )


def settings_from_flags() -> run.RunSettings:
    """Every flag checked (one UserError line for the first bad one), as one RunSettings."""
    if ENV.value is None:
        raise cli.UserError(f"--env is required: {' or '.join(TABULAR_ENV_IDS)}")
    check_env_id(ENV.value)
    algorithm = check_algorithm(ALGORITHM.value)
    model_based = algorithm in config.MODEL_BASED
    for flag in (EPISODES, SEED):
        if model_based and flags.FLAGS[flag.name].present:
            raise cli.UserError(
                f"--{flag.name} applies to the model-free algorithms "
                f"({', '.join(config.MODEL_FREE)}), not to {algorithm}"
            )
    if EPISODES.value is not None and EPISODES.value <= 0:
        raise cli.UserError(f"--episodes must be > 0, got {EPISODES.value}")
    episodes = None if model_based else EPISODES.value or DEFAULT_EPISODES[ENV.value]
    if not model_based and SEED.value < 0:
        raise cli.UserError(f"--seed must be >= 0, got {SEED.value}")
    config.validate(CONFIG.value, algorithm)
    return run.RunSettings(
        **dataclasses.asdict(CONFIG.value),
        env_id=ENV.value,
        algorithm=algorithm,
        gamma=GAMMA.value,
        episodes=episodes,
        seed=None if model_based else SEED.value,
    )


def main(_argv) -> None:
    settings = settings_from_flags()
    env = load_tabular_env(settings.env_id)
    check_gamma(settings.gamma, settings.env_id, settings.algorithm, env.episodic)
    run_dir = run.open_root_dir(ROOT_DIR.value, settings) if ROOT_DIR.value else None
    try:
        result = run.run(settings, env, run_dir)
    except KeyboardInterrupt:
        sys.stderr.write(
            "\nstopped; no summary.json was written (tabular runs keep no "
            "checkpoint: the same command starts over)\n"
        )
        sys.exit(130)
    budget = (
        ""
        if settings.episodes is None
        else f", {settings.episodes:,} episodes, seed {settings.seed}"
    )
    print(
        f"{settings.algorithm} on {settings.env_id}: gamma {settings.gamma}{budget}, "
        f"{result.summary['wall_seconds']:.2f} s"
    )
    print("\nQ values (rows: states, columns: actions) and the greedy action:")
    print(report.q_table_text(env, result.q_values, result.policy))
    if env.grid_size is not None:
        print("\nGreedy policy on the grid:")
        print(report.grid_text(env, result.policy))
    print()
    print(json.dumps(result.summary, allow_nan=False))


def entry_point() -> None:
    cli.run(main)
