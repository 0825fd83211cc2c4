"""docs/atari.md from benchmarks.atari's records: the Atari results page.

    python -m benchmarks.atari_report [--results=benchmarks/atari_results.jsonl] \\
        [--page=docs/atari.md]

Every figure in the page comes from a record of the results file; the prose around the table is
fixed here.
"""

import json
import os
from typing import Dict, List

from absl import app, flags

RESULTS = flags.DEFINE_string(
    "results",
    os.path.join("benchmarks", "atari_results.jsonl"),
    "benchmarks.atari's JSON-lines output.",
)
PAGE = flags.DEFINE_string("page", os.path.join("docs", "atari.md"), "The page to write.")

GAMES = {"pong_dqn": "Pong", "breakout_dqn": "Breakout", "spaceinvaders_dqn": "Space Invaders"}
# What the literature reports for DQN on each game, for comparison (env steps = 4 frames).
LITERATURE = {
    "pong_dqn": "Tianshou DQN: 20.0 ± 0.6 at 1M env steps (+18 at ~0.9M); Mnih et al. 2015: "
    "18.9 after 12.5M",
    "breakout_dqn": "Tianshou DQN: 41.7 ± 9 at 1M env steps (30 at ~0.7M); Mnih et al. 2015: "
    "401.2 after 12.5M",
    "spaceinvaders_dqn": "Mnih et al. 2015: 1,976 after 12.5M env steps",
}

HEADER = """# Atari results

DQN agents trained with this package's default commands on an ordinary CPU, each scored on
fresh whole games by `pipelines.evaluate` from its exported SavedModel alone. This page is made
by `python -m benchmarks.atari_report` from `benchmarks/atari_results.jsonl`, which
`python -m benchmarks.atari` writes.

## How to reproduce

```sh
python -m pipelines.pong_dqn --root_dir=runs/pong_dqn              # train: the default `fast` preset
python -m pipelines.evaluate --policy_dir=runs/pong_dqn/policies/greedy_policy --num_episodes=10
python -m benchmarks.atari --pipeline=pong_dqn --seeds=0,1         # both steps, timed, recorded
```

## The `fast` preset

Tianshou's Atari DQN recipe (`examples/atari/atari_dqn.py`): double DQN with 3-step returns and
a squared loss, Adam 1e-4, batch 32, a target network refreshed every 500 train steps, a 100k
replay, 10 environments and **one train step per 10 env steps**. Exploration ε falls from 1 to
0.05 over the first 1M env steps. The Nature preset (`--preset=nature2015`) does a train step
every 4 env steps for 10M env steps: 2.5M train steps against the fast preset's 150k at most,
days on a CPU.

- **Evaluation** plays whole games (no end at a lost life) and reports the raw game score, at
  ε = 0.005 as Tianshou evaluates. During training, 10 games every 50k env steps; each game is
  cut at 27,000 agent steps (108k frames, the usual Atari limit). The 10 games run as one batch,
  so an evaluation costs at most 27,000 batched steps, and usually far less: the table gives the
  share of each run's wall time its evaluations took.
- **Stopping**: training stops once an evaluation and a confirming one over 10 other games both
  reach the preset's threshold (Pong +19, Breakout 35), or at 1.5M env steps.
- **Milestones** below are the env steps of the first in-training evaluation at or above each
  score. Env steps do not depend on the machine; wall time depends on the CPU and on what else
  it runs.

## Results

| game | preset | seed | env steps (ended by) | wall time (evaluation's share) | CPU (cores) | env steps/s | env steps to a first evaluation ≥ score | score over 10 games (mean ± std) | literature |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


def _wall(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _milestones(record: Dict) -> str:
    return ", ".join(
        f"{score}: {f'{steps / 1e6:.2f}M' if steps is not None else 'never'}"
        for score, steps in record["milestones"].items()
    )


def row(record: Dict) -> str:
    """One table row of a record."""
    cells = [
        GAMES[record["pipeline"]],
        f"`{record['preset']}`",
        str(record["seed"]),
        f"{record['env_steps'] / 1e6:.2f}M ({record['ended_by']})",
        f"{_wall(record['wall_seconds'])} "
        f"({record['evaluation_seconds'] / record['wall_seconds']:.0%})",
        f"{record['cpu']} ({record['cores']})",
        f"{record['env_steps_per_second']:,.0f}",
        _milestones(record),
        f"{record['score_mean']:.1f} ± {record['score_std']:.1f}",
        LITERATURE[record["pipeline"]],
    ]
    return "| " + " | ".join(cells) + " |"


def page(records: List[Dict]) -> str:
    """The whole page."""
    text = HEADER
    text += "".join(row(record) + "\n" for record in records)
    text += (
        "\nScores per game: "
        + "; ".join(
            f"{GAMES[r['pipeline']]} seed {r['seed']}: "
            + ", ".join(f"{score:g}" for score in r["scores"])
            for r in records
        )
        + ".\n"
    )
    for pipeline, name in GAMES.items():
        curve = os.path.join("docs", f"{name.lower().replace(' ', '')}_curve.png")
        if os.path.exists(curve):
            text += (
                f"\n### {name}\n\n![{name} learning curve]({os.path.basename(curve)})\n\n"
                f"`python -m pipelines.plot --root_dir=runs/{pipeline} --out={curve}`\n"
            )
        gif = os.path.join("docs", f"{name.lower().replace(' ', '')}.gif")
        if os.path.exists(gif):
            text += (
                f"\n![{name} agent]({os.path.basename(gif)})\n\nThe first 300 agent steps "
                f"of a game (a GIF stays under 1 MB): `python -m pipelines.evaluate "
                f"--policy_dir=runs/{pipeline}/policies/greedy_policy --num_episodes=1 "
                f"--max_episode_steps=300 --video={gif}`\n"
            )
    return text


def main(_argv) -> None:
    with open(RESULTS.value) as f:
        records = [json.loads(line) for line in f if line.strip()]
    os.makedirs(os.path.dirname(os.path.abspath(PAGE.value)), exist_ok=True)
    with open(PAGE.value, "w") as f:
        f.write(page(records))
    print(f"wrote {PAGE.value} ({len(records)} runs)")


if __name__ == "__main__":
    app.run(main)
