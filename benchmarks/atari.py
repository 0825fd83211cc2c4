"""An Atari entry point's default command, trained to the end and scored as a user would.

    python -m benchmarks.atari --pipeline=pong_dqn --seeds=0,1 [--preset=fast] \\
        [--work_dir=runs/atari_bench] [--out=benchmarks/atari_results.jsonl]
    python -m benchmarks.atari --pipeline=breakout_impala --collectors=2 --seeds=0   # scaled out
    python -m benchmarks.atari --pipeline=pong_dqn --from_run=runs/pong_dqn   # a finished run
    python -m benchmarks.atari --pipeline=pong_dqn --seeds=0,1 \
        --overrides=epsilon_decay_steps=250000        # a lever: --config changes, reported apart

Each seed runs `python -m pipelines.<pipeline> --root_dir=... --config.seed=N` in a subprocess
(with --collectors, `python -m pipelines.launch --pipeline=<pipeline> --collectors=N ...`: a
replay server, N collector processes and a learner); its wall time runs from the process's
start to its exit, the exported policy written. The export
alone is then scored by `python -m pipelines.evaluate` on fresh whole games (at the preset's
evaluation epsilon). The record also holds the env steps at which the in-training
evaluations first reached each milestone, and the CPU. One JSON line per seed, on stdout and
appended to --out; `python -m benchmarks.atari_report` makes docs/atari.md from that file.
"""

import dataclasses
import json
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional

from absl import app, flags

from benchmarks import processes, report
from pipelines import registry
from pipelines.common import config_flag

# Score milestones per game: first the score the agent passes on its way, then the target.
GAME_MILESTONES = {"pong": (0.0, 18.0), "breakout": (10.0, 30.0), "spaceinvaders": (300.0, 600.0)}
ALGORITHMS = {"dqn": "DQN", "ppo": "PPO", "a2c": "A2C", "impala": "IMPALA"}
GAME_NAMES = {"pong": "Pong", "breakout": "Breakout", "spaceinvaders": "Space Invaders"}
MILESTONES = {
    p.name: GAME_MILESTONES[p.name.rsplit("_", 1)[0]]
    for p in registry.PIPELINES.values()
    if p.is_atari
}

PIPELINE = flags.DEFINE_enum("pipeline", "pong_dqn", sorted(MILESTONES), "Atari entry point.")
RANDOM = flags.DEFINE_bool(
    "random",
    False,
    "Instead of training: score uniformly random play on the pipeline's game (pipelines.evaluate "
    "--policy=random), over --games games, the baseline the page sets beside each game.",
)
COLLECTORS = flags.DEFINE_integer(
    "collectors",
    0,
    "Train scaled out through pipelines.launch with this many collector processes (0: the "
    "entry point alone, in one process).",
    lower_bound=0,
)
PRESET = flags.DEFINE_string("preset", None, "--preset of the entry point (default: its own).")
OVERRIDES = flags.DEFINE_list(
    "overrides",
    [],
    "A lever to measure against the default command: config fields as field=value, each "
    "passed on as --config.field=value. The record names them, and the page reports such runs "
    "apart from the default commands'.",
)
SEEDS = flags.DEFINE_list("seeds", ["0"], "Seeds to train, one run each.")
GAMES = flags.DEFINE_integer(
    "games", 10, "Fresh whole games the export is scored on.", lower_bound=1
)
WORK_DIR = flags.DEFINE_string("work_dir", "runs/atari_bench", "Where the runs go.")
FROM_RUN = flags.DEFINE_string(
    "from_run",
    None,
    "Score a finished run's directory instead of "
    "training. Its wall time: summary.json's (from the run's own "
    "start, TensorFlow's import not counted); for a run stopped and "
    "then ended with a smaller budget, its summaries' span.",
)
OUT = flags.DEFINE_string(
    "out",
    os.path.join("benchmarks", "atari_results.jsonl"),
    "JSON-lines file the records are appended to.",
)


