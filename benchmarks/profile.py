"""Where our training time goes: py-spy (from the bench venv) samples a throughput run after its
warm-up, and the samples are split by phase of the loop.

    .venv/bin/python -m benchmarks.profile --game=breakout --num_env_steps=5000 --seconds=40

Runs the entry point with the settings of benchmarks.throughput, waits until the warm-up is
over, records `--seconds` of samples of the main thread (idle ones too) and prints the share of
its wall time per phase (one JSON line). TensorFlow's own threads are not Python: they show as
the Python call that waits for them (the compiled train step, the policy call).
"""

import collections
import os
import subprocess
import tempfile
import time

from absl import app, flags

from benchmarks import processes, report, throughput

GAME = flags.DEFINE_enum("game", "breakout", list(throughput.GAMES), "Which throughput run.")
NUM_ENV_STEPS = flags.DEFINE_integer("num_env_steps", 6000, "Env steps of the run.")
SECONDS = flags.DEFINE_float("seconds", 30.0, "Seconds of samples, taken after the warm-up.")
KEEP = flags.DEFINE_string("keep", None, "Also write py-spy's raw samples to this file.")
PY_SPY = os.path.join(processes.PEER_VENV, "bin", "py-spy")

MAIN_THREAD = "_run_module_as_main"  # the outermost frame of `python -m` (the loop's thread)
# Phase -> what in a sampled stack marks it (the first phase whose marker is in the stack wins).
PHASES = [
    ("train: compiled train steps (Learner.run)", ("learner.py",)),
    ("replay writer (Reverb)", ("FrameReplayWriter", "reverb")),
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
        overrides = throughput.ours_overrides(GAME.value, NUM_ENV_STEPS.value)
        run = subprocess.Popen(
            throughput.ours_command(GAME.value, root_dir, overrides),
            cwd=processes.REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            start = throughput.window_start(GAME.value)
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
    print(
        report.json_line(
            {"name": f"profile_{GAME.value}", "seconds": SECONDS.value, "shares": shares(raw)}
        )
    )


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
