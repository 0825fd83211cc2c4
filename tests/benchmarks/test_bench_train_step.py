"""The train-step ceiling benchmark runs a preset's real compiled train step, alone or in
alternating rounds against a baseline preset."""

import json
import subprocess
import sys

import pytest

from benchmarks import processes

FIGURES = {
    "preset",
    "train_steps_per_second",
    "env_steps_per_second_ceiling",
    "optimizer",
    "double_dqn",
    "n_step",
    "batch_size",
    "update_period",
    "space_to_depth",
    "steps",
    "gflop_per_train_step",
    "gflops",
    "share_of_peak",
    "peak_gflops_assumed",
    "peak_basis",
    "compute_dtype",
}
# The cartpole preset's Q network, 4 -> 120 -> 84 -> 2: multiply-adds per observation, x2.
CARTPOLE_FORWARD_FLOP = 2 * (4 * 120 + 120 * 84 + 84 * 2)


def train_step(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.train_step", *args],
        cwd=processes.REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_train_step_ceiling_is_update_period_times_the_train_step_rate():
    done = train_step("--pipeline=cartpole_dqn", "--seconds=1")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert FIGURES <= set(record) and "baseline" not in record
    assert record["name"] == "train_step_cartpole_dqn" and record["pipeline"] == "cartpole_dqn"
    assert record["preset"] == "fast" and record["steps"] > 0  # the pipeline's default preset
    assert record["batch_size"] == 128 and record["update_period"] == 10  # the preset's
    assert record["env_steps_per_second_ceiling"] == pytest.approx(
        record["train_steps_per_second"] * record["update_period"], abs=1.0
    )
    assert record["overrides"] == {}
    # A double-DQN step: the online network on both ends of the batch, the target network on the
    # last, and the backward pass (about twice a forward one) on the first.
    flop = record["gflop_per_train_step"] * 1e9
    assert 3 * 128 * CARTPOLE_FORWARD_FLOP <= flop <= 8 * 128 * CARTPOLE_FORWARD_FLOP
    assert 0 < record["share_of_peak"] < 1 and "FLOP/cycle" in record["peak_basis"]
    assert record["gflops"] == pytest.approx(
        record["train_steps_per_second"] * record["gflop_per_train_step"], rel=0.05
    )


def test_bfloat16_is_timed_beside_float32():
    done = train_step(
        "--pipeline=cartpole_dqn",
        "--config.compute_dtype=bfloat16",
        "--baseline=fast",
        "--seconds=1",
        "--rounds=1",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["compute_dtype"] == "bfloat16"
    assert record["baseline"]["compute_dtype"] == "float32"
    assert record["steps"] > 0 and record["baseline"]["steps"] > 0


def test_baseline_is_the_preset_as_it_stands_and_the_ratio_compares_the_two():
    done = train_step(
        "--pipeline=cartpole_dqn",
        "--config.batch_size=32",
        "--baseline=fast",
        "--seconds=1",
        "--rounds=2",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    baseline = record["baseline"]
    assert FIGURES <= set(record) and FIGURES <= set(baseline)
    assert record["overrides"] == {"batch_size": 32}
    assert record["batch_size"] == 32 and baseline["batch_size"] == 128  # overrides: ours only
    assert record["steps"] > 0 and baseline["steps"] > 0 and len(record["round_ratios"]) == 2
    assert record["ratio"] == pytest.approx(
        record["train_steps_per_second"] / baseline["train_steps_per_second"], rel=0.01
    )


def test_an_unknown_baseline_fails_in_one_line_naming_the_choices():
    done = train_step("--pipeline=breakout_dqn", "--baseline=nature2013")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: unknown --baseline 'nature2013' for breakout_dqn; choose from fast, nature2015, "
        "homl2019"
    )