def cpu_model() -> str:
    """The CPU's model name, as lscpu reports it."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def milestones(root_dir: str, thresholds) -> Dict[str, Optional[int]]:
    """Env steps of the first in-training evaluation at or above each threshold (None: never)."""
    from pipelines.tools import curves

    steps, values = curves.read_run(root_dir, "run").eval_return
    return {
        f"{threshold:g}": next(
            (int(step) for step, value in zip(steps, values) if value >= threshold), None
        )
        for threshold in thresholds
    }


def ended_by(summary: Dict) -> str:
    """What ended the run: its stop rule, its budget, or a stop (Ctrl-C or kill) followed by a
    resume with a spent budget, which only evaluated and exported."""
    if summary.get("reached_stop_return"):
        return "stop rule"
    if (
        summary["resumed_from_env_step"]
        and summary["env_steps"] == summary["resumed_from_env_step"]
    ):
        return "stopped by hand"
    return "budget"


# A tag every run writes with each train summary (all algorithms).
TRAIN_TAG = "Metrics/EnvStepsPerSecond"


def summaries_span(root_dir: str) -> float:
    """Seconds from a run's first train summary to its last evaluation: the wall time of a run
    that was stopped and resumed (pauses included), whose summary.json times its last part."""
    from pipelines.tools import curves

    train = curves.wall_times(os.path.join(root_dir, "train"), TRAIN_TAG).values()
    evals = curves.wall_times(os.path.join(root_dir, "eval"), "Metrics/AverageReturn").values()
    return max(evals) - min(train)


def evaluation_seconds(root_dir: str) -> float:
    """Seconds the run spent in its in-training evaluations (and stop-rule confirmations): each
    one's summary time minus that of the train summary written just before it (every evaluation
    step is also a summary step)."""
    from pipelines.tools import curves

    train = sorted(curves.wall_times(os.path.join(root_dir, "train"), TRAIN_TAG).items())
    seconds = 0.0
    for folder in ("eval", "eval_confirm"):
        ends = curves.wall_times(os.path.join(root_dir, folder), "Metrics/AverageReturn")
        for step, end in ends.items():
            before = [wall for train_step, wall in train if train_step <= step]
            if before:
                seconds += end - before[-1]
    return seconds


def _changed(table: Dict, name: str, config: Dict) -> Dict:
    """The fields of a run's config.json that differ from preset `name`, seed and budget aside
    (the budget may change on resume; a run's own env steps say how far it went). Fields newer
    than the run count at their preset value."""
    preset = json.loads(json.dumps(dataclasses.asdict(config_flag.choose_preset(table, name))))
    return {
        field: value
        for field, value in sorted(config.items())
        if field not in ("seed", "preset", "num_env_steps")
        and field in preset
        and preset[field] != value
    }


def preset_of(pipeline: str, config: Dict) -> str:
    """The preset whose settings a run's config.json holds, seed aside ('custom' when --config
    changed any): the table reports presets as users run them."""
    table = presets_of(pipeline)
    for name in table:
        if config.get("preset", name) == name and not _changed(table, name, config):
            return name
    return "custom"


def overrides_of(pipeline: str, config: Dict) -> Dict[str, str]:
    """The --config changes a run's config.json holds against its own preset (seed and budget
    aside), as the command-line values that make them."""
    table = presets_of(pipeline)
    name = config.get("preset")
    if name not in table:
        return {}
    return {field: _flag_value(value) for field, value in _changed(table, name, config).items()}


def _flag_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return json.dumps(value).replace(" ", "")
    return str(value)


def algorithm_of(pipeline: str) -> str:
    return ALGORITHMS[registry.get(pipeline).algorithm]


def presets_of(pipeline: str) -> Dict:
    """The entry point's --preset table."""
    return registry.get(pipeline).presets()


def score_export(policy_dir: str, games: int, seed: int, epsilon: float) -> Dict:
    """pipelines.evaluate's summary of the export over `games` fresh games."""
    return _evaluate([f"--policy_dir={policy_dir}", f"--epsilon={epsilon}"], games, seed)


def random_play(pipeline: str, games: int) -> Dict:
    """The record of uniformly random play on the pipeline's game."""
    env_id = registry.get(pipeline).env_id
    score = _evaluate(["--policy=random", f"--env={env_id}"], games, seed=0)
    return {
        "name": f"{pipeline.rsplit('_', 1)[0]}_random",
        "game": GAME_NAMES[pipeline.rsplit("_", 1)[0]],
        "algorithm": "random",
        "env_id": env_id,
        "command": f"python -m pipelines.evaluate --policy=random --env={env_id} "
        f"--num_episodes={games}",
        "score_mean": round(score["mean"], 2),
        "score_std": round(score["std"], 2),
        "scores": score["scores"],
        "games": score["episodes"],
        "mean_length": round(score["mean_length"], 1),
        "cpu": cpu_model(),
        "cpu_features": report.cpu_features(),
        "cores": os.cpu_count(),
        "commit": report.commit(),
    }


