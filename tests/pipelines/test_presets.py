"""--preset=NAME: listed in --help, chosen, overridden with --config, recorded, and guarded on
resume; unknown names and --config.preset refused."""
import os
import subprocess

import pytest

import pipeline_cli
from pipelines.common import cli
from pipelines.dqn import config as dqn_config

ATARI = pipeline_cli.ATARI


def _help(pipeline: str) -> str:
    done = subprocess.run([pipeline_cli.PYTHON, "-m", f"pipelines.{pipeline}", "--help"],
                          cwd=pipeline_cli.REPO, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr  # absl's --help exits with status 1
    return done.stdout


@pytest.mark.parametrize("pipeline, names", [
    ("pong_dqn", ["fast", "nature2015"]), ("breakout_dqn", ["fast", "nature2015"]),
    ("cartpole_dqn", ["fast"]), ("cartpole_reinforce", ["fast"]),
    ("breakout_ppo", ["schulman2017"])])
def test_help_lists_the_presets_with_their_provenance(pipeline, names):
    text = " ".join(_help(pipeline).split())  # absl wraps the help text
    assert f"--preset: <{'|'.join(names)}>" in text
    assert f"(default: '{names[0]}')" in text
    if "nature2015" in names:
        assert "nature2015: Mnih et al. 2015" in text and "fast: Tianshou's" in text
    assert "--root_dir" in text and "--config" in text


def test_the_default_atari_preset_is_the_fast_one():
    for pipeline in dqn_config.ATARI_GAMES:
        table = dqn_config.presets(pipeline)
        assert list(table) == ["fast", "nature2015"]
        fast, nature = (cli.choose_preset(table, name) for name in table)
        assert (fast.preset, nature.preset) == ("fast", "nature2015")
        assert fast.update_period > nature.update_period  # the fast one trains less per env step
        assert fast.env_id == nature.env_id == dqn_config.ATARI_GAMES[pipeline]


def test_a_chosen_preset_with_overrides_is_run_and_recorded(finished_run):
    run = finished_run("breakout_nature2015")
    assert run.result.returncode == 0, run.result.stderr
    nature = {"breakout_dqn": lambda: cli.choose_preset(dqn_config.presets("breakout_dqn"),
                                                        "nature2015")}
    config = pipeline_cli.read_json(os.path.join(run.root_dir, "config.json"))
    assert config == pipeline_cli.expected_config("breakout_dqn", ATARI, nature)
    assert config["preset"] == "nature2015" and config["optimizer"] == "rmsprop"
    assert config["num_env_steps"] == ATARI["num_env_steps"]  # the override, over the preset's
    summary = pipeline_cli.read_json(os.path.join(run.root_dir, "summary.json"))
    assert summary["preset"] == "nature2015"

    default = pipeline_cli.read_json(os.path.join(finished_run("breakout_dqn").root_dir,
                                                  "summary.json"))
    assert default["preset"] == "fast"


def test_resume_with_another_preset_is_refused(finished_run, tmp_path):
    root_dir = pipeline_cli.copy_run(finished_run("breakout_nature2015").root_dir, tmp_path / "r")
    before = pipeline_cli.snapshot(root_dir)
    result = pipeline_cli.run("breakout_dqn", root_dir, dict(ATARI, num_env_steps=400))
    assert pipeline_cli.error_line(result) == (
        "error: --root_dir holds a run of preset 'nature2015', not 'fast'; resume it with its "
        "own --preset or use another --root_dir")
    assert pipeline_cli.snapshot(root_dir) == before


@pytest.mark.parametrize("extra, overrides, message", [
    (["--preset=natur2015"], {}, "error: flag --preset=natur2015: value should be one of "
                                 "<fast|nature2015>"),
    ([], {"preset": "nature2015"}, "error: choose settings with --preset=NAME; config.preset "
                                   "only records it"),
], ids=["unknown_preset", "config_preset"])
def test_bad_preset_is_refused_before_any_work(tmp_path, extra, overrides, message):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run("pong_dqn", str(root_dir), dict(ATARI, **overrides), *extra,
                              timeout=60)
    assert pipeline_cli.error_line(result) == message
    assert not root_dir.exists()
