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
from typing import Dict, List

from absl import app, flags

from benchmarks import processes, report
from pipelines import registry

# (pipeline, preset) -> (the material, its figure): what each recipe is compared with.
RECIPES = {
    ("cartpole_dqn", "homl2019"): (
        "Hands-On ML (2nd ed.) ch. 18, Keras DQN",
        "a learning curve (episodes capped at 200), no final score; it keeps the best weights",
    ),
    ("cartpole_reinforce", "homl2019"): (
        "Hands-On ML (2nd ed.) ch. 18, policy gradients",
        "199.6 (cap 200) after 150 updates",
    ),
    ("cartpole_dqn", "lab_report"): (
        "course lab report, DQN",
        "483 over 20 episodes after 1 h 23 min",
    ),
    ("lunarlander_dqn", "lab_report"): (
        "course lab report, DQN",
        "127 after 1 h 4 min",
    ),
    ("lunarlander_dqn", "blog"): ("LunarLander DQN blog recipe", "no figure stated"),
    ("breakout_dqn", "homl2019"): (
        "Hands-On ML (2nd ed.) ch. 18, TF-Agents DQN",
        "no score stated",
    ),
}

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


def best_evaluation(root_dir: str):
    """(env step, mean) of the run's best in-training evaluation; (None, None) without one."""
    from pipelines.tools import curves

    steps, values = curves.read_run(root_dir, "run").eval_return
    if not len(values):
        return None, None
    best = int(max(range(len(values)), key=lambda i: values[i]))
    return int(steps[best]), round(float(values[best]), 1)


def _recipe_budget(pipeline: str, preset: str) -> int:
    """The recipe's own num_env_steps, as its preset sets it."""
    return registry.get(pipeline).presets()[preset]().num_env_steps


def page(records: List[Dict]) -> str:
    latest = {(r["pipeline"], r["preset"]): r for r in records}
    rows = []
    for (pipeline, preset), (source, figure) in RECIPES.items():
        record = latest.get((pipeline, preset))
        ours = "not run yet"
        if record:
            cut = (
                f" (of the recipe's {record['recipe_env_steps']:,}: the run was cut short)"
                if record.get("budget_cut")
                else ""
            )
            resumed = record.get("resumed_from_env_step", 0)
            part = f" (the part resumed from env step {resumed:,})" if resumed else ""
            ours = (
                f"{record['mean_return']:.1f} ± {record['std_return']:.1f} over "
                f"{record['episodes']} episodes, after {record['env_steps']:,} env steps{cut} in "
                f"{record['wall_seconds'] / 60:.1f} min{part} ({record['machine']['cpu']}, "
                f"{record['machine']['cores']} cores, load {record['machine']['load_average']}"
                f"{', commit ' + record['commit'] if record.get('commit') else ''})"
            )
            if record.get("best_eval") is not None:
                ours += (
                    f"; its best in-training evaluation: {record['best_eval']:.1f} at env step "
                    f"{record['best_eval_env_step']:,}"
                )
        rows.append(f"| `{pipeline} --preset={preset}` | {source} | {figure} | {ours} |")
    return "\n".join([
        "# The course books' recipes",
        "",
        "The hyperparameters of the course material this package grew from, by name, on today's",
        "packages. Each preset's docstring (`--help`) says where it comes from; how each differs",
        "from the original is below the table. This page is made by",
        "`python -m benchmarks.recipes` from",
        "`benchmarks/recipes_results.jsonl`: each recipe trained once with its own command, then",
        "its exported greedy policy scored by `pipelines.evaluate` on fresh episodes, with the",
        "machine and its load at the start. Read an Atari score against random play: "
        "[Tools](tools.md)",
        "gives the random baseline (`pipelines.evaluate --policy=random`).",
        "",
        "```sh",
        "python -m benchmarks.recipes --recipes=cartpole_dqn:homl2019,cartpole_reinforce:homl2019",
        "```",
        "",
        "| command | material | the material's figure | here |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        *MAPPING,
    ])  # fmt: skip


# How each recipe differs from the material's own loop (the settings themselves are the presets').
MAPPING = [
    "## How each recipe maps onto this package",
    "",
    "- `cartpole_dqn --preset=homl2019`: the Keras DQN (32-32 ELU, MSE, Adam 1e-2, γ 0.95, batch",
    "  32, a 2k replay, no separate target network, episodes cut at 200 steps). The book decays ε",
    "  per episode (1 to 0.01 over 500 of its 600 episodes) and trains once per episode after the",
    "  50th; here ε decays over 30k env steps and a train step comes every 50 env steps, the same",
    "  over episodes ~60 steps long. The book keeps the best weights it saw; this exports the",
    "  last.",
    "- `breakout_dqn --preset=homl2019`: the TF-Agents Breakout DQN: RMSprop 2.5e-4 (ρ 0.95, ε",
    "  1e-5, centered), Huber, ε 1 to 0.01 over 250k env steps, a target update every 2,000 train",
    "  steps, batches of 64 every 4 env steps, a 20k warm-up, a 100k replay, auto-fire, no reward",
    "  clipping, no episode end at a lost life, 10M env steps; greedy evaluation as the book's",
    "  `agent.policy`.",
    "- `--preset=lab_report` (CartPole, LunarLander): the lab report's network and optimizer",
    "  (32-32, Adam 2e-4, batch 128) on this package's `fast` preset for the game. On CartPole",
    "  also the report's selection rule (`stop_at_train_return=500`): training stops as soon as",
    "  one training episode reaches 500, and those weights are exported. The report reached it",
    "  at ~53k env steps in one environment and scored 483 over 20 episodes; here, with the fast",
    "  preset's 8 environments and schedule, it comes later, and the same rule picks weights that",
    "  do not hold 483 over 100 fresh episodes: one ε-greedy episode at 500 says little about",
    "  the greedy policy. LunarLander keeps the fast preset's rule (the report states none).",
    "- `lunarlander_dqn --preset=blog`: 150-120, Huber, Adam 1e-3, batch 64, γ 0.99, ε 1 to 0.1",
    "  over 100k env steps, a train step every 4 env steps, a target update every 10k env steps, a",
    "  100k replay, 500k env steps, one environment: the blog's settings as stated.",
    "",
]


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
