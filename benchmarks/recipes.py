"""The course books' recipes (presets) run once each, beside the material's own figures.

    python -m benchmarks.recipes --recipes=cartpole_dqn:homl2019,cartpole_reinforce:homl2019 \\
        [--work_dir=runs/recipes] [--out=benchmarks/recipes_results.jsonl] [--episodes=100]
    python -m benchmarks.recipes --report_only        # docs/book_recipes.md from the results

Each recipe runs `python -m pipelines.<pipeline> --root_dir=... --preset=<preset>` to its end
(wall time: the process's); the export alone is then scored on fresh episodes with
`pipelines.evaluate`. One JSON line per recipe, appended to --out; the page docs/book_recipes.md
is rewritten from that file after every run.
"""

import json
import os
import subprocess
import sys
import time
from typing import Dict

from absl import app, flags

from benchmarks import processes, report
from benchmarks.recipes_page import RECIPES, best_evaluation, page
from pipelines import registry

CHOICES = [f"{pipeline}:{preset}" for pipeline, preset in RECIPES]
RUN = flags.DEFINE_list("recipes", [], f"pipeline:preset pairs to run, of {', '.join(CHOICES)}.")
EPISODES = flags.DEFINE_integer("episodes", 100, "Fresh episodes the export is scored on.", 1)
WORK_DIR = flags.DEFINE_string("work_dir", "runs/recipes", "Where the runs go.")
OUT = flags.DEFINE_string(
    "out", os.path.join("benchmarks", "recipes_results.jsonl"), "JSON-lines results file."
)
PAGE = flags.DEFINE_string("page", os.path.join("docs", "book_recipes.md"), "The page to write.")
REPORT_ONLY = flags.DEFINE_boolean("report_only", False, "Only rewrite the page from --out.")
NUM_ENV_STEPS = flags.DEFINE_integer(
    "num_env_steps",
    0,
    "Cut each recipe's budget to this many env steps (0: the recipe's own); the page says so.",
    lower_bound=0,
)


def score(policy_dir: str, episodes: int) -> Dict:
    """pipelines.evaluate's JSON summary of the export over fresh episodes."""
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.evaluate", f"--policy_dir={policy_dir}",
         f"--num_episodes={episodes}", "--seed=1000000"],
        cwd=processes.REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return report.last_json_line(done.stdout)


def run_recipe(pipeline: str, preset: str) -> Dict:
    """Trains the recipe to its end and scores its export."""
    root_dir = os.path.join(WORK_DIR.value, f"{pipeline}-{preset}")
    command = [sys.executable, "-m", f"pipelines.{pipeline}", f"--root_dir={root_dir}",
               f"--preset={preset}"]  # fmt: skip
    if NUM_ENV_STEPS.value:
        command.append(f"--config.num_env_steps={NUM_ENV_STEPS.value}")
    started = time.monotonic()
    with open(f"{root_dir}.log", "a") as log:
        subprocess.run(command, cwd=processes.REPO, check=True, stdout=log, stderr=log)
    wall = time.monotonic() - started
    with open(os.path.join(root_dir, "summary.json")) as f:
        summary = json.load(f)
    result = score(os.path.join(root_dir, "policies", "greedy_policy"), EPISODES.value)
    best_step, best = best_evaluation(root_dir)
    return {
        "pipeline": pipeline,
        "preset": preset,
        "env_steps": summary["env_steps"],
        "resumed_from_env_step": summary.get("resumed_from_env_step", 0),
        "budget_cut": bool(NUM_ENV_STEPS.value),
        "recipe_env_steps": _recipe_budget(pipeline, preset),
        "wall_seconds": round(wall, 1),
        "mean_return": round(result["mean"], 1),
        "std_return": round(result["std"], 1),
        "episodes": result["episodes"],
        "best_eval": best,
        "best_eval_env_step": best_step,
        "machine": report.machine(),
        "commit": report.commit(),
    }


def _recipe_budget(pipeline: str, preset: str) -> int:
    """The recipe's own num_env_steps, as its preset sets it."""
    return registry.get(pipeline).presets()[preset]().num_env_steps


def main(_argv) -> None:
    unknown = [name for name in RUN.value if name not in CHOICES]
    if unknown:
        raise app.UsageError(f"unknown recipe {unknown[0]}; choose from {', '.join(CHOICES)}")
    os.makedirs(WORK_DIR.value, exist_ok=True)
    for name in [] if REPORT_ONLY.value else RUN.value:
        record = run_recipe(*name.split(":"))
        print(json.dumps(record), flush=True)
        with open(OUT.value, "a") as out:
            out.write(json.dumps(record) + "\n")
    records = []
    if os.path.exists(OUT.value):
        with open(OUT.value) as f:
            records = [json.loads(line) for line in f if line.strip()]
    report.write_text(PAGE.value, page(records))
    print(f"wrote {PAGE.value}")


if __name__ == "__main__":
    app.run(main)
