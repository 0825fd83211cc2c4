"""The A2C entry points: PpoAgent's update with the A2C presets is A2C's update (same gradient,
n-step returns), the entry points run end to end on real games with tiny budgets, and settings
that would make it PPO are refused."""

import os

import imageio.v2 as imageio
import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from tf_agents.train import actor

from pipelines.common import actor_critic, batched_policy, environments
from pipelines.common.rollouts import Rollouts
from pipelines.ppo import a2c as a2c_config
from pipelines.ppo.agent import PpoAgent

PRESETS = pipeline_cli.default_presets(a2c_config.presets, ("cartpole_a2c", "breakout_a2c"))
# 2 envs x 8 steps per rollout, one update each: 8 iterations; a video at every evaluation.
TINY = {
    "num_env_steps": 128,
    "num_parallel_envs": 2,
    "rollout_length": 8,
    "eval_interval": 64,
    "eval_episodes": 1,
    "checkpoint_interval": 64,
    "summary_interval": 32,
    "max_episode_steps": 50,
    "video_interval": 64,
}


def _rollout(config, agent, rounds: int):
    """A real rollout [N, rounds + 1] of the agent's collect policy on the config's games."""
    envs = environments.make_environments(config, config.num_parallel_envs, seed=3, training=True)
    rollouts = Rollouts(rounds)
    collect = actor.Actor(
        environments.batch(envs),
        batched_policy.BatchedPyPolicy(agent.collect_policy),
        tf.Variable(0, dtype=tf.int64),
        steps_per_run=1,
        observers=[rollouts],
    )
    while not rollouts.ready:
        collect.run()
    return rollouts.take()


def test_the_a2c_preset_makes_the_ppo_agent_take_exactly_the_a2c_step(monkeypatch):
    """One train() on a rollout moves the weights by -lr * grad of A2C's loss:
    -log pi(a|s) * A (advantages standardized per batch), plus c * (R - V(s))^2, minus
    beta * entropy, with R the n-step return bootstrapped from V at the rollout's end."""
    tf.keras.utils.set_random_seed(0)
    config = a2c_config.cartpole()
    config.num_parallel_envs, config.entropy_regularization = 4, 0.01
    config.gradient_clipping = 0.0  # so the step is the raw gradient
    rounds = config.rollout_length = 6  # shorter than any CartPole episode: all steps are real
    # Plain SGD at rate 1: the weights move by exactly minus the gradient.
    monkeypatch.setattr(
        actor_critic, "make_optimizer", lambda _config, _rate: tf.keras.optimizers.SGD(1.0)
    )
    probe = environments.batch(environments.make_environments(config, 1, 0, training=True))
    agent = PpoAgent(
        config, probe.time_step_spec(), probe.action_spec(), 1.0, tf.Variable(0, dtype=tf.int64)
    )
    rollout = _rollout(config, agent, rounds)
    assert not np.any(rollout.is_last()), "an episode ended inside the rollout"

    observations = tf.constant(rollout.observation, tf.float32)  # [N, rounds + 1, 4]
    steps = tf.reshape(observations[:, :-1], [-1, 4])
    actions = tf.reshape(rollout.action[:, :-1], [-1])
    values = agent.network(observations)[0][1].numpy()
    returns = np.zeros((config.num_parallel_envs, rounds), np.float32)
    following = values[:, -1]  # bootstrapped from the value of the rollout's last state
    for t in reversed(range(rounds)):
        following = rollout.reward[:, t] + config.gamma * rollout.discount[:, t] * following
        returns[:, t] = following
    advantages = (returns - values[:, :-1]).reshape(-1)
    advantages = (advantages - advantages.mean()) / np.sqrt(advantages.var() + 1e-16)
    returns = returns.reshape(-1)

    variables = agent.network.trainable_variables
    with tf.GradientTape() as tape:
        (logits, value), _ = agent.network(steps)
        distribution = tfp.distributions.Categorical(logits=logits)
        loss = (
            -tf.reduce_mean(distribution.log_prob(actions) * advantages)
            + config.value_pred_loss_coef * tf.reduce_mean((returns - value) ** 2)
            - config.entropy_regularization * tf.reduce_mean(distribution.entropy())
        )
    expected = [-g for g in tape.gradient(loss, variables)]

    before = [v.numpy() for v in variables]
    agent.train(tf.nest.map_structure(tf.convert_to_tensor, rollout))
    moved = [v.numpy() - b for v, b in zip(variables, before)]
    for step, gradient in zip(moved, expected):
        np.testing.assert_allclose(step, gradient.numpy(), rtol=1e-3, atol=1e-6)
    assert any(np.abs(step).max() > 1e-4 for step in moved)  # the step is not empty


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """pipeline -> (root_dir, Result) of a tiny run of each entry point, run side by side."""
    return pipeline_cli.run_side_by_side(PRESETS, TINY, tmp_path_factory)


