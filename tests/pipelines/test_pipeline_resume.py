"""Rerunning a command on its root_dir resumes the run; a changed hyperparameter is refused."""

import json
import os
import shutil
import signal
import time

import pipeline_cli
import pytest
import tensorflow as tf

CLASSIC = pipeline_cli.CLASSIC


def _train_step(checkpoint: str) -> int:
    return int(
        tf.train.load_checkpoint(checkpoint).get_tensor("train_step/.ATTRIBUTES/VARIABLE_VALUE")
    )


def _wait_for_checkpoint(process, root_dir: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while pipeline_cli.latest_checkpoint(root_dir) is None:
        assert process.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within the timeout"
        time.sleep(0.1)


def test_resume_after_kill_9(tmp_path):
    root_dir = str(tmp_path / "run")
    overrides = dict(CLASSIC, num_env_steps=1000, checkpoint_interval=250, eval_interval=0)
    process = pipeline_cli.start("cartpole_dqn", root_dir, overrides, log_dir=str(tmp_path))
    try:
        _wait_for_checkpoint(process, root_dir)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not os.path.exists(os.path.join(root_dir, "summary.json"))
    checkpoint = pipeline_cli.latest_checkpoint(root_dir)  # the newest one as of the kill
    killed_at = pipeline_cli.checkpoint_step(checkpoint)
    trained_before = _train_step(checkpoint)
    assert 0 < killed_at < 1000 and trained_before > 0

    result = pipeline_cli.run("cartpole_dqn", root_dir, overrides)
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    assert summary["resumed_from_env_step"] == killed_at
    assert summary["env_steps"] >= 1000
    assert summary["final_eval"] is None  # eval_interval=0: never evaluated
    # The train-step counter continues, and the restored replay lets training go on at once.
    update_period = pipeline_cli.read_json(os.path.join(root_dir, "config.json"))["update_period"]
    resumed_training = (summary["env_steps"] - killed_at) // update_period
    assert abs(summary["train_steps"] - (trained_before + resumed_training)) <= 1


def _trained(summary_dir: str) -> bool:
    """Whether the run has logged a training loss yet."""
    return os.path.isdir(summary_dir) and bool(
        pipeline_cli.scalar_events(summary_dir).get("Losses/loss")
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_kill_save_a_checkpoint(tmp_path, stop_signal):
    root_dir = str(tmp_path / "run")
    # No checkpoint falls due in this run: any checkpoint is the one saved on the way out.
    overrides = dict(CLASSIC, num_env_steps=500_000, checkpoint_interval=1_000_000, eval_interval=0)
    process = pipeline_cli.start("cartpole_dqn", root_dir, overrides, log_dir=str(tmp_path))
    try:
        deadline = time.monotonic() + 120
        while not _trained(os.path.join(root_dir, "train")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        process.send_signal(stop_signal)
        process.wait(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130
    with open(tmp_path / "cartpole_dqn.stderr") as err:
        stderr = err.read()
    assert "Traceback" not in stderr
    checkpoint = pipeline_cli.latest_checkpoint(root_dir)
    assert checkpoint is not None and _train_step(checkpoint) > 0
    step = pipeline_cli.checkpoint_step(checkpoint)
    assert f"stopped; the checkpoint at env step {step:,} is intact" in stderr
    assert not os.path.exists(os.path.join(root_dir, "summary.json"))


@pytest.mark.parametrize("field, value", [("learning_rate", 5e-4), ("gamma", 0.95)])
def test_resume_with_changed_hyperparameter_is_refused(cartpole_copy, field, value):
    before = pipeline_cli.snapshot(cartpole_copy)
    result = pipeline_cli.run("cartpole_dqn", cartpole_copy, dict(CLASSIC, **{field: value}))
    line = pipeline_cli.error_line(result)
    assert f"config.{field}" in line and "use a new --root_dir" in line
    assert pipeline_cli.snapshot(cartpole_copy) == before  # config.json included


def test_resume_with_larger_budget(finished_run, cartpole_copy):
    first = pipeline_cli.read_json(os.path.join(cartpole_copy, "summary.json"))
    overrides = dict(CLASSIC, num_env_steps=700)
    result = pipeline_cli.run("cartpole_dqn", cartpole_copy, overrides)
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(cartpole_copy, "summary.json"))
    assert summary["resumed_from_env_step"] == first["env_steps"]
    assert summary["env_steps"] >= 700
    config = pipeline_cli.read_json(os.path.join(cartpole_copy, "config.json"))
    trained = (summary["env_steps"] - first["env_steps"]) // config["update_period"]
    assert abs(summary["train_steps"] - (first["train_steps"] + trained)) <= 1
    assert config == pipeline_cli.expected_config("cartpole_dqn", overrides)
    assert (
        pipeline_cli.checkpoint_step(pipeline_cli.latest_checkpoint(cartpole_copy))
        == summary["env_steps"]
    )


def test_a_smaller_budget_ends_a_stopped_run_with_its_export(finished_run, cartpole_copy):
    """Ctrl-C leaves a checkpoint and no export; the same command with a budget the run has
    spent evaluates, exports and summarizes those weights without training on."""
    first = pipeline_cli.read_json(os.path.join(cartpole_copy, "summary.json"))
    policy = os.path.join(cartpole_copy, "policies")
    shutil.rmtree(policy)
    os.remove(os.path.join(cartpole_copy, "summary.json"))  # as a stopped run leaves it
    result = pipeline_cli.run("cartpole_dqn", cartpole_copy, dict(CLASSIC, num_env_steps=300))
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(cartpole_copy, "summary.json"))
    assert summary["env_steps"] == summary["resumed_from_env_step"] == first["env_steps"]
    assert summary["train_steps"] == first["train_steps"]  # no training
    assert summary["final_eval"]["episodes"] == CLASSIC["eval_episodes"]
    assert os.path.isfile(os.path.join(policy, "greedy_policy", "saved_model.pb"))


def test_resume_run_older_than_presets(cartpole_copy):
    """A run made before presets existed resumes under the preset whose settings it holds."""
    config_path = os.path.join(cartpole_copy, "config.json")
    old_config = pipeline_cli.read_json(config_path)
    del old_config["preset"]
    with open(config_path, "w") as f:
        json.dump(old_config, f)
    result = pipeline_cli.run("cartpole_dqn", cartpole_copy, dict(CLASSIC, num_env_steps=700))
    assert result.returncode == 0, result.stderr
    assert pipeline_cli.read_json(config_path)["preset"] == "fast"


def test_resume_run_older_than_a_config_field(cartpole_copy):
    """A run made before a field existed resumes when the field stays at its default."""
    config_path = os.path.join(cartpole_copy, "config.json")
    old_config = pipeline_cli.read_json(config_path)
    del old_config["target_update_tau"]
    with open(config_path, "w") as f:
        json.dump(old_config, f)
    overrides = dict(CLASSIC, num_env_steps=700)
    assert pipeline_cli.run("cartpole_dqn", cartpole_copy, overrides).returncode == 0
    refused = pipeline_cli.run(
        "cartpole_dqn", cartpole_copy, dict(overrides, num_env_steps=800, target_update_tau=0.5)
    )
    assert refused.returncode == 2
    assert "config.target_update_tau was 1.0, now 0.5" in pipeline_cli.error_line(refused)


def test_an_atari_resume_refills_the_replay_before_training(finished_run, tmp_path):
    """The Atari presets do not checkpoint their replay: a resume plays a fresh warm-up of
    initial_collect_steps first, and trains only on the env steps after it."""
    run = finished_run("breakout_dqn")
    root = pipeline_cli.copy_run(run.root_dir, tmp_path / "run")
    first = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    config = pipeline_cli.read_json(os.path.join(root, "config.json"))
    assert config["checkpoint_replay"] is False
    overrides = dict(run.overrides, num_env_steps=first["env_steps"] + 300)
    result = pipeline_cli.run("breakout_dqn", root, overrides, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == first["env_steps"]
    after_warm_up = summary["env_steps"] - first["env_steps"] - config["initial_collect_steps"]
    trained = summary["train_steps"] - first["train_steps"]
    assert 0 < trained and abs(trained - after_warm_up // config["update_period"]) <= 1
