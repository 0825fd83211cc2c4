"""--preset=NAME: listed in --help, chosen, overridden with --config, recorded, and guarded on
resume; unknown names and --config.preset refused."""

import os
import subprocess

import pipeline_cli
import pytest

from pipelines import registry
from pipelines.common import config_flag
from pipelines.dqn import presets as dqn_presets

ATARI = pipeline_cli.ATARI


def _help(pipeline: str) -> str:
    done = subprocess.run(
        [pipeline_cli.PYTHON, "-m", f"pipelines.{pipeline}", "--help"],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr  # absl's --help exits with status 1
    return done.stdout


@pytest.mark.parametrize(
    "pipeline, names",
    [
        ("pong_dqn", ["fast", "nature2015"]),
        ("breakout_dqn", ["fast", "nature2015", "homl2019"]),
        ("cartpole_dqn", ["fast", "homl2019", "lab_report"]),
        ("cartpole_reinforce", ["fast", "homl2019"]),
        ("breakout_ppo", ["fast", "schulman2017"]),
        ("pong_a2c", ["fast", "sb3_zoo"]),
        ("pong_impala", ["fast", "espeholt2018"]),
        ("cartpole_a2c", ["fast", "sb3_zoo"]),
    ],
)
def test_help_lists_the_presets_with_their_provenance(pipeline, names):
    text = " ".join(_help(pipeline).split())  # absl wraps the help text
    assert f"--preset: <{'|'.join(names)}>" in text
    assert f"(default: '{names[0]}')" in text
    if "nature2015" in names:
        assert "nature2015: Mnih et al. 2015" in text and "fast: Tianshou's" in text
    assert "--root_dir" in text and "--config" in text


def test_the_default_atari_preset_is_the_fast_one():
    for entry in registry.of_algorithm("dqn", atari=True):
        pipeline = entry.name
        table = dqn_presets.presets(pipeline)
        assert list(table)[:2] == ["fast", "nature2015"]
        fast, nature = (config_flag.choose_preset(table, name) for name in ("fast", "nature2015"))
        assert (fast.preset, nature.preset) == ("fast", "nature2015")
        assert fast.update_period > nature.update_period  # the fast one trains less per env step
        assert fast.env_id == nature.env_id == entry.env_id


@pytest.mark.parametrize("algorithm", ["ppo", "a2c", "impala"])
def test_every_atari_actor_critic_has_both_games_and_a_fast_default(algorithm):
    """The fast presets: the papers' settings one --preset away, ale-py's vector env, DQN's
    evaluation (10 whole games, cut at 27,000 agent steps) and a stop rule confirmed over 30
    games (the greedy policy is deterministic: its games differ only by their no-op starts)."""
    entries = registry.of_algorithm(algorithm, atari=True)
    games = ("pong", "breakout")
    assert sorted(e.name for e in entries) == sorted(f"{g}_{algorithm}" for g in games)
    for entry in entries:
        pipeline, env_id = entry.name, entry.env_id
        table = entry.presets()
        assert list(table)[0] == "fast" and len(table) == 2
        fast = config_flag.choose_preset(table, "fast")
        paper = config_flag.choose_preset(table, list(table)[1])
        assert fast.env_id == paper.env_id == env_id and fast.name == pipeline
        assert fast.env_backend == "ale_vector" and fast.share_torso
        assert (fast.eval_episodes, fast.max_episode_steps) == (10, 27_000)
        assert fast.stop_at_eval_return == {"pong": 19, "breakout": 35}[pipeline.split("_")[0]]
        assert fast.stop_confirm_episodes == 30
        assert fast.num_env_steps <= paper.num_env_steps


def test_a_chosen_preset_with_overrides_is_run_and_recorded(finished_run):
    run = finished_run("breakout_nature2015")
    assert run.result.returncode == 0, run.result.stderr
    nature = {
        "breakout_dqn": lambda: config_flag.choose_preset(
            dqn_presets.presets("breakout_dqn"), "nature2015"
        )
    }
    config = pipeline_cli.read_json(os.path.join(run.root_dir, "config.json"))
    assert config == pipeline_cli.expected_config("breakout_dqn", ATARI, nature)
    assert config["preset"] == "nature2015" and config["optimizer"] == "rmsprop"
    assert config["num_env_steps"] == ATARI["num_env_steps"]  # the override, over the preset's
    summary = pipeline_cli.read_json(os.path.join(run.root_dir, "summary.json"))
    assert summary["preset"] == "nature2015"

    default = pipeline_cli.read_json(
        os.path.join(finished_run("breakout_dqn").root_dir, "summary.json")
    )
    assert default["preset"] == "fast"


def test_resume_with_another_preset_is_refused(finished_run, tmp_path):
    root_dir = pipeline_cli.copy_run(finished_run("breakout_nature2015").root_dir, tmp_path / "r")
    before = pipeline_cli.snapshot(root_dir)
    result = pipeline_cli.run("breakout_dqn", root_dir, dict(ATARI, num_env_steps=400))
    assert pipeline_cli.error_line(result) == (
        "error: --root_dir holds a run of preset 'nature2015', not 'fast'; resume it with its "
        "own --preset or use another --root_dir"
    )
    assert pipeline_cli.snapshot(root_dir) == before


@pytest.mark.parametrize(
    "extra, overrides, message",
    [
        (
            ["--preset=natur2015"],
            {},
            "error: flag --preset=natur2015: value should be one of <fast|nature2015>",
        ),
        (
            [],
            {"preset": "nature2015"},
            "error: choose settings with --preset=NAME; config.preset only records it",
        ),
    ],
    ids=["unknown_preset", "config_preset"],
)
def test_bad_preset_is_refused_before_any_work(tmp_path, extra, overrides, message):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run(
        "pong_dqn", str(root_dir), dict(ATARI, **overrides), *extra, timeout=60
    )
    assert pipeline_cli.error_line(result) == message
    assert not root_dir.exists()


# The course books' recipes: budgets cut to a few hundred env steps, every other setting the
# preset's own.
_DQN_FEW_STEPS = {
    "num_env_steps": 400,
    "initial_collect_steps": 200,
    "eval_interval": 400,
    "eval_episodes": 1,
    "checkpoint_interval": 400,
    "summary_interval": 200,
    "max_episode_steps": 100,
}
BOOK_RECIPES = [
    ("cartpole_dqn", "homl2019", _DQN_FEW_STEPS),
    ("cartpole_dqn", "lab_report", _DQN_FEW_STEPS),
    ("lunarlander_dqn", "blog", _DQN_FEW_STEPS),
    ("lunarlander_dqn", "lab_report", _DQN_FEW_STEPS),
    ("breakout_dqn", "homl2019", _DQN_FEW_STEPS),
    (
        "cartpole_reinforce",
        "homl2019",
        {
            "num_env_steps": 300,
            "eval_interval": 300,
            "eval_episodes": 1,
            "checkpoint_interval": 300,
            "summary_interval": 100,
        },
    ),
]


def test_each_book_recipe_builds_and_trains_a_few_steps(tmp_path):
    started = [
        (
            pipeline,
            preset,
            str(tmp_path / f"{pipeline}-{preset}"),
            pipeline_cli.Background(
                pipeline, str(tmp_path / f"{pipeline}-{preset}"), overrides, f"--preset={preset}"
            ),
        )
        for pipeline, preset, overrides in BOOK_RECIPES
    ]
    for pipeline, preset, root_dir, command in started:
        result = command.result(timeout=300)
        assert result.returncode == 0, (pipeline, preset, result.stderr[-2000:])
        summary = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
        assert summary["preset"] == preset and summary["train_steps"] > 0
        config = pipeline_cli.read_json(os.path.join(root_dir, "config.json"))
        assert config["preset"] == preset


def test_book_recipes_hold_the_settings_the_books_state():
    homl = config_flag.choose_preset(dqn_presets.presets("cartpole_dqn"), "homl2019")
    assert (
        homl.fc_layer_params,
        homl.activation,
        homl.learning_rate,
        homl.gamma,
        homl.batch_size,
        homl.replay_capacity,
    ) == ((32, 32), "elu", 1e-2, 0.95, 32, 2_000)
    breakout = config_flag.choose_preset(dqn_presets.presets("breakout_dqn"), "homl2019")
    assert (
        breakout.optimizer,
        breakout.learning_rate,
        breakout.epsilon_end,
        breakout.epsilon_decay_steps,
        breakout.target_update_period // breakout.update_period,
        breakout.initial_collect_steps,
        breakout.replay_capacity,
        breakout.update_period,
        breakout.max_episode_steps,
    ) == ("rmsprop", 2.5e-4, 0.01, 250_000, 2_000, 20_000, 100_000, 4, 27_000)
    for pipeline in ("cartpole_dqn", "lunarlander_dqn"):
        lab = config_flag.choose_preset(dqn_presets.presets(pipeline), "lab_report")
        assert (lab.fc_layer_params, lab.learning_rate, lab.batch_size) == ((32, 32), 2e-4, 128)
    blog = config_flag.choose_preset(dqn_presets.presets("lunarlander_dqn"), "blog")
    assert (
        blog.fc_layer_params,
        blog.huber_loss,
        blog.learning_rate,
        blog.batch_size,
        blog.epsilon_end,
        blog.epsilon_decay_steps,
        blog.update_period,
        blog.target_update_period,
        blog.replay_capacity,
    ) == ((150, 120), True, 1e-3, 64, 0.1, 100_000, 4, 10_000, 100_000)
