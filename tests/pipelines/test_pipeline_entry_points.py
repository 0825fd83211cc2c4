"""Each entry point, end to end for a few hundred env steps: what a finished run leaves behind."""

import os
import re

import pipeline_cli
import pytest
import tensorflow as tf

ENTRY_POINTS = ["cartpole_dqn", "lunarlander_dqn", "breakout_dqn", "spaceinvaders_dqn", "pong_dqn"]


def _check_finished_run(run):
    result, overrides, root = run.result, run.overrides, run.root_dir
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert set(summary) == pipeline_cli.SUMMARY_KEYS
    config = pipeline_cli.read_json(os.path.join(root, "config.json"))
    assert config == pipeline_cli.expected_config(run.pipeline, overrides)
    assert summary["config_name"] == config["name"] == run.pipeline
    budget = overrides["num_env_steps"]
    # The last collect iteration may overshoot the budget by less than one iteration.
    assert budget <= summary["env_steps"] < budget + 100
    trained_env_steps = summary["env_steps"] - overrides["initial_collect_steps"]
    assert abs(summary["train_steps"] - trained_env_steps // config["update_period"]) <= 1
    assert summary["resumed_from_env_step"] == 0
    assert summary["wall_seconds"] > 0 and summary["env_steps_per_second"] > 0
    assert set(summary["final_eval"]) == {"mean", "std", "episodes"}
    assert summary["final_eval"]["episodes"] == overrides["eval_episodes"]

    latest = pipeline_cli.latest_checkpoint(root)
    assert latest is not None and pipeline_cli.checkpoint_step(latest) == summary["env_steps"]
    assert os.path.isdir(os.path.join(root, "replay")) == config["checkpoint_replay"]

    policy_dir = os.path.join(root, "policies", "greedy_policy")
    assert os.path.isfile(os.path.join(policy_dir, "saved_model.pb"))
    env_json = pipeline_cli.read_json(os.path.join(policy_dir, "env.json"))
    assert env_json["env_id"] == config["env_id"]
    assert env_json["max_episode_steps"] == (config["max_episode_steps"] or None)
    if "NoFrameskip" in config["env_id"]:
        # The exported policy is replayed on the raw game: no training-only shaping.
        assert env_json["env_options"]["frame_stack"] == config["frame_stack"]
        assert env_json["env_options"]["clip_rewards"] is False
        assert env_json["env_options"]["terminal_on_life_loss"] is False
    else:
        assert env_json["env_options"] == {}

    train_scalars = pipeline_cli.scalar_events(os.path.join(root, "train"))
    assert {"Losses/loss", "Metrics/Epsilon", "Metrics/ReplaySize"} <= set(train_scalars)
    assert all(size > 0 for _, size in train_scalars["Metrics/ReplaySize"])
    eval_returns = pipeline_cli.scalar_events(os.path.join(root, "eval"))["Metrics/AverageReturn"]
    # The last evaluation is of the final weights, and it is the one summary.json reports.
    assert eval_returns[-1] == (summary["env_steps"], pytest.approx(summary["final_eval"]["mean"]))
    return summary, config


@pytest.mark.parametrize("pipeline", ENTRY_POINTS)
def test_entry_point_runs_end_to_end(finished_run, pipeline):
    _check_finished_run(finished_run(pipeline))


@pytest.mark.parametrize(
    "run_name, backend", [("breakout_dqn", "ale_vector"), ("breakout_python_backend", "python")]
)
def test_breakout_on_either_backend_runs_end_to_end(finished_run, run_name, backend):
    run = finished_run(run_name)
    _, config = _check_finished_run(run)  # evaluation and env.json the same on both backends
    assert config["env_backend"] == backend
    train_scalars = pipeline_cli.scalar_events(os.path.join(run.root_dir, "train"))
    # Games truncated at max_episode_steps=100 reach GameScores from either backend's info.
    lengths = [length for _, length in train_scalars["Metrics/GameLength"]]
    assert lengths and all(0 < length <= 100 for length in lengths)


def test_double_dueling_variant_runs_and_exports(finished_run):
    run = finished_run("cartpole_double_dueling")
    _, config = _check_finished_run(run)
    assert config["double_dqn"] is True and config["dueling"] is True
    reader = tf.train.load_checkpoint(pipeline_cli.latest_checkpoint(run.root_dir))
    q_network = [
        key for key in reader.get_variable_to_shape_map() if key.startswith("agent/_q_network/")
    ]
    # A value stream with one output beside an advantage stream with one output per action.
    value_out = [key for key in q_network if key.startswith("agent/_q_network/_value/")]
    advantage_out = [key for key in q_network if key.startswith("agent/_q_network/_advantage/")]
    assert value_out and advantage_out, sorted(q_network)
    shapes = reader.get_variable_to_shape_map()
    assert [1] in [shapes[key] for key in value_out]
    assert [2] in [shapes[key] for key in advantage_out]  # CartPole's two actions
    # video_interval=300 = eval_interval: a recorded game at each evaluation, by its env step.
    eval_steps = [
        step
        for step, _ in pipeline_cli.scalar_events(os.path.join(run.root_dir, "eval"))[
            "Metrics/AverageReturn"
        ]
    ]
    assert len(eval_steps) == 2
    assert sorted(os.listdir(os.path.join(run.root_dir, "videos"))) == sorted(
        f"{step}.mp4" for step in eval_steps
    )


def test_a_training_game_at_stop_at_train_return_stops_training(tmp_path):
    """The lab report's rule: the first training game (random play in the warm-up included) that
    lasts 30 steps ends the run, and the final evaluation scores those weights."""
    root = str(tmp_path / "run")
    overrides = dict(pipeline_cli.CLASSIC, num_env_steps=3000, stop_at_train_return=30)
    result = pipeline_cli.run("cartpole_dqn", root, overrides)
    assert result.returncode == 0, result.stderr
    found = re.search(
        r"a training game scored (\d+) >= config.stop_at_train_return=30: stopped at ([\d,]+)",
        result.stdout,
    )
    assert found, result.stdout
    assert int(found.group(1)) >= 30
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["reached_stop_return"] is True
    assert summary["env_steps"] == int(found.group(2).replace(",", "")) < 3000
    evaluations = pipeline_cli.scalar_events(os.path.join(root, "eval"))["Metrics/AverageReturn"]
    assert evaluations[-1][0] == summary["env_steps"]


def test_a_confirmed_evaluation_stops_training(tmp_path):
    """An untrained CartPole policy still scores >= 5 (an episode lasts >= 8 steps): the first
    evaluation reaches the threshold, its confirmation over other episodes too, and the run stops
    there with those weights exported, and a rerun does not train on."""
    root = str(tmp_path / "run")
    overrides = dict(
        pipeline_cli.CLASSIC, num_env_steps=3000, stop_at_eval_return=5, stop_confirm_episodes=3
    )
    result = pipeline_cli.run("cartpole_dqn", root, overrides)
    assert result.returncode == 0, result.stderr
    assert "confirmed over 3 more episodes" in result.stdout
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["reached_stop_return"] is True
    assert summary["env_steps"] < 400  # the first evaluation, at 300 env steps
    confirmations = pipeline_cli.scalar_events(os.path.join(root, "eval_confirm"))
    assert [step for step, _ in confirmations["Metrics/AverageReturn"]] == [summary["env_steps"]]

    before = pipeline_cli.snapshot(root)
    rerun = pipeline_cli.run("cartpole_dqn", root, overrides)
    assert rerun.returncode == 0, rerun.stderr
    assert (
        pipeline_cli.read_json(os.path.join(root, "summary.json"))["env_steps"]
        == summary["env_steps"]
    )
    # A finished run is reported as such; its summary.json and export stay as they were.
    assert f"done: this run finished at {summary['env_steps']:,} env steps" in rerun.stdout
    after = pipeline_cli.snapshot(root)
    for name in ("summary.json", os.path.join("policies", "greedy_policy", "saved_model.pb")):
        assert after[name] == before[name]
    # A larger budget does not train on either: the run reached what it was asked to.
    larger = pipeline_cli.run("cartpole_dqn", root, dict(overrides, num_env_steps=6000))
    assert larger.returncode == 0, larger.stderr
    assert f"done: this run finished at {summary['env_steps']:,} env steps" in larger.stdout
    assert pipeline_cli.snapshot(root)["summary.json"] == before["summary.json"]
