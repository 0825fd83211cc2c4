"""docs/atari.md from the benchmarks' records: the Atari results page.

    python -m benchmarks.atari_report [--results=benchmarks/atari_results.jsonl] \\
        [--profiles=benchmarks/profile_results.jsonl] \\
        [--peers=benchmarks/ppo_peer_results.jsonl] \\
        [--train_steps=benchmarks/train_step_results.jsonl] [--page=docs/atari.md]

Every figure in the page comes from a record of those files (benchmarks.atari: trained runs and
random play; benchmarks.profile --pipeline: where a run's time goes; benchmarks.ppo_peer: PPO
beside CleanRL's; benchmarks.train_step --out: DQN's train step against the CPU's peak, float32
and bfloat16); the prose around the tables is fixed here.
"""

import json
import os
import shlex
from typing import Dict, List, Sequence

from absl import app, flags

from benchmarks import report

RESULTS = flags.DEFINE_string(
    "results",
    os.path.join("benchmarks", "atari_results.jsonl"),
    "benchmarks.atari's JSON-lines output.",
)
PROFILES = flags.DEFINE_string(
    "profiles",
    os.path.join("benchmarks", "profile_results.jsonl"),
    "benchmarks.profile's JSON-lines output.",
)
PEERS = flags.DEFINE_string(
    "peers",
    os.path.join("benchmarks", "ppo_peer_results.jsonl"),
    "benchmarks.ppo_peer's JSON-lines output.",
)
TRAIN_STEPS = flags.DEFINE_string(
    "train_steps",
    os.path.join("benchmarks", "train_step_results.jsonl"),
    "benchmarks.train_step --out's JSON-lines output.",
)
PAGE = flags.DEFINE_string("page", os.path.join("docs", "atari.md"), "The page to write.")
CURVES = flags.DEFINE_bool(
    "curves",
    False,
    "Also draw docs/<pipeline>_curve.png from the first finished run of each entry point whose "
    "run directory (the record's root_dir) is on this machine, with the command the page shows.",
)
TARGETS = {"pong": 18.0, "breakout": 30.0, "spaceinvaders": 600.0}

GAMES = {"pong": "Pong", "breakout": "Breakout", "spaceinvaders": "Space Invaders"}
ALGORITHMS = {"dqn": "DQN", "ppo": "PPO", "a2c": "A2C", "impala": "IMPALA"}
# What the literature reports, with how it was evaluated (env steps = 4 frames).
LITERATURE = {
    "pong_dqn": "[Tianshou DQN](https://github.com/thu-ml/tianshou/tree/master/examples/atari): "
    "20.0 ± 0.6 at 1M env steps (+18 at ~0.9M; 10 test games at ε 0.005); Mnih et al. 2015: "
    "18.9 after 12.5M (ε 0.05)",
    "breakout_dqn": "[Tianshou DQN](https://github.com/thu-ml/tianshou/tree/master/examples/atari)"
    ": 41.7 ± 9 at 1M env steps (30 at ~0.7M; ε 0.005); Mnih et al. 2015: 401.2 after 12.5M "
    "(ε 0.05)",
    "spaceinvaders_dqn": "Mnih et al. 2015: 1,976 after 12.5M env steps (ε 0.05)",
    "pong_ppo": "[CleanRL ppo_atari](https://docs.cleanrl.dev/rl-algorithms/ppo/): 20.4 ± 0.2 "
    "after 10M env steps (training games, sampled policy); [Tianshou PPO]"
    "(https://github.com/thu-ml/tianshou/tree/master/examples/atari): 18.6 at 2.2M (10 test "
    "games, sampled)",
    "breakout_ppo": "[CleanRL ppo_atari](https://docs.cleanrl.dev/rl-algorithms/ppo/): 414.7 ± "
    "28.1 after 10M env steps (training games, sampled policy)",
    "pong_a2c": "[rl-baselines3-zoo A2C](https://github.com/DLR-RM/rl-baselines3-zoo/blob/"
    "master/benchmark.md): 17.3 ± 3.2 after 10M env steps (sampled policy)",
    "breakout_a2c": "[rl-baselines3-zoo A2C](https://github.com/DLR-RM/rl-baselines3-zoo/blob/"
    "master/benchmark.md): 279.8 ± 122.2 after 10M env steps (sampled policy)",
    "pong_impala": "none at this budget; the `fast` preset is close to A2C with 20-step V-trace "
    "returns (rl-baselines3-zoo A2C: 17.3 ± 3.2 after 10M)",
    "breakout_impala": "none at this budget; the `fast` preset is close to A2C with 20-step "
    "V-trace returns (rl-baselines3-zoo A2C: 279.8 ± 122.2 after 10M)",
}

