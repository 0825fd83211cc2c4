"""Train a preset on several seeds, then score each exported greedy policy over 100 episodes.

    python -m benchmarks.solve --pipeline=cartpole_dqn --seeds=0,1,2 --episodes=100
    python -m benchmarks.solve --pipeline=cartpole_impala --collectors=2 --seeds=0

With --collectors=N the run is scaled out through pipelines.launch: a replay server, N
collector processes and a learner.

Each seed runs the real entry point in a subprocess (wall time includes TensorFlow start-up);
the exported SavedModel alone is then evaluated on fresh environments. One JSON line per seed
and one summary line. Each seed's record is appended to --out, and --page (docs/solve.md) is
rewritten from that file: `--report_only` rewrites it without training.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Dict

import gymnasium as gym
from absl import app, flags
from tf_agents.policies import py_tf_eager_policy

import envs
from benchmarks import report, solve_page
from pipelines.common import evaluation, export

PIPELINE = flags.DEFINE_string("pipeline", "cartpole_dqn", "Entry point under pipelines/.")
SEEDS = flags.DEFINE_list("seeds", ["0", "1", "2"], "Seeds to train.")
EPISODES = flags.DEFINE_integer("episodes", 100, "Evaluation episodes per seed.")
OVERRIDES = flags.DEFINE_multi_string("override", [], "Extra --config.x=y for the pipeline.")
WORK_DIR = flags.DEFINE_string("work_dir", None, "Where runs go (default: a temp dir).")
COLLECTORS = flags.DEFINE_integer(
    "collectors",
    0,
    "Scale out through pipelines.launch with this many collectors (0: one process).",
)
OUT = flags.DEFINE_string(
    "out",
    os.path.join("benchmarks", "solve_results.jsonl"),
    "JSON-lines file each seed's record is appended to.",
)
PAGE = flags.DEFINE_string("page", os.path.join("docs", "solve.md"), "The page to write.")
REPORT_ONLY = flags.DEFINE_boolean("report_only", False, "Only rewrite the page from --out.")


def score_policy(policy_dir: str, episodes: int, seed: int) -> dict:
    """Mean/std/min of the exported greedy policy over `episodes` fresh episodes."""
    metadata = export.read_env_metadata(policy_dir)
    environments = [
        envs.load(
            metadata["env_id"],
            seed=seed + i,
            max_episode_steps=metadata["max_episode_steps"],
            **metadata["env_options"],
        )
        for i in range(episodes)
    ]
    policy = py_tf_eager_policy.SavedModelPyTFEagerPolicy(
        policy_dir,
        environments[0].time_step_spec(),
        environments[0].action_spec(),
        load_specs_from_pbtxt=True,
        batch_time_steps=False,
    )
    return evaluation.evaluate(policy, environments)


def episode_limit(metadata: Dict) -> int:
    """The episode length the policy was scored under: the run's own limit, else the env's."""
    return metadata["max_episode_steps"] or gym.spec(metadata["env_id"]).max_episode_steps


def run_seed(seed: str) -> Dict:
    work_dir = WORK_DIR.value or tempfile.mkdtemp(prefix="solve-")
    root_dir = os.path.join(work_dir, f"{PIPELINE.value}-seed{seed}")
    if COLLECTORS.value:
        entry = ["pipelines.launch", f"--pipeline={PIPELINE.value}"]
        entry.append(f"--collectors={COLLECTORS.value}")
    else:
        entry = [f"pipelines.{PIPELINE.value}"]
    command = (
        [sys.executable, "-m"]
        + entry
        + [f"--root_dir={root_dir}", f"--config.seed={seed}"]
        + [f"--config.{o}" for o in OVERRIDES.value]
    )
    machine = report.machine()  # its load before the run
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    policy_dir = os.path.join(root_dir, "policies", "greedy_policy")
    score = score_policy(policy_dir, EPISODES.value, seed=1_000_000 + 1000 * int(seed))
    with open(os.path.join(root_dir, "summary.json")) as f:
        summary = json.load(f)
    metadata = export.read_env_metadata(policy_dir)
    return {
        "name": f"{PIPELINE.value}_solve",
        "pipeline": PIPELINE.value,
        "seed": int(seed),
        "collectors": COLLECTORS.value,
        "overrides": OVERRIDES.value,
        "wall_seconds": round(wall, 1),
        "env_steps": summary["env_steps"],
        "env_steps_per_second": summary["env_steps_per_second"],
        "mean_return": round(score["mean"], 1),
        "min_return": score["min"],
        "episodes": score["episodes"],
        "env_id": metadata["env_id"],
        "max_episode_steps": episode_limit(metadata),
        "machine": machine,
        "commit": report.commit(),
    }


def main(_):
    results = []
    for seed in [] if REPORT_ONLY.value else SEEDS.value:
        result = run_seed(seed)
        results.append(result)
        print(json.dumps(result), flush=True)
        with open(OUT.value, "a") as out:
            out.write(json.dumps(result) + "\n")
    if results:
        print(
            json.dumps(
                {
                    "name": f"{PIPELINE.value}_solve_summary",
                    "worst_mean_return": min(r["mean_return"] for r in results),
                    "worst_wall_seconds": max(r["wall_seconds"] for r in results),
                    "seeds": len(results),
                    "overrides": OVERRIDES.value,
                }
            )
        )
    records = []
    if os.path.exists(OUT.value):
        with open(OUT.value) as f:
            records = [json.loads(line) for line in f if line.strip()]
    report.write_text(PAGE.value, solve_page.page(records))
    print(f"wrote {PAGE.value}", file=sys.stderr)


if __name__ == "__main__":
    app.run(main)
