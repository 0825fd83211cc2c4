"""benchmarks.atari scores a finished run as the results page reports it, and atari_report
turns its records into docs/atari.md."""

import dataclasses
import json
import os
import subprocess
import sys

from benchmarks import atari, atari_report, processes
from pipelines.common import cli
from pipelines.dqn import config as dqn_config

sys.path.insert(0, os.path.join(processes.REPO, "tests", "pipelines"))
import pipeline_cli  # noqa: E402


def test_a_finished_pong_run_is_scored_recorded_and_reported(tmp_path):
    root_dir = str(tmp_path / "pong")
    run = pipeline_cli.run("pong_dqn", root_dir, pipeline_cli.ATARI, timeout=300)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "results.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.atari",
            "--pipeline=pong_dqn",
            f"--from_run={root_dir}",
            "--games=2",
            f"--out={out}",
        ],
        cwd=processes.REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text().splitlines()[-1])
    assert record == json.loads(done.stdout.strip().splitlines()[-1])
    summary = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    assert record["env_steps"] == summary["env_steps"]
    assert record["preset"] == "custom"  # the tiny runs' overrides change the preset
    assert record["ended_by"] == "budget"
    assert record["games"] == 2 and len(record["scores"]) == 2
    assert record["eval_epsilon"] == 0.005  # the fast preset's, from config.json
    assert -21 <= record["score_mean"] <= 21
    assert set(record["milestones"]) == {"0", "18"} and record["milestones"]["18"] is None
    # Its evaluations took some of its wall time, not all of it.
    assert 0 < record["evaluation_seconds"] < record["wall_seconds"]

    page = atari_report.page([record])
    assert atari_report.row(record) in page and "| Pong | `custom` | 0 |" in page


def test_preset_of_names_the_preset_a_config_holds():
    nature = cli.choose_preset(dqn_config.presets("breakout_dqn"), "nature2015")
    config = json.loads(json.dumps(dataclasses.asdict(nature)))
    assert atari.preset_of("breakout_dqn", dict(config, seed=7)) == "nature2015"
    assert atari.preset_of("breakout_dqn", dict(config, learning_rate=1e-3)) == "custom"
    del config["preset"]  # a run older than presets: told apart by its settings alone
    assert atari.preset_of("breakout_dqn", config) == "nature2015"
