"""PPO training throughput on Atari: our PPO entry point against CleanRL's ppo_atari.py (torch,
CPU), same learning rule, same machine, one run: env steps/s of each over the same window.

    python -m benchmarks.ppo_peer --cleanrl_dir=/path/to/cleanrl [--game=breakout] \\
        [--num_env_steps=60000] [--rounds=2] [--out=benchmarks/ppo_peer_results.jsonl]

Both run Schulman et al. (2017)'s Atari PPO as CleanRL sets it (8 envs x 128 steps, 4 epochs
of 4 minibatches of 256, the Nature CNN with one torso under both heads), for num_env_steps,
measured from window_start on (after the first updates, which compile or warm up). Ours runs
twice per round: its default command (the `fast` preset: ale-py's C++ vector env) and with
config.env_backend=python (one gymnasium wrapper stack per game, stepped in turn in the main
thread, as CleanRL's SyncVectorEnv does). The three commands take turns, `rounds` times; each
figure is the median of its rounds. CleanRL runs in the bench venv (`make bench` makes it) via
benchmarks/peers/cleanrl_ppo.py; its code stays in your checkout of it. One JSON line, on
stdout and appended to --out.
"""

import json
import os
import statistics

from absl import app, flags

from benchmarks import report, throughput

GAMES = {"breakout": "breakout_ppo", "pong": "pong_ppo"}
CLEANRL_DIR = flags.DEFINE_string("cleanrl_dir", None, "A checkout of CleanRL.", required=True)
GAME = flags.DEFINE_enum("game", "breakout", list(GAMES), "Which game.")
NUM_ENV_STEPS = flags.DEFINE_integer("num_env_steps", 60_000, "Env steps of each run.")
WINDOW_START = flags.DEFINE_integer(
    "window_start", 16_384, "Env steps before the measured window (16 iterations)."
)
ROUNDS = flags.DEFINE_integer("rounds", 2, "Turns of the three commands.", lower_bound=1)
OUT = flags.DEFINE_string(
    "out", os.path.join("benchmarks", "ppo_peer_results.jsonl"), "JSON-lines file to append to."
)


def main(_argv) -> None:
    run = (GAMES[GAME.value], NUM_ENV_STEPS.value, WINDOW_START.value)
    rates = throughput.ppo_peer_rounds(*run, os.path.abspath(CLEANRL_DIR.value), ROUNDS.value)
    medians = {name: statistics.median(values) for name, values in rates.items()}
    result = {
        "name": f"ppo_peer_{GAME.value}",
        "env_steps": NUM_ENV_STEPS.value,
        "window_start": WINDOW_START.value,
        "rounds": rates,
        "median_env_steps_per_second": medians,
        "ours_vs_cleanrl": round(medians["ours_ale_vector"] / medians["cleanrl"], 2),
        "ours_python_backend_vs_cleanrl": round(medians["ours_python"] / medians["cleanrl"], 2),
        "cpu": report.machine()["cpu"],
        "cpu_features": report.cpu_features(),
        "cores": os.cpu_count(),
        "commit": report.commit(),
    }
    line = json.dumps(result)
    print(line, flush=True)
    with open(OUT.value, "a") as out:
        out.write(line + "\n")


if __name__ == "__main__":
    app.run(main)
