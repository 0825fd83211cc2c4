"""The PPO entry points end to end on real Atari games with tiny budgets: what a run leaves
behind, resume, the export played by pipelines.evaluate, and refused configs."""

import dataclasses
import json
import os

import pipeline_cli
import pytest
import tensorflow as tf

from pipelines.common import on_policy
from pipelines.ppo import presets as ppo_presets

PRESETS = pipeline_cli.default_presets(ppo_presets.presets, ("breakout_ppo", "pong_ppo"))
# 2 envs x 16 steps per rollout, 2 minibatches of 16 steps: 4 iterations, 8 train steps.
TINY = {
    "num_env_steps": 128,
    "num_parallel_envs": 2,
    "rollout_length": 16,
    "num_epochs": 1,
    "num_minibatches": 2,
    "eval_interval": 64,
    "eval_episodes": 1,
    "checkpoint_interval": 64,
    "summary_interval": 32,
    "max_episode_steps": 50,
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """pipeline -> (root_dir, Result) of a tiny run of each entry point, run side by side."""
    return pipeline_cli.run_side_by_side(PRESETS, TINY, tmp_path_factory)


@pytest.mark.parametrize("pipeline", sorted(PRESETS))
def test_entry_point_runs_end_to_end(finished, pipeline):
    root, result = finished[pipeline]
    summary, config = pipeline_cli.check_on_policy_run(root, result, pipeline, TINY, PRESETS)
    # Rollouts of 32 rounds; the round after an episode's end (a lost life) is no agent step,
    # so a fifth rollout may be needed to reach 128 env steps.
    assert 128 <= summary["env_steps"] < 128 + 32
    assert summary["train_steps"] in (4 * 2, 5 * 2)  # rollouts x epochs x minibatches
    assert summary["final_eval"]["episodes"] == 1

    latest = pipeline_cli.latest_checkpoint(root)
    assert pipeline_cli.checkpoint_step(latest) == summary["env_steps"]
    assert pipeline_cli.train_step(latest) == summary["train_steps"]

    policy_dir = os.path.join(root, "policies", "greedy_policy")
    env_json = pipeline_cli.read_json(os.path.join(policy_dir, "env.json"))
    assert env_json["env_id"] == config["env_id"]
    # The exported policy plays the raw game: no training-only shaping.
    assert env_json["env_options"]["clip_rewards"] is False
    assert env_json["env_options"]["terminal_on_life_loss"] is False

    train_scalars = pipeline_cli.scalar_events(os.path.join(root, "train"))
    assert {
        "Losses/loss",
        "Losses/policy_loss",
        "Losses/value_loss",
        "Losses/entropy",
        "Losses/clip_fraction",
        "Losses/approx_kl",
        "Losses/gradient_norm",
        "Metrics/EnvStepsPerSecond",
        "Metrics/LearningRate",
        "Metrics/GameScore",
    } <= set(train_scalars)
    # Whole games (cut at 50 env steps), not the agent's episodes that end at each lost life.
    assert all(length == 50 for _, length in train_scalars["Metrics/GameLength"])
    rates = [rate for _, rate in train_scalars["Metrics/LearningRate"]]
    assert rates == sorted(rates, reverse=True) and rates[0] < config["learning_rate"]
    eval_returns = pipeline_cli.scalar_events(os.path.join(root, "eval"))["Metrics/AverageReturn"]
    assert eval_returns[-1] == (summary["env_steps"], pytest.approx(summary["final_eval"]["mean"]))


def test_resume_and_evaluate_the_export(finished, tmp_path):
    """A larger budget on a finished run goes on from its checkpoint; meanwhile
    pipelines.evaluate plays the export on the raw game and records a video."""
    root = pipeline_cli.copy_run(finished["breakout_ppo"][0], tmp_path / "run")
    policy_dir = os.path.join(finished["breakout_ppo"][0], "policies", "greedy_policy")
    video = str(tmp_path / "breakout.mp4")
    evaluation = pipeline_cli.Background(
        "evaluate", None, {}, f"--policy_dir={policy_dir}", "--num_episodes=1", f"--video={video}"
    )
    first = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    result = pipeline_cli.run("breakout_ppo", root, dict(TINY, num_env_steps=192))
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == first["env_steps"]
    assert summary["env_steps"] >= 192 - 8
    assert summary["train_steps"] > first["train_steps"]

    played = evaluation.result(timeout=120)
    assert played.returncode == 0, played.stderr
    last = json.loads(played.stdout.strip().splitlines()[-1])
    assert last["episodes"] == 1 and last["env_id"] == "BreakoutNoFrameskip-v4"
    assert 0 < last["mean_length"] <= 50
    assert os.path.getsize(video) > 0


def test_learning_rate_anneals_with_the_env_step_counter():
    """The optimizer steps with the schedule's rate at the current env step (a plain callable
    would be read once by Keras and stay at its first value)."""
    env_step = tf.Variable(0, dtype=tf.int64)
    optimizer = tf.keras.optimizers.Adam(on_policy.EnvStepDecay(2.5e-4, 0.0, env_step, 1_000))
    weight = tf.Variable([1.0])
    rates = []
    for step in (0, 500, 1_000, 2_000):
        env_step.assign(step)
        optimizer.apply_gradients([(tf.constant([1.0]), weight)])
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([2.5e-4, 1.25e-4, 0.0, 0.0])


@pytest.mark.parametrize(
    "end, expected",
    [(None, [1e-3, 1e-3, 1e-3]), (0.0, [1e-3, 5e-4, 0.0]), (1e-4, [1e-3, 5.5e-4, 1e-4])],
)
def test_learning_rate_end_is_the_rate_at_num_env_steps(end, expected):
    """One setting for every algorithm: None keeps the rate fixed, a value is reached at the end."""
    config = dataclasses.replace(
        ppo_presets.presets("pong_ppo")["fast"](),
        learning_rate=1e-3,
        learning_rate_end=end,
        num_env_steps=1_000,
    )
    env_step = tf.Variable(0, dtype=tf.int64)
    schedule = on_policy.learning_rate(config, env_step)
    rates = []
    for step in (0, 500, 1_000):
        env_step.assign(step)
        rates.append(float(schedule()))
    assert rates == pytest.approx(expected)


REFUSALS = [
    ({"learning_rate": 1e-3}, "refusing to resume: config.learning_rate was 0.00025, now 0.001"),
    ({"num_minibatch": 4}, "unknown config field 'num_minibatch'; did you mean 'num_minibatches'"),
    ({"num_minibatches": 3}, "config.num_minibatches (3) must divide the 32 env steps"),
    (
        {"env_backend": "envpool"},
        "config.env_backend must be 'python' or 'ale_vector', got 'envpool'",
    ),
]


def test_bad_config_is_refused_in_one_line(finished, tmp_path):
    """Each command on a copy of a finished run: one error line, and the run left as it was."""
    roots = [
        pipeline_cli.copy_run(finished["pong_ppo"][0], tmp_path / f"run{i}")
        for i in range(len(REFUSALS))
    ]
    before = [pipeline_cli.snapshot(root) for root in roots]
    started = [
        pipeline_cli.Background("pong_ppo", root, dict(TINY, **overrides))
        for root, (overrides, _) in zip(roots, REFUSALS)
    ]
    for (_, words), root, command, snapshot in zip(REFUSALS, roots, started, before):
        assert words in pipeline_cli.error_line(command.result(timeout=120))
        assert pipeline_cli.snapshot(root) == snapshot


def test_training_games_on_the_ale_vector_backend(tmp_path):
    """The training games in ale-py's C++ vector env: a run completes, its game scores are
    whole games, and the export still plays on envs.load."""
    root = str(tmp_path / "run")
    result = pipeline_cli.run("breakout_ppo", root, dict(TINY, env_backend="ale_vector"))
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert 128 <= summary["env_steps"] < 128 + 32
    assert summary["train_steps"] in (4 * 2, 5 * 2)
    lengths = pipeline_cli.scalar_events(os.path.join(root, "train"))["Metrics/GameLength"]
    assert lengths and all(length == 50 for _, length in lengths)
    env_json = pipeline_cli.read_json(os.path.join(root, "policies", "greedy_policy", "env.json"))
    assert env_json["env_options"]["terminal_on_life_loss"] is False


@pytest.mark.parametrize("pipeline", sorted(PRESETS))
def test_the_export_holds_the_final_weights(finished, pipeline):
    root, _ = finished[pipeline]
    pipeline_cli.export_holds_the_final_weights(root)