@pytest.mark.parametrize("pipeline", sorted(PRESETS))
def test_entry_point_runs_end_to_end(finished, pipeline):
    root, result = finished[pipeline]
    summary, config = pipeline_cli.check_on_policy_run(root, result, pipeline, TINY, PRESETS)
    assert config["num_epochs"] == 1 and config["num_minibatches"] == 1
    # A round that only resets finished games (a lost life, an ended CartPole) is no env step,
    # so the run may need a few more 16-round rollouts than 128 / 16.
    assert 128 <= summary["env_steps"] < 128 + 16
    assert summary["train_steps"] >= 8  # one update per rollout
    latest = pipeline_cli.latest_checkpoint(root)
    assert pipeline_cli.checkpoint_step(latest) == summary["env_steps"]
    assert pipeline_cli.train_step(latest) == summary["train_steps"]
    assert os.path.isfile(os.path.join(root, "policies", "greedy_policy", "saved_model.pb"))
    train_scalars = pipeline_cli.scalar_events(os.path.join(root, "train"))
    assert {
        "Losses/policy_loss",
        "Losses/value_loss",
        "Metrics/GameScore",
    } <= set(train_scalars)
    # video_interval: one recorded evaluation game per evaluation, named by its env step.
    eval_steps = [
        step
        for step, _ in pipeline_cli.scalar_events(os.path.join(root, "eval"))[
            "Metrics/AverageReturn"
        ]
    ]
    assert sorted(os.listdir(os.path.join(root, "videos"))) == sorted(
        f"{step}.mp4" for step in eval_steps
    )
    frames = imageio.get_reader(
        os.path.join(root, "videos", f"{eval_steps[-1]}.mp4")
    ).count_frames()
    assert 2 <= frames <= 51  # the first state, then one frame per step of a <= 50-step game


REFUSALS = [
    ({"num_epochs": 4}, "A2C makes one update per rollout: config.num_epochs must be 1, got 4"),
    (
        {"importance_ratio_clipping": 0.2},
        "A2C does not clip: config.importance_ratio_clipping must be 0, got 0.2",
    ),
    ({"optimizer": "sgd"}, "config.optimizer must be 'adam' or 'rmsprop', got 'sgd'"),
    (
        {"eval_interval": 0},
        "config.video_interval records evaluation games: set config.eval_interval too",
    ),
]


@pytest.mark.parametrize("overrides,words", REFUSALS)
def test_settings_that_are_not_a2c_are_refused(overrides, words, tmp_path):
    root = tmp_path / "run"
    result = pipeline_cli.run("cartpole_a2c", str(root), dict(TINY, **overrides))
    assert words in pipeline_cli.error_line(result)
    assert not root.exists()


def test_a_confirmed_evaluation_stops_an_on_policy_run(tmp_path):
    """An untrained CartPole policy scores >= 8 (an episode lasts >= 8 steps): the first
    evaluation reaches 5, its confirmation over 3 other episodes too, and the run stops there;
    the rerun does not train on and leaves summary.json as it was."""
    root = str(tmp_path / "run")
    overrides = dict(TINY, num_env_steps=640, stop_at_eval_return=5, stop_confirm_episodes=3)
    result = pipeline_cli.run("cartpole_a2c", root, overrides)
    assert result.returncode == 0, result.stderr
    assert "confirmed over 3 more episodes" in result.stdout
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["reached_stop_return"] is True
    assert summary["env_steps"] < 64 + 16  # the first evaluation, at 64 env steps
    before = pipeline_cli.snapshot(root)
    rerun = pipeline_cli.run("cartpole_a2c", root, overrides)
    assert rerun.returncode == 0, rerun.stderr
    assert f"done: this run finished at {summary['env_steps']:,} env steps" in rerun.stdout
    assert "train a new --root_dir to go further" in rerun.stdout  # a larger budget would not
    assert pipeline_cli.snapshot(root)["summary.json"] == before["summary.json"]