def _evaluate(arguments: List[str], games: int, seed: int) -> Dict:
    """pipelines.evaluate's summary (and each game's score) over `games` games."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.evaluate",
            f"--num_episodes={games}",
            f"--seed={seed}",
        ]
        + arguments,
        cwd=processes.REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split() for line in done.stdout.splitlines()]
    scores = [float(row[1]) for row in rows if len(row) == 3 and row[0].isdigit()]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return dict(summary, scores=scores)


def record(pipeline: str, root_dir: str, seed: int, wall_seconds: float) -> Dict:
    """What one finished run measured: its speed, milestones and the export's score."""
    with open(os.path.join(root_dir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(root_dir, "config.json")) as f:
        config = json.load(f)
    score = score_export(
        os.path.join(root_dir, "policies", "greedy_policy"),
        GAMES.value,
        seed=1_000_000 + 1000 * seed,
        epsilon=config.get("eval_epsilon", 0.0),
    )
    return {
        "name": f"{pipeline}_atari",
        "game": GAME_NAMES[pipeline.rsplit("_", 1)[0]],
        "pipeline": pipeline,
        "algorithm": algorithm_of(pipeline),
        "collectors": COLLECTORS.value,
        "command": command_line(pipeline, "runs/" + pipeline, overrides_of(pipeline, config)),
        "root_dir": root_dir,
        "preset": preset_of(pipeline, config),
        "overrides": overrides_of(pipeline, config),
        "seed": seed,
        "env_steps": summary["env_steps"],
        "wall_seconds": round(wall_seconds, 1),
        "env_steps_per_second": round(summary["env_steps"] / wall_seconds, 1),
        "evaluation_seconds": round(evaluation_seconds(root_dir), 1),
        "ended_by": ended_by(summary),
        "milestones": milestones(root_dir, MILESTONES[pipeline]),
        "score_mean": round(score["mean"], 2),
        "score_std": round(score["std"], 2),
        "scores": score["scores"],
        "games": score["episodes"],
        "eval_epsilon": score["epsilon"],
        "cpu": cpu_model(),
        "cpu_features": report.cpu_features(),
        "cores": os.cpu_count(),
        "commit": report.commit(),
    }


def command_line(pipeline: str, root_dir: str, overrides: Dict[str, str]) -> str:
    """The user's command this benchmark runs (seed aside)."""
    if COLLECTORS.value:
        words = ["python -m pipelines.launch", f"--pipeline={pipeline}"]
        words.append(f"--collectors={COLLECTORS.value}")
    else:
        words = [f"python -m pipelines.{pipeline}"]
    words.append(f"--root_dir={root_dir}")
    if PRESET.value:
        words.append(f"--preset={PRESET.value}")
    words += [f"--config.{field}={value}" for field, value in overrides.items()]
    return " ".join(words)


def parse_overrides(items: List[str]) -> Dict[str, str]:
    """--overrides' field=value items; exits in one line on one without '='."""
    overrides = {}
    for item in items:
        field, equals, value = item.partition("=")
        if not equals or not field:
            sys.exit(f"error: --overrides takes field=value items, got '{item}'")
        overrides[field.strip()] = value.strip()
    return overrides


def train(pipeline: str, root_dir: str, seed: int, overrides: Dict[str, str]) -> float:
    """Runs the default command (plus --preset, the overrides, seed) to its end; returns its
    wall seconds."""
    command = [sys.executable] + command_line(pipeline, root_dir, overrides).split()[1:]
    command.append(f"--config.seed={seed}")
    started = time.monotonic()
    log_path = f"{root_dir}.log"
    with open(log_path, "a") as log:
        code = subprocess.run(
            command, cwd=processes.REPO, stdout=log, stderr=subprocess.STDOUT
        ).returncode
    if code != 0:
        sys.exit(f"error: the run exited {code}: {last_line(log_path)} (all of it: {log_path})")
    return time.monotonic() - started


def last_line(path: str) -> str:
    """The last non-empty line of a log (an entry point's one-line error, if it failed on one)."""
    with open(path, errors="replace") as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[-1] if lines else "(no output)"


def main(_argv) -> None:
    results: List[Dict] = []
    if RANDOM.value:
        results.append(random_play(PIPELINE.value, GAMES.value))
    elif FROM_RUN.value:
        with open(os.path.join(FROM_RUN.value, "summary.json")) as f:
            summary = json.load(f)
        with open(os.path.join(FROM_RUN.value, "config.json")) as f:
            seed = json.load(f)["seed"]
        wall = (
            summaries_span(FROM_RUN.value)
            if summary["resumed_from_env_step"]
            else summary["wall_seconds"]
        )
        results.append(record(PIPELINE.value, FROM_RUN.value, seed, wall))
    else:
        overrides = parse_overrides(OVERRIDES.value)
        os.makedirs(WORK_DIR.value, exist_ok=True)
        for seed in (int(s) for s in SEEDS.value):
            scaled = f"-x{COLLECTORS.value}" if COLLECTORS.value else ""
            lever = "".join(f"-{field}={value}" for field, value in overrides.items())
            root_dir = os.path.join(
                WORK_DIR.value,
                f"{PIPELINE.value}{scaled}-{PRESET.value or 'default'}{lever}-seed{seed}",
            )
            wall = train(PIPELINE.value, root_dir, seed, overrides)
            results.append(record(PIPELINE.value, root_dir, seed, wall))
    with open(OUT.value, "a") as out:
        for result in results:
            line = json.dumps(result)
            print(line, flush=True)
            out.write(line + "\n")


if __name__ == "__main__":
    app.run(main)
