"""benchmarks.atari scores a finished run as the results page reports it, and atari_report
turns its records into docs/atari.md."""

import dataclasses
import json
import os
import subprocess
import sys

from benchmarks import atari, atari_report, processes
from pipelines.common import config_flag
from pipelines.dqn import presets as dqn_presets

sys.path.insert(0, os.path.join(processes.REPO, "tests", "pipelines"))
import pipeline_cli  # noqa: E402


def _run_benchmark(*args: str) -> subprocess.CompletedProcess:
    """python -m benchmarks.atari with args, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.atari", *args],
        cwd=processes.REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _benchmark(*args: str) -> subprocess.CompletedProcess:
    """_run_benchmark, which must succeed."""
    done = _run_benchmark(*args)
    assert done.returncode == 0, done.stderr
    return done


def test_a_finished_pong_run_is_scored_recorded_and_reported(tmp_path):
    root_dir = str(tmp_path / "pong")
    run = pipeline_cli.run("pong_dqn", root_dir, pipeline_cli.ATARI, timeout=300)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "results.jsonl"
    done = _benchmark("--pipeline=pong_dqn", f"--from_run={root_dir}", "--games=2", f"--out={out}")
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

    assert record["algorithm"] == "DQN" and record["commit"]
    # The tiny run's --config changes are a lever: named, in the command, and reported apart.
    assert record["overrides"] and set(record["overrides"]) <= set(pipeline_cli.ATARI)
    assert record["command"].startswith(
        "python -m pipelines.pong_dqn --root_dir=runs/pong_dqn --config."
    )
    page = atari_report.page([record], [], [])
    assert "## Levers" in page and atari_report.row(record, {}) not in page
    plain = dict(record, overrides={})
    page = atari_report.page([plain], [], [])
    assert atari_report.row(plain, {}) in page and "## Levers" not in page
    assert "| Pong | DQN | `python -m pipelines.pong_dqn" in page


def test_a_lever_is_the_config_a_run_changed_against_its_preset():
    preset = config_flag.choose_preset(dqn_presets.presets("pong_dqn"), "fast")
    config = json.loads(json.dumps(dataclasses.asdict(preset)))  # as config.json holds it
    config.update(seed=3, num_env_steps=2_000_000, epsilon_decay_steps=250_000, dueling=True)
    assert atari.overrides_of("pong_dqn", config) == {
        "dueling": "true",
        "epsilon_decay_steps": "250000",
    }
    assert atari.parse_overrides(["epsilon_decay_steps=250000", "n_step = 1"]) == {
        "epsilon_decay_steps": "250000",
        "n_step": "1",
    }


def test_a_lever_is_reported_beside_the_default_command_s_runs():
    def run(seed, overrides, milestones):
        return {
            "pipeline": "pong_dqn", "seed": seed, "overrides": overrides, "env_steps": 950_000,
            "ended_by": "stop rule", "wall_seconds": 3300.0, "env_steps_per_second": 287.9,
            "milestones": milestones, "score_mean": 19.9, "score_std": 0.3, "cpu": "AMD EPYC",
            "cores": 2, "commit": "abc1234",
        }  # fmt: skip

    default = run(1, {}, {"0": 800_030, "18": 900_024})
    lever = run(0, {"epsilon_decay_steps": "250000"}, {"0": 400_000, "18": 500_000})
    text = atari_report.lever_section([lever], [default])
    assert "| `pong_dqn` | none (default command) | 1 | 0.95M (stop rule) | 0 h 55 min |" in text
    assert "| `pong_dqn` | `epsilon_decay_steps=250000` | 0 |" in text
    assert "0: 0.40M, 18: 0.50M | 19.9 ± 0.3 | AMD EPYC (2) | abc1234 |" in text


def test_a_run_that_refuses_to_start_ends_the_benchmark_in_one_line(tmp_path):
    """The entry point's own one-line error, not a traceback, and nothing recorded."""
    (tmp_path / "pong_dqn-default-seed0").write_text("a file where the run's folder would go")
    out = tmp_path / "results.jsonl"
    done = _run_benchmark(f"--work_dir={tmp_path}", f"--out={out}")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: the run exited 2: error: ") and "root_dir" in line, line
    assert not out.exists()