HEADER = """# Atari results

Agents trained with this package's default commands on an ordinary CPU, each scored on fresh
whole games by `pipelines.evaluate` from its exported SavedModel alone. This page is made by
`python -m benchmarks.atari_report` from `benchmarks/atari_results.jsonl` (which
`python -m benchmarks.atari` writes), `benchmarks/profile_results.jsonl`
(`python -m benchmarks.profile --pipeline=...`) and `benchmarks/ppo_peer_results.jsonl`
(`python -m benchmarks.ppo_peer`).

## How to reproduce

```sh
python -m pipelines.pong_ppo --root_dir=runs/pong_ppo              # train: the default `fast` preset
python -m pipelines.evaluate --policy_dir=runs/pong_ppo/policies/greedy_policy --num_episodes=10
python -m benchmarks.atari --pipeline=pong_ppo --seeds=0,1         # both steps, timed, recorded
python -m benchmarks.atari --pipeline=breakout_impala --collectors=2 --seeds=0   # scaled out
python -m benchmarks.atari --pipeline=pong_ppo --random --games=20 # random play on the game
```

Every Atari entry point is `pipelines.<game>_<algorithm>`: games `pong`, `breakout` (and
`spaceinvaders` for DQN), algorithms `dqn`, `ppo`, `a2c`, `impala`.

## The `fast` presets

Each is a published low-compute recipe, set to end within about two hours on two cores:

- **DQN**: Tianshou's Atari DQN recipe (`examples/atari/atari_dqn.py`): double DQN with 3-step
  returns and a squared loss, Adam 1e-4, batch 32, a target network refreshed every 500 train
  steps, a 100k replay, 10 environments and one train step per 10 env steps; ε falls from 1 to
  0.05 over the first 1M env steps; 1.5M env steps at most. Evaluated at ε = 0.005, as
  Tianshou evaluates.
- **PPO**: CleanRL's `ppo_atari.py` (Schulman et al. 2017's Atari settings): 8 environments ×
  128 steps, 4 epochs of 4 minibatches, clip 0.1, Adam 2.5e-4 annealed to 0 over its 5M env
  steps.
- **A2C**: pytorch-a2c-ppo-acktr-gail's Atari A2C: 16 environments × 5 steps, RMSprop 7e-4
  with PyTorch's ε (outside the square root) annealed to 0 over its 10M env steps, entropy 0.01,
  value loss 0.5.
- **IMPALA**: A3C's update sizes on IMPALA's transport: actors of 16 environments × 20-step
  rollouts, batches of 4 rollouts, V-trace, A2C's RMSprop annealed over 10M env steps. One
  process, or a Reverb server, N actor processes and a learner (`pipelines.launch
  --collectors=N`).

The actor-critics use one Nature CNN torso under a policy head and a value head, and step their
training games in ale-py's C++ vector env; their evaluations and exports play the greedy
(most likely) action. Details: [REINFORCE, PPO, A2C and IMPALA](on_policy.md).

- **Evaluation** plays whole games (no end at a lost life) and reports the raw game score.
  During training, 10 games every `eval_interval` env steps (DQN 50k, PPO 200k, A2C and IMPALA
  250k); each game is cut at 27,000 agent steps (108k frames, the usual Atari limit). The 10
  games run as one batch; the table gives the share of each run's wall time its evaluations
  took.
- **Stopping**: training stops once an evaluation and a confirming one over other games (DQN
  10, played at ε 0.005; the greedy actor-critic policies 30) both reach the preset's threshold
  (Pong +19, Breakout 35), or at the preset's budget. Each record was made under the stop rule
  of its commit.
- **Milestones** below are the env steps of the first in-training evaluation at or above each
  score. Env steps do not depend on the machine; wall time depends on the CPU and on what else
  it runs.
"""

