"""docs/solve.md from benchmarks.solve's records (no flags, so tests and tools can import it)."""

from typing import Dict, List

SOLVED_FRACTION = 0.95  # CartPole-v1 counts as solved at 475 of its 500


def page(records: List[Dict]) -> str:
    """The page: per pipeline and way of running it, the latest record of each seed."""
    latest: Dict[tuple, Dict] = {}
    for record in records:
        how = (record["pipeline"], record["collectors"], " ".join(record["overrides"]))
        latest[how + (record["seed"],)] = record
    rows = []
    for (pipeline, collectors, overrides, seed), r in sorted(latest.items()):
        command = f"`--pipeline={pipeline}`"
        if collectors:
            command += f" `--collectors={collectors}`"
        if overrides:
            command += " " + " ".join(f"`--override={o}`" for o in overrides.split())
        solved = r["mean_return"] >= SOLVED_FRACTION * r["max_episode_steps"]
        machine = r["machine"]
        rows.append(
            f"| {command} | {seed} | {r['mean_return']:.1f} ({r['min_return']:.0f}) | "
            f"{'yes' if solved else 'no'} | {r['env_steps']:,} | {r['wall_seconds']:.0f} s | "
            f"{machine['cpu']} ({machine['cores']} cores, load {machine['load_average']}) | "
            f"{r.get('commit', 'not recorded')} |"
        )
    return "\n".join([
        "# Solve runs",
        "",
        "Classic-control presets trained from their default command, one seed at a time; each",
        "exported greedy policy is then scored on 100 fresh episodes (CartPole-v1 counts as",
        "solved at a mean of 475 of its 500). Wall time runs from process start to the exported",
        "policy, TensorFlow's start-up and every process of a scaled-out run included; the load",
        "is the machine's one-minute load average at the start. This page is made by",
        "`python -m benchmarks.solve` from `benchmarks/solve_results.jsonl`:",
        "",
        "```sh",
        "python -m benchmarks.solve --pipeline=cartpole_a2c --seeds=0,1,2",
        "python -m benchmarks.solve --pipeline=cartpole_impala --collectors=2 --seeds=0,1,2",
        "```",
        "",
        "| command | seed | greedy mean (worst game) | solved | env steps | wall time | machine "
        "| commit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ])  # fmt: skip