def test_random_play_is_recorded_and_set_beside_each_run(tmp_path):
    out = tmp_path / "results.jsonl"
    _benchmark("--pipeline=pong_a2c", "--random", "--games=2", f"--out={out}")
    random = json.loads(out.read_text().splitlines()[-1])
    assert random["algorithm"] == "random" and random["game"] == "Pong"
    assert random["games"] == 2 and -21 <= random["score_mean"] <= -15
    run = {
        "pipeline": "pong_ppo",
        "command": "python -m pipelines.pong_ppo --root_dir=runs/pong_ppo",
        "seed": 0,
        "env_steps": 2_000_000,
        "ended_by": "stop rule",
        "wall_seconds": 3600.0,
        "evaluation_seconds": 360.0,
        "cpu": "a CPU",
        "cores": 2,
        "env_steps_per_second": 555.5,
        "milestones": {"0": 1_000_000, "18": 2_000_000},
        "score_mean": 19.5,
        "score_std": 1.0,
        "scores": [19.0, 20.0],
        "commit": "abc1234",
    }
    profile = {
        "pipeline": "pong_ppo",
        "shares": {"train": 0.5, "environments": 0.5},
        "cpu": "a CPU",
        "commit": "abc1234",
    }
    page = atari_report.page([random, run], [profile], [])
    assert "| Pong | PPO | `python -m pipelines.pong_ppo --root_dir=runs/pong_ppo` | 0 |" in page
    assert f"| {random['score_mean']:.1f} | [CleanRL" in page  # random play beside the run
    assert "## Random play" in page and "| train | 50% |" in page


def test_preset_of_names_the_preset_a_config_holds():
    nature = config_flag.choose_preset(dqn_presets.presets("breakout_dqn"), "nature2015")
    config = json.loads(json.dumps(dataclasses.asdict(nature)))
    assert atari.preset_of("breakout_dqn", dict(config, seed=7)) == "nature2015"
    assert atari.preset_of("breakout_dqn", dict(config, learning_rate=1e-3)) == "custom"
    del config["preset"]  # a run older than presets: told apart by its settings alone
    assert atari.preset_of("breakout_dqn", config) == "nature2015"


def test_a_curve_is_titled_and_drawn_with_the_target_and_random_play():
    record = {"pipeline": "breakout_impala", "preset": "fast", "seed": 1, "collectors": 2}
    record["root_dir"] = "/somewhere/breakout_impala-x2-default-seed1"
    words = atari_report.curve_command(record, {"breakout": {"score_mean": 1.25}})
    assert "--title=Breakout, IMPALA, preset fast, seed 1, 2 collectors" in words
    assert "--reference=30:target" in words and "--reference=1.25:random play" in words
    assert f"--root_dir={record['root_dir']}" in words


def test_the_train_step_arithmetic_sets_bfloat16_beside_float32():
    def figures(dtype, per_second):
        return {
            "preset": "fast", "compute_dtype": dtype, "gflop_per_train_step": 3.27,
            "train_steps_per_second": per_second, "gflops": 3.27 * per_second,
            "share_of_peak": 3.27 * per_second / 156.5, "peak_gflops_assumed": 156.5,
            "peak_basis": "2 cores x 2.45 GHz x 32 FLOP/cycle (AVX2+FMA: two 8-lane FMA pipes)",
        }  # fmt: skip

    record = dict(
        figures("bfloat16", 1.4), pipeline="pong_dqn", baseline=figures("float32", 6.4),
        ratio=0.219, round_ratios=[0.22, 0.218], cpu="AMD EPYC", cores=2, commit="abc1234",
    )  # fmt: skip
    text = atari_report.page([], [], [], [record])
    assert "## DQN's train step against the CPU's peak" in text
    assert "| `pong_dqn` fast | float32 | 3.27 | 6.4 | 21 | 13% | AMD EPYC (2), 156 GFLOP/s" in text
    assert "| `pong_dqn` fast | bfloat16 | 3.27 | 1.4 | 5 | 3% |" in text
    assert "bfloat16 ran at **0.22×** the speed of float32 (round by round: 0.22, 0.22)" in text