RESULTS_HEADER = """
## Results

Each run is the command shown, with `--config.seed=N`; the score column is the export alone on
10 fresh games.

| game | algorithm | command | seed | env steps (ended by) | wall time (evaluation's share) | CPU (cores) | env steps/s | env steps to a first evaluation ≥ score | score over 10 games (mean ± std) | random play | literature | commit |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


def _wall(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _milestones(record: Dict) -> str:
    return ", ".join(
        f"{score}: {f'{steps / 1e6:.2f}M' if steps is not None else 'never'}"
        for score, steps in record["milestones"].items()
    )


def _game(pipeline: str) -> str:
    return pipeline.rsplit("_", 1)[0]


def _algorithm(pipeline: str) -> str:
    return ALGORITHMS[pipeline.rsplit("_", 1)[1]]


def _command(record: Dict) -> str:
    """The record's command; older records (DQN's) ran the entry point with its preset."""
    if "command" in record:
        return f"`{record['command']}`"
    return f"`python -m pipelines.{record['pipeline']}` (`{record['preset']}`)"


def _random(randoms: Dict[str, Dict], pipeline: str) -> str:
    record = randoms.get(_game(pipeline))
    return f"{record['score_mean']:.1f}" if record else "not measured"


def row(record: Dict, randoms: Dict[str, Dict]) -> str:
    """One table row of a trained run's record."""
    cells = [
        GAMES[_game(record["pipeline"])],
        _algorithm(record["pipeline"]),
        _command(record),
        str(record["seed"]),
        f"{record['env_steps'] / 1e6:.2f}M ({record['ended_by']})",
        f"{_wall(record['wall_seconds'])} "
        f"({record['evaluation_seconds'] / record['wall_seconds']:.0%})",
        report.cpu_label(record),
        f"{record['env_steps_per_second']:,.0f}",
        _milestones(record),
        f"{record['score_mean']:.1f} ± {record['score_std']:.1f}",
        _random(randoms, record["pipeline"]),
        LITERATURE[record["pipeline"]],
        record.get("commit", "not recorded"),
    ]
    return "| " + " | ".join(cells) + " |"


def random_section(randoms: Dict[str, Dict]) -> str:
    if not randoms:
        return ""
    text = (
        "\n## Random play\n\nWhat an agent's score is read against: uniformly random actions "
        "on the same environment (whole games, raw score), `pipelines.evaluate --policy=random`."
        "\n\n| game | score (mean ± std) | games | mean length (agent steps) | command |\n"
        "| --- | --- | --- | --- | --- |\n"
    )
    for game, record in randoms.items():
        text += (
            f"| {GAMES[game]} | {record['score_mean']:.2f} ± {record['score_std']:.2f} | "
            f"{record['games']} | {record['mean_length']:,.0f} | `{record['command']}` |\n"
        )
    return text


