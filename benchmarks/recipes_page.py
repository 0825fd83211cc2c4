"""docs/book_recipes.md from benchmarks.recipes' records, and what each record reads from its
run. No flags: tests import it, and benchmarks.recipes writes the page with it."""

from typing import Dict, List

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


def best_evaluation(root_dir: str):
    """(env step, mean) of the run's best in-training evaluation; (None, None) without one."""
    from pipelines.tools import curves

    steps, values = curves.read_run(root_dir, "run").eval_return
    if not len(values):
        return None, None
    best = int(max(range(len(values)), key=lambda i: values[i]))
    return int(steps[best]), round(float(values[best]), 1)


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
    "  the greedy policy. LunarLander keeps the fast preset's rule (the report states none);",
    "  there even the best of the run's in-training evaluations (in the table) stays far below",
    "  the report's figure, so no rule that picks the best weights would close the gap: it lies",
    "  in the 32-32 network and Adam 2e-4 on this budget, not in the selection.",
    "- `lunarlander_dqn --preset=blog`: 150-120, Huber, Adam 1e-3, batch 64, γ 0.99, ε 1 to 0.1",
    "  over 100k env steps, a train step every 4 env steps, a target update every 10k env steps, a",
    "  100k replay, 500k env steps, one environment: the blog's settings as stated.",
    "",
]
