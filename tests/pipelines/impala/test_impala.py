"""IMPALA: the one-process run end to end, the scaled-out roles as real processes on loopback
(an actor killed half-way), and the bad-input answers."""

import os
import re
import signal

import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf

from pipelines.impala import presets as impala_presets

PRESETS = pipeline_cli.default_presets(
    impala_presets.presets, ("cartpole_impala", "breakout_impala")
)
CLASSIC = {
    "num_env_steps": 640,
    "num_parallel_envs": 2,
    "rollout_length": 8,
    "batch_size": 4,
    "queue_capacity": 8,
    "eval_interval": 320,
    "eval_episodes": 2,
    "stop_at_eval_return": 0.0,
    "stop_confirm_episodes": 0,
    "checkpoint_interval": 320,
    "summary_interval": 32,  # one summary per train step (batch_size * rollout_length)
}
ATARI = dict(CLASSIC, num_env_steps=128, eval_interval=64, eval_episodes=1, max_episode_steps=50)
TINY = {"cartpole_impala": CLASSIC, "breakout_impala": ATARI}


@pytest.mark.parametrize("pipeline", sorted(PRESETS))
def test_one_process_run_end_to_end(pipeline, tmp_path):
    root = str(tmp_path / "run")
    result = pipeline_cli.run(pipeline, root, TINY[pipeline], timeout=240)
    summary, _ = pipeline_cli.check_on_policy_run(root, result, pipeline, TINY[pipeline], PRESETS)
    per_step = TINY[pipeline]["batch_size"] * TINY[pipeline]["rollout_length"]
    assert summary["env_steps"] == TINY[pipeline]["num_env_steps"]
    assert summary["train_steps"] == summary["env_steps"] // per_step
    latest = pipeline_cli.latest_checkpoint(root)
    assert pipeline_cli.checkpoint_step(latest) == summary["env_steps"]
    assert os.path.isfile(os.path.join(root, "policies", "greedy_policy", "saved_model.pb"))
    scalars = pipeline_cli.scalar_events(os.path.join(root, "train"))
    assert {"Losses/loss", "Losses/policy_loss", "Losses/value_loss", "Losses/mean_rho"} <= set(
        scalars
    )
    # In one process the actor plays with the learner's weights: before the first update every
    # importance weight is 1. (Later, a rollout's first step was acted before the last update.)
    first_step, first_rho = scalars["Losses/mean_rho"][0]
    assert first_step == per_step and abs(first_rho - 1.0) < 1e-3


def _role(name, log_dir, root_dir, overrides, *extra):
    command = pipeline_cli.command("cartpole_impala", root_dir, overrides, *extra)
    return pipeline_cli.RoleProcess(name, log_dir, command)


def test_scaled_out_roles_survive_a_killed_actor(tmp_path):
    overrides = dict(CLASSIC, num_env_steps=40_000, eval_interval=0, checkpoint_interval=1_000)
    root, logs = str(tmp_path / "run"), str(tmp_path)
    started = []
    try:
        server = _role("replay", logs, root, overrides, "--role=replay")
        started.append(server)
        port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
        listening = pipeline_cli.listening_addresses(port)
        assert listening and set(listening) <= pipeline_cli.LOOPBACK, "Reverb must be on loopback"
        address = f"--replay_server=localhost:{port}"
        actors = [
            _role(
                f"actor{task}", logs, root, overrides, "--role=collect", address, f"--task={task}"
            )
            for task in range(2)
        ]
        started += actors
        learner = _role("learner", logs, root, overrides, "--role=train", address)
        started.append(learner)

        # Once both actors have played with trained weights, actor 1 dies; the learner goes on
        # with actor 0's rollouts alone and finishes the run.
        for actor in actors:
            actor.wait_for(r"weights of train step [1-9]", 120)
        assert learner.process.poll() is None, "the run ended before the fault"
        actors[1].kill()
        assert learner.exit_code(300) == 0, learner.output()
        assert actors[0].exit_code(60) == 0, actors[0].output()
        assert "the learner has finished" in actors[0].output()
        summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
        assert summary["env_steps"] >= overrides["num_env_steps"]
        # The surviving actor played with newer and newer weights.
        versions = [int(v) for v in re.findall(r"weights of train step (\d+)", actors[0].output())]
        assert versions[-1] > versions[0]
        server.kill(signal.SIGTERM)
        assert server.exit_code(60) == 0
    finally:
        for role in started:
            role.kill()


REFUSALS = [
    (("--role=all", "--replay_server=localhost:1"), "--role=all runs its own server"),
    (("--role=collect",), "--role=collect needs --replay_server=host:port"),
    (("--role=train",), "--role=train needs --replay_server=host:port"),
    (("--role=train", "--replay_server=localhost:99999"), "port"),
    (("--config.queue_capacity=5",), "config.queue_capacity must hold an actor's rollouts"),
    (("--config.clip_rho_threshold=0",), "config.clip_rho_threshold must be > 0, got 0.0"),
    (("--preset=nature",), "preset"),
]


@pytest.mark.parametrize("extra,words", REFUSALS)
def test_bad_input_is_refused_in_one_line(extra, words, tmp_path):
    root = tmp_path / "run"
    result = pipeline_cli.run("cartpole_impala", str(root), {}, *extra, timeout=120)
    assert words in pipeline_cli.error_line(result)
    assert not root.exists()


def test_boundary_steps_carry_no_loss():
    """A rollout whose only real steps are the ones before an episode's end: changing the
    rewards of the boundary step and of the step after it changes nothing."""
    from tf_agents.specs import tensor_spec
    from tf_agents.trajectories import time_step, trajectory

    from pipelines.impala.agent import make_agent

    config = impala_presets.cartpole()
    config.rollout_length = 3
    observation = tensor_spec.TensorSpec((4,), tf.float32)
    specs = time_step.time_step_spec(observation)
    action_spec = tensor_spec.BoundedTensorSpec((), tf.int64, 0, 1)

    def loss(rewards):
        tf.keras.utils.set_random_seed(0)
        agent = make_agent(
            config,
            specs,
            action_spec,
            tf.Variable(0, dtype=tf.int64),
            tf.Variable(0, dtype=tf.int64),
        )
        # MID -> LAST -> (boundary) FIRST -> MID
        experience = trajectory.Trajectory(
            step_type=tf.constant([[1, 2, 0, 1]]),
            observation=tf.constant(np.arange(16, dtype=np.float32).reshape(1, 4, 4) / 16),
            action=tf.constant([[0, 1, 1, 0]], tf.int64),
            policy_info={
                "log_probability": tf.math.log(tf.fill([1, 4], 0.5)),
                "value": tf.zeros([1, 4]),
            },
            next_step_type=tf.constant([[2, 0, 1, 1]]),
            reward=tf.constant([rewards], tf.float32),
            discount=tf.constant([[0.0, 1.0, 1.0, 1.0]]),
        )
        return float(agent.train(experience).loss)

    base = loss([1.0, 0.0, 0.0, 0.0])
    assert loss([1.0, 7.0, 0.0, 0.0]) == pytest.approx(base)  # the boundary's reward
    assert loss([2.0, 0.0, 0.0, 0.0]) != pytest.approx(base)  # a real step's reward