def profile_section(profiles: List[Dict]) -> str:
    """The latest profile of each entry point: share of the main thread's wall time per phase."""
    latest = {record["pipeline"]: record for record in profiles if record.get("pipeline")}
    if not latest:
        return ""
    phases = sorted({phase for record in latest.values() for phase in record["shares"]})
    text = (
        "\n## Where the time goes\n\n"
        "`python -m benchmarks.profile --pipeline=<entry point> --seconds=60` samples the "
        "default command's main thread with py-spy once it has passed 30k env steps (evaluation "
        "off), idle samples included, and splits its wall time by phase. Waiting counts where "
        "it is waited for: ALE's C++ threads under the environments, TensorFlow's under the "
        "policy call and the train step.\n\n"
        "| phase | " + " | ".join(f"`{p}`" for p in latest) + " |\n"
        "| --- | " + " | ".join("---" for _ in latest) + " |\n"
    )
    for phase in phases:
        cells = [f"{record['shares'].get(phase, 0):.0%}" for record in latest.values()]
        text += f"| {phase} | " + " | ".join(cells) + " |\n"
    machines = sorted({f"{r['cpu']}, commit {r['commit']}" for r in latest.values()})
    return text + f"\nMeasured on: {'; '.join(machines)}.\n"


def peer_section(peers: List[Dict]) -> str:
    if not peers:
        return ""
    text = (
        "\n## PPO beside CleanRL's\n\n"
        "`python -m benchmarks.ppo_peer --cleanrl_dir=<a CleanRL checkout>` runs CleanRL's "
        "`ppo_atari.py` (torch, CPU, unchanged) and our PPO entry point with the same "
        "settings, in turns on the same machine, and measures env steps/s over the same window "
        "(after the first 16 iterations). Ours runs twice: its default command (ale-py's C++ "
        "vector env) and with `--config.env_backend=python` (a gymnasium wrapper stack per "
        "game stepped in turn, as CleanRL's `SyncVectorEnv`).\n\n"
        "| game | env steps | rounds | ours (vector env) | ours (python envs) | CleanRL | "
        "ours / CleanRL | CPU | commit |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    for record in peers:
        medians = record["median_env_steps_per_second"]
        text += (
            f"| {record['name'].rsplit('_', 1)[1].title()} | {record['env_steps']:,} | "
            f"{len(record['rounds']['cleanrl'])} | {medians['ours_ale_vector']:,.0f} | "
            f"{medians['ours_python']:,.0f} | {medians['cleanrl']:,.0f} | {record['ours_vs_cleanrl']:.2f}× | "
            f"{report.cpu_label(record)} | {record['commit']} |\n"
        )
    return text


def lever_section(levers: List[Dict], defaults: List[Dict]) -> str:
    """Runs of an entry point with --config changes (benchmarks.atari --overrides), beside the
    same entry point's default-command runs."""
    if not levers:
        return ""
    text = (
        "\n## Levers\n\n"
        "`python -m benchmarks.atari --pipeline=<entry point> --seeds=N "
        "--overrides=field=value,...` trains the default command with those config changes; "
        "each lever's runs are set beside the default command's runs of the same entry point. "
        "Env steps to a score do not depend on the machine; wall times and env steps/s do.\n\n"
        "| entry point | lever | seed | env steps (ended by) | wall time | env steps/s | "
        "env steps to a first evaluation ≥ score | score over 10 games | CPU (cores) | "
        "commit |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    pipelines = sorted({r["pipeline"] for r in levers})
    for record in [r for r in defaults if r["pipeline"] in pipelines] + levers:
        changes = record.get("overrides") or {}
        lever = " ".join(f"`{k}={v}`" for k, v in changes.items()) or "none (default command)"
        text += (
            f"| `{record['pipeline']}` | {lever} | {record['seed']} | "
            f"{record['env_steps'] / 1e6:.2f}M ({record['ended_by']}) | "
            f"{_wall(record['wall_seconds'])} | {record['env_steps_per_second']:,.0f} | "
            f"{_milestones(record)} | {record['score_mean']:.1f} ± {record['score_std']:.1f} | "
            f"{report.cpu_label(record)} | {record.get('commit', 'not recorded')} |\n"
        )
    return text


def _arithmetic_row(figures: Dict, record: Dict) -> str:
    return (
        f"| `{record['pipeline']}` {figures['preset']} | {figures['compute_dtype']} | "
        f"{figures['gflop_per_train_step']:.2f} | {figures['train_steps_per_second']:.1f} | "
        f"{figures['gflops']:.0f} | {figures['share_of_peak']:.0%} | "
        f"{report.cpu_label(record)}, {figures['peak_gflops_assumed']:.0f} GFLOP/s: "
        f"{figures['peak_basis']} | {record['commit']} |"
    )


def arithmetic_section(records: List[Dict]) -> str:
    """DQN's train step alone against the CPU's float32 peak, bfloat16 beside float32."""
    if not records:
        return ""
    text = (
        "\n## DQN's train step against the CPU's peak\n\n"
        "`python -m benchmarks.train_step --pipeline=pong_dqn --config.compute_dtype=bfloat16 "
        "--baseline=fast --seconds=60 --out=benchmarks/train_step_results.jsonl` times the "
        "compiled train step alone (no environment, no replay) in alternating rounds, bfloat16 "
        "then float32, and counts its floating-point operations with TensorFlow's profiler. "
        "A run does one train step every `update_period` env steps. The peak is the float32 FMA "
        "peak the benchmark works out from /proc/cpuinfo; a CPU with native bfloat16 "
        "(avx512_bf16 or amx_bf16 in `lscpu`) has twice that for bfloat16. Runs keep float32 "
        "unless `--config.compute_dtype=bfloat16` is given.\n\n"
        "| preset | compute | GFLOP per train step | train steps/s | GFLOP/s | of peak | "
        "CPU, peak assumed | commit |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
    )
    ratios = ""
    for record in records:
        text += _arithmetic_row(record, record) + "\n"
        if record.get("baseline"):
            text += _arithmetic_row(record["baseline"], record) + "\n"
            ratios += (
                f"\n`{record['pipeline']}` on {report.cpu_label(record)}: "
                f"{record['compute_dtype']} ran at "
                f"**{record['ratio']:.2f}×** the speed of {record['baseline']['compute_dtype']} "
                f"(round by round: {', '.join(f'{r:.2f}' for r in record['round_ratios'])}).\n"
            )
    return text + ratios


def curve_title(record: Dict) -> str:
    """Game, algorithm, preset and seed (and the collectors of a scaled-out run)."""
    title = f"{GAMES[_game(record['pipeline'])]}, {_algorithm(record['pipeline'])}"
    title += f", preset {record['preset']}, seed {record['seed']}"
    if record.get("collectors"):
        title += f", {record['collectors']} collectors"
    return title


def curve_command(record: Dict, randoms: Dict[str, Dict]) -> List[str]:
    """pipelines.plot's arguments for a run's curve: titled, with random play and the target."""
    game = _game(record["pipeline"])
    command = [
        "python",
        "-m",
        "pipelines.plot",
        f"--root_dir={record['root_dir']}",
        f"--out=docs/{record['pipeline']}_curve.png",
        f"--title={curve_title(record)}",
        f"--reference={TARGETS[game]:g}:target",
    ]
    if game in randoms:
        command.append(f"--reference={randoms[game]['score_mean']:g}:random play")
    return command


def _first_with_curve(records: List[Dict]) -> Dict[str, Dict]:
    first: Dict[str, Dict] = {}
    for record in records:
        if record.get("root_dir") and os.path.isdir(record["root_dir"]):
            first.setdefault(record["pipeline"], record)
    return first


def curves_section(records: List[Dict], randoms: Dict[str, Dict]) -> str:
    drawn = _first_with_curve(records)
    text = ""
    for pipeline in dict.fromkeys(r["pipeline"] for r in records):
        curve = os.path.join("docs", f"{pipeline}_curve.png")
        if not os.path.exists(curve):
            continue
        name = f"{GAMES[_game(pipeline)]}, {_algorithm(pipeline)}"
        text += f"\n### {name}\n\n![{name} learning curve]({os.path.basename(curve)})\n\n"
        if pipeline in drawn:
            # Shown with the run directory of the record's own command (runs/<entry point>).
            words = curve_command(drawn[pipeline], randoms)
            words[3] = f"--root_dir=runs/{pipeline}"
            text += shlex.join(words).join("``") + "\n"
        else:
            text += "Drawn by `pipelines.plot` from a run of an earlier session.\n"
        gif = os.path.join("docs", f"{_game(pipeline)}.gif")
        if pipeline.endswith("_dqn") and os.path.exists(gif):
            text += (
                f"\n![{name} agent]({os.path.basename(gif)})\n\nThe first 300 agent steps "
                f"of a game (a GIF stays under 1 MB): `python -m pipelines.evaluate "
                f"--policy_dir=runs/{pipeline}/policies/greedy_policy --num_episodes=1 "
                f"--max_episode_steps=300 --video={gif}`\n"
            )
    return "\n## Learning curves\n" + text if text else ""


def draw_curves(records: List[Dict], randoms: Dict[str, Dict]) -> None:
    import subprocess
    import sys

    for record in _first_with_curve(records).values():
        command = curve_command(record, randoms)
        subprocess.run([sys.executable] + command[1:], check=True)


def randoms_of(records: List[Dict]) -> Dict[str, Dict]:
    """game -> its latest random-play record."""
    return {r["name"].rsplit("_", 1)[0]: r for r in records if r.get("algorithm") == "random"}


def page(
    records: List[Dict], profiles: List[Dict], peers: List[Dict], train_steps: Sequence[Dict] = ()
) -> str:
    """The whole page."""
    randoms = randoms_of(records)
    runs = [r for r in records if r.get("algorithm") != "random"]
    levers = [r for r in runs if r.get("overrides")]
    trained = [r for r in runs if not r.get("overrides")]
    finished = [r for r in trained if r["ended_by"] != "stopped by hand"]
    partial = [r for r in trained if r["ended_by"] == "stopped by hand"]
    order = {name: i for i, name in enumerate(ALGORITHMS)}
    finished.sort(key=lambda r: (order[r["pipeline"].rsplit("_", 1)[1]], r["pipeline"]))
    text = HEADER + random_section(randoms) + RESULTS_HEADER
    text += "".join(row(record, randoms) + "\n" for record in finished)
    if partial:
        text += (
            "\nRuns stopped by hand before their stop rule or budget, then ended and scored "
            "as they stood:\n\n" + RESULTS_HEADER.split("\n\n", 2)[2]
        )
        text += "".join(row(record, randoms) + "\n" for record in partial)
    text += (
        "\nScores per game: "
        + "; ".join(
            f"{GAMES[_game(r['pipeline'])]} {_algorithm(r['pipeline'])} seed {r['seed']}: "
            + ", ".join(f"{score:g}" for score in r["scores"])
            for r in finished + partial
        )
        + ".\n"
    )
    return (
        text
        + lever_section(levers, finished)
        + profile_section(profiles)
        + arithmetic_section(list(train_steps))
        + peer_section(peers)
        + curves_section(finished, randoms)
    )


def _read(path: str) -> List[Dict]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(_argv) -> None:
    records = _read(RESULTS.value)
    if CURVES.value:
        finished = [r for r in records if r.get("algorithm") != "random" and not r.get("overrides")]
        draw_curves(
            [r for r in finished if r["ended_by"] != "stopped by hand"], randoms_of(records)
        )
    os.makedirs(os.path.dirname(os.path.abspath(PAGE.value)), exist_ok=True)
    with open(PAGE.value, "w") as f:
        f.write(page(records, _read(PROFILES.value), _read(PEERS.value), _read(TRAIN_STEPS.value)))
    print(f"wrote {PAGE.value} ({len(records)} records)")


if __name__ == "__main__":
    app.run(main)
