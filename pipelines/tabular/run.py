"""One tabular run: solve (model-based) or learn (model-free) the Q table, and its result."""

import collections
import dataclasses
import json
import os
import time
from typing import Any, Dict, List, Optional

import numpy as np

from pipelines.common.cli import UserError
from pipelines.common.run_dir import CONFIG_FILE, RunDir, write_json_atomically
from pipelines.tabular import model_based, model_free, q_table
from pipelines.tabular.config import MODEL_BASED, TabularConfig
from pipelines.tabular.environments import TabularEnv, episode_env
from pipelines.tabular.episode_progress import EpisodeProgress
from pipelines.tabular.summaries import EpisodeSummaries

SUMMARY_FILE = "summary.json"
SOLVERS = {
    "value_iteration": model_based.value_iteration,
    "policy_iteration": model_based.policy_iteration,
}


@dataclasses.dataclass
class Result:
    q_values: np.ndarray
    """(states, actions); NaN where the action is impossible."""
    policy: List[Optional[int]]
    summary: Dict[str, Any]
    """What summary.json holds and the command prints last: settings, Q values, policy, time."""


@dataclasses.dataclass
class RunSettings(TabularConfig):
    """Every setting of a run, flat, as config.json records it: the flags and the config."""

    name: str = "tabular"
    env_id: str = ""
    algorithm: str = ""
    gamma: float = 0.9
    episodes: Optional[int] = None
    """Model-free only; None for value and policy iteration."""
    seed: Optional[int] = None
    """Model-free only; None for value and policy iteration."""


def open_root_dir(root_dir: str, settings: RunSettings) -> RunDir:
    """The run directory, refused if it holds a tabular run with other settings. The same
    command again repeats the run (it takes seconds) and replaces its results."""
    config_path = os.path.join(os.path.abspath(os.path.expanduser(root_dir)), CONFIG_FILE)
    if os.path.isfile(config_path):
        with open(config_path) as f:
            old = json.load(f)
        if old.get("name") == settings.name:
            changed = [
                f"{name} was {old.get(name)!r}, now {value!r}"
                for name, value in dataclasses.asdict(settings).items()
                if old.get(name) != value
            ]
            if changed:
                raise UserError(
                    f"--root_dir {root_dir} holds a tabular run with other settings "
                    f"({'; '.join(changed)}); use a new --root_dir"
                )
    return RunDir(root_dir, settings)


def run(settings: RunSettings, env: TabularEnv, run_dir: Optional[RunDir]) -> Result:
    """Runs settings.algorithm on env; writes summary.json into run_dir if there is one."""
    started = time.monotonic()
    iterations = None
    if settings.algorithm in MODEL_BASED:
        solution = SOLVERS[settings.algorithm](env, settings.gamma, settings.tolerance)
        q, iterations = solution.q_values, solution.iterations
    else:
        q = _learn(settings, env, run_dir)
    policy = q_table.greedy_policy(q, env.terminal)
    summary = {
        "env_id": settings.env_id,
        "algorithm": settings.algorithm,
        "gamma": settings.gamma,
        "episodes": settings.episodes,
        "seed": settings.seed,
        "iterations": iterations,
        "states": list(env.state_names),
        "actions": list(env.action_names),
        "q_values": q_table.to_json(q),
        "policy": policy,
        "config": {f.name: getattr(settings, f.name) for f in dataclasses.fields(TabularConfig)},
        "wall_seconds": round(time.monotonic() - started, 3),
    }
    if run_dir is not None:
        write_json_atomically(run_dir.join(SUMMARY_FILE), summary)
    return Result(q, policy, summary)


def _learn(settings: RunSettings, env: TabularEnv, run_dir: Optional[RunDir]):
    summaries = EpisodeSummaries(run_dir.path) if run_dir is not None else None
    progress = EpisodeProgress(f"{settings.algorithm} on {settings.env_id}", settings.episodes)
    recent_returns = collections.deque(maxlen=100)
    env_steps = 0

    def on_episode(episode: model_free.Episode) -> None:
        nonlocal env_steps
        env_steps += episode.length
        recent_returns.append(episode.episode_return)
        if summaries is not None:
            summaries.add(episode)
        progress.update(episode.number + 1, env_steps, sum(recent_returns) / len(recent_returns))

    py_env = episode_env(settings.env_id, settings.seed)
    try:
        return model_free.train(
            settings.algorithm,
            env,
            py_env,
            settings,
            settings.gamma,
            settings.episodes,
            settings.seed,
            on_episode,
        )
    finally:
        progress.close()
        if summaries is not None:
            summaries.close()
        py_env.close()
