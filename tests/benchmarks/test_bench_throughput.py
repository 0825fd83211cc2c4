"""Throughput windows (ours from summaries, TF-Agents' from its log), one real tiny run of our
entry point measured as the suite measures it, and the runner's refusals."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import processes, throughput


def test_rate_in_window_starts_at_the_first_summary_past_the_warm_up():
    times = [(500, 100.0), (1030, 101.0), (1560, 110.0), (2090, 111.0), (2620, 112.0)]
    rate, first, last = throughput.rate_in_window(times, start_step=1500)
    assert (first, last) == (1560, 2620)
    assert rate == pytest.approx(1060 / 2.0)
    with pytest.raises(processes.BenchmarkError):
        throughput.rate_in_window(times, start_step=2600)


def test_tf_agents_window_rate_is_the_harmonic_mean_of_the_intervals_in_the_window():
    log = "\n".join(
        [
            "I1122 Doing initial collect.",
            "I1122 triggers.py:230] Step: 100, 20.000 steps/sec",  # tracing: outside the window
            "I1122 triggers.py:230] Step: 200, 50.000 steps/sec",
            "I1122 triggers.py:230] Step: 300, 100.000 steps/sec",
            "I1122 triggers.py:230] Step: 400, 100.000 steps/sec",
        ]
    )
    rate, steps = throughput.tf_agents_window_rate(log, start_train_step=100)
    assert steps == 300
    assert rate == pytest.approx(3 / (1 / 50 + 1 / 100 + 1 / 100))
    with pytest.raises(processes.BenchmarkError):
        throughput.tf_agents_window_rate("Step: 100, 5.0 steps/sec", start_train_step=0)


def test_ours_command_is_the_entry_point_with_the_shared_settings(tmp_path):
    overrides = throughput.ours_overrides("breakout", 5000)
    command = throughput.ours_command("breakout", str(tmp_path), overrides)
    assert command[1:5] == [
        "-m",
        "pipelines.breakout_dqn",
        f"--root_dir={tmp_path}",
        "--preset=nature2015",
    ]  # the settings SB3 runs with
    assert "--config.eval_interval=0" in command
    assert "--config.checkpoint_replay=false" in command
    assert "--config.num_env_steps=5000" in command
    assert throughput.window_start("breakout") == 2500


def test_a_tiny_real_cartpole_run_is_measured_over_its_training_window(tmp_path):
    result = throughput.ours_rate(
        "cartpole",
        str(tmp_path / "run"),
        num_env_steps=1600,
        extra={
            "initial_collect_steps": 200,
            "summary_interval": 100,
            "replay_capacity": 2000,
            "num_parallel_envs": 2,
            "batch_size": 16,
        },
        timeout=300,
    )
    first, last = result["window"]
    with open(tmp_path / "run" / "summary.json") as f:
        env_steps = json.load(f)["env_steps"]
    assert 1200 <= first < last == env_steps  # the window ends with the run
    assert result["env_steps_per_second"] > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--only=cartpole_speed"], "error: unknown measurement 'cartpole_speed'; choose from"),
        (["--peer_python=/nonexistent/python"], "error: no bench venv at /nonexistent/python"),
    ],
)
def test_runner_refuses_bad_input_in_one_line_before_any_work(args, message, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", f"--out_dir={tmp_path}"] + args,
        cwd=processes.REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert os.listdir(tmp_path) == []
