"""The train-step ceiling benchmark runs a preset's real compiled train step."""
import json
import subprocess
import sys

import pytest

from benchmarks import processes


def test_train_step_ceiling_is_update_period_times_the_train_step_rate():
    done = subprocess.run([sys.executable, "-m", "benchmarks.train_step", "--preset=cartpole",
                           "--seconds=1"], cwd=processes.REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["name"] == "train_step_cartpole" and record["steps"] > 0
    assert record["batch_size"] == 128 and record["update_period"] == 10  # the preset's
    assert record["env_steps_per_second_ceiling"] == pytest.approx(
        record["train_steps_per_second"] * record["update_period"], abs=1.0)
