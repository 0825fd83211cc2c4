"""Train a preset on several seeds, then score each exported greedy policy over 100 episodes.

    python -m benchmarks.solve --pipeline=cartpole_dqn --seeds=0,1,2 --episodes=100
    python -m benchmarks.solve --pipeline=cartpole_impala --collectors=2 --seeds=0

With --collectors=N the run is scaled out through pipelines.launch: a replay server, N
collector processes and a learner.

Each seed runs the real entry point in a subprocess (wall time includes TensorFlow start-up);
the exported SavedModel alone is then evaluated on fresh environments. One JSON line per seed
and one summary line.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import app, flags
from tf_agents.policies import py_tf_eager_policy

import envs
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


def main(_):
    work_dir = WORK_DIR.value or tempfile.mkdtemp(prefix="solve-")
    results = []
    for seed in SEEDS.value:
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
        started = time.monotonic()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - started
        score = score_policy(
            os.path.join(root_dir, "policies", "greedy_policy"),
            EPISODES.value,
            seed=1_000_000 + 1000 * int(seed),
        )
        with open(os.path.join(root_dir, "summary.json")) as f:
            summary = json.load(f)
        result = {
            "name": f"{PIPELINE.value}_solve",
            "seed": int(seed),
            "collectors": COLLECTORS.value,
            "wall_seconds": round(wall, 1),
            "env_steps": summary["env_steps"],
            "env_steps_per_second": summary["env_steps_per_second"],
            "mean_return": round(score["mean"], 1),
            "min_return": score["min"],
            "episodes": score["episodes"],
        }
        results.append(result)
        print(json.dumps(result), flush=True)
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


if __name__ == "__main__":
    app.run(main)
