"""Where our training time goes: py-spy (from the bench venv) samples a training run after its
warm-up, and the samples are split by phase of the loop.

    .venv/bin/python -m benchmarks.profile --game=breakout --num_env_steps=5000 --seconds=40
    .venv/bin/python -m benchmarks.profile --pipeline=pong_ppo --seconds=60

With --game, runs the DQN entry point with the settings of benchmarks.throughput; with
--pipeline, that entry point's default command with evaluation off, sampled once it has passed
--window_start env steps. Records `--seconds` of samples of the main thread (idle ones too) and
prints the share of its wall time per phase (one JSON line). TensorFlow's own threads are not
Python: they show as the Python call that waits for them (the compiled train step, the policy
call), and ALE's C++ threads as the environment's step that waits for them.
"""

import collections
import os
import subprocess
import tempfile
import time

from absl import app, flags

from benchmarks import processes, report, throughput

GAME = flags.DEFINE_enum("game", "breakout", list(throughput.GAMES), "Which throughput run.")
PIPELINE = flags.DEFINE_string(
    "pipeline", None, "Instead of --game: an entry point, run with its default preset."
)
WINDOW_START = flags.DEFINE_integer(
    "window_start", 30_000, "With --pipeline: env steps before sampling starts."
)
NUM_ENV_STEPS = flags.DEFINE_integer(
    "num_env_steps", 6000, "Env steps of the run (with --pipeline: 10M, ended by the sampling)."
)
SECONDS = flags.DEFINE_float("seconds", 30.0, "Seconds of samples, taken after the warm-up.")
KEEP = flags.DEFINE_string("keep", None, "Also write py-spy's raw samples to this file.")
OUT = flags.DEFINE_string(
    "out", None, "Also append the JSON line to this file (benchmarks/profile_results.jsonl)."
)
PY_SPY = os.path.join(processes.PEER_VENV, "bin", "py-spy")

MAIN_THREAD = "_run_module_as_main"  # the outermost frame of `python -m` (the loop's thread)
# Phase -> what in a sampled stack marks it (the first phase whose marker is in the stack wins).
PHASES = [
    # TF-Agents' Learner (DQN), IMPALA's learner step, PPO's and A2C's update of a rollout.
    (
        "train: compiled train steps",
        ("learner.py", "Learner.step (pipelines/impala", "learn (pipelines/ppo/train.py"),
    ),
    ("replay writer (Reverb)", ("FrameReplayWriter", "reverb", "rollout_queue")),
    ("collect: policy call", ("py_tf_eager_policy.py", "epsilon_greedy", "policy_step")),
    ("collect: environments", ("batched_py_environment.py", "/envs/", "gymnasium", "ale_py")),
    ("collect: actor bookkeeping", ("actor.py", "py_metrics.py", "environments.py")),
    ("summaries, progress, checkpoints", ("summary", "progress.py", "checkpoint")),
]


def phase_of(stack: str) -> str:
    for phase, markers in PHASES:
        if any(marker in stack for marker in markers):
            return phase
    return "other"


def shares(raw: str) -> dict:
    """Share of the main thread's wall time per phase, from py-spy's raw output with idle
    samples (`frame;frame;... count` lines): time waiting for TensorFlow counts too."""
    counts = collections.Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.startswith(MAIN_THREAD) and count.isdigit():
            counts[phase_of(stack)] += int(count)
    total = sum(counts.values())
    return (
        {phase: round(count / total, 3) for phase, count in counts.most_common()} if total else {}
    )


def main(_):
    with tempfile.TemporaryDirectory() as work:
        root_dir = os.path.join(work, "run")
        if PIPELINE.value:
            command = [
                processes.OURS_PYTHON,
                "-m",
                f"pipelines.{PIPELINE.value}",
                f"--root_dir={root_dir}",
                "--config.eval_interval=0",
                "--config.num_env_steps=10000000",
            ]
            start, name = WINDOW_START.value, PIPELINE.value
        else:
            overrides = throughput.ours_overrides(GAME.value, NUM_ENV_STEPS.value)
            command = throughput.ours_command(GAME.value, root_dir, overrides)
            start, name = throughput.window_start(GAME.value), GAME.value
        run = subprocess.Popen(
            command, cwd=processes.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while run.poll() is None and not _past(root_dir, start):
                time.sleep(2)
            if run.poll() is not None:
                raise SystemExit("the run ended before the warm-up was over: raise --num_env_steps")
            samples = os.path.join(work, "samples.txt")
            subprocess.run(
                [
                    PY_SPY,
                    "record",
                    "--pid",
                    str(run.pid),
                    "--duration",
                    str(int(SECONDS.value)),
                    "--rate",
                    "100",
                    "--format",
                    "raw",
                    "--output",
                    samples,
                    "--nonblocking",
                    "--idle",
                ],
                check=True,
                capture_output=True,
            )
            with open(samples) as f:
                raw = f.read()
            if KEEP.value:
                report.write_text(KEEP.value, raw)
        finally:
            run.kill()
            run.wait()
    line = report.json_line(
        {
            "name": f"profile_{name}",
            "pipeline": PIPELINE.value,
            "seconds": SECONDS.value,
            "shares": shares(raw),
            "cpu": report.machine()["cpu"],
            "cpu_features": report.cpu_features(),
            "commit": report.commit(),
        }
    )
    print(line)
    if OUT.value:
        with open(OUT.value, "a") as out:
            out.write(line + "\n")


def _past(root_dir: str, step: int) -> bool:
    """Whether the run's summaries have reached `step` (its warm-up and first train steps)."""
    if not os.path.isdir(os.path.join(root_dir, "train")):
        return False
    try:
        times = throughput.summary_times(os.path.join(root_dir, "train"))
    except Exception:  # an event file caught mid-write: look again later
        return False
    return bool(times) and times[-1][0] >= step


if __name__ == "__main__":
    app.run(main)
