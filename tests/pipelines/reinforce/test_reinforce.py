"""The REINFORCE entry points end to end with tiny budgets: what a run leaves behind, resume after
kill -9, the export played by pipelines.evaluate, and refused configs."""

import json
import os
import signal
import time

import pipeline_cli
import pytest

from pipelines.reinforce import presets as reinforce_presets

PRESETS = pipeline_cli.default_presets(
    reinforce_presets.presets, ("cartpole_reinforce", "lunarlander_reinforce")
)
# Untrained policies end CartPole in ~20 steps; the 50-step cap bounds a hovering lander.
TINY = {
    "num_env_steps": 300,
    "num_parallel_envs": 2,
    "episodes_per_iteration": 2,
    "eval_interval": 150,
    "eval_episodes": 2,
    "checkpoint_interval": 150,
    "summary_interval": 100,
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
    # Whole episodes: the last iteration overshoots by less than its 2 episodes of <= 50 steps.
    assert TINY["num_env_steps"] <= summary["env_steps"] < TINY["num_env_steps"] + 100
    assert summary["train_steps"] > 0 and summary["resumed_from_env_step"] == 0
    assert summary["final_eval"]["episodes"] == TINY["eval_episodes"]

    latest = pipeline_cli.latest_checkpoint(root)
    assert pipeline_cli.checkpoint_step(latest) == summary["env_steps"]
    assert pipeline_cli.train_step(latest) == summary["train_steps"]

    policy_dir = os.path.join(root, "policies", "greedy_policy")
    assert os.path.isfile(os.path.join(policy_dir, "saved_model.pb"))
    env_json = pipeline_cli.read_json(os.path.join(policy_dir, "env.json"))
    assert env_json["env_id"] == config["env_id"] and env_json["max_episode_steps"] == 50

    train_scalars = pipeline_cli.scalar_events(os.path.join(root, "train"))
    expected = {
        "Losses/loss",
        "Losses/policy_gradient_loss",
        "Metrics/GameScore",
        "Metrics/GameLength",
        "Metrics/EnvStepsPerSecond",
        "Metrics/LearningRate",
    }
    if config["value_baseline"]:
        expected.add("Losses/value_estimation_loss")
    assert expected <= set(train_scalars)
    # Every game of the tiny run ends by the 50-step cap or earlier.
    assert all(0 < length <= 50 for _, length in train_scalars["Metrics/GameLength"])
    eval_returns = pipeline_cli.scalar_events(os.path.join(root, "eval"))["Metrics/AverageReturn"]
    assert eval_returns[-1] == (summary["env_steps"], pytest.approx(summary["final_eval"]["mean"]))


def test_kill_9_resume_and_evaluate_the_export(finished, tmp_path):
    """kill -9 after a checkpoint, then the same command resumes from it; meanwhile
    pipelines.evaluate plays the finished run's export and records a video."""
    policy_dir = os.path.join(finished["cartpole_reinforce"][0], "policies", "greedy_policy")
    video = str(tmp_path / "cartpole.gif")
    evaluation = pipeline_cli.Background(
        "evaluate", None, {}, f"--policy_dir={policy_dir}", "--num_episodes=2", f"--video={video}"
    )
    root = str(tmp_path / "run")
    # ~1 s of training after the first checkpoint: the kill lands long before the end.
    overrides = dict(TINY, num_env_steps=2_000, checkpoint_interval=100, eval_interval=0)
    process = pipeline_cli.start("cartpole_reinforce", root, overrides, log_dir=str(tmp_path))
    try:
        deadline = time.monotonic() + 120
        while pipeline_cli.latest_checkpoint(root) is None:
            assert process.poll() is None, "the run ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within the timeout"
            time.sleep(0.1)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    checkpoint = pipeline_cli.latest_checkpoint(root)
    killed_at, trained_before = (
        pipeline_cli.checkpoint_step(checkpoint),
        pipeline_cli.train_step(checkpoint),
    )

    assert killed_at < 2_000
    result = pipeline_cli.run("cartpole_reinforce", root, overrides)  # the same command
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == killed_at
    assert summary["env_steps"] >= 2_000
    assert summary["train_steps"] > trained_before  # the counter goes on from the checkpoint

    played = evaluation.result(timeout=120)
    assert played.returncode == 0, played.stderr
    last = json.loads(played.stdout.strip().splitlines()[-1])
    assert last["episodes"] == 2 and last["env_id"] == "CartPole-v1"
    assert 0 < last["mean_length"] <= 50 and last["mean"] == last["mean_length"]
    assert os.path.getsize(video) > 0


REFUSALS = [
    ({"learning_rate": 0.01}, "refusing to resume: config.learning_rate was 0.003, now 0.01"),
    ({"learning_rat": 0.01}, "unknown config field 'learning_rat'; did you mean 'learning_rate'"),
    ({"episodes_per_iteration": 3}, "must be a multiple of config.num_parallel_envs"),
    ({"env_id": "BreakoutNoFrameskip-v4"}, "is an Atari game; use pipelines.breakout_ppo"),
]


def test_bad_config_is_refused_in_one_line(finished, tmp_path):
    """Each command on a copy of a finished run: one error line, and the run left as it was."""
    roots, started, before = [], [], []
    for number, (overrides, _) in enumerate(REFUSALS):
        root = str(tmp_path / f"run{number}")
        pipeline_cli.copy_run(finished["cartpole_reinforce"][0], root)
        before.append(pipeline_cli.snapshot(root))
        roots.append(root)
        started.append(pipeline_cli.Background("cartpole_reinforce", root, dict(TINY, **overrides)))
    for (_, words), root, command, snapshot in zip(REFUSALS, roots, started, before):
        assert words in pipeline_cli.error_line(command.result(timeout=120))
        assert pipeline_cli.snapshot(root) == snapshot


@pytest.mark.parametrize("pipeline", sorted(PRESETS))
def test_the_export_holds_the_final_weights(finished, pipeline):
    root, _ = finished[pipeline]
    pipeline_cli.export_holds_the_final_weights(root)
