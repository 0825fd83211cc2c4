"""PPO's advantages by hand across an episode's end, and its update's bookkeeping."""

import numpy as np
import pytest
import tensorflow as tf
from tf_agents.trajectories import trajectory

from pipelines.ppo.agent import advantages_and_returns


def _rollout(discount_at_end: float) -> trajectory.Trajectory:
    """One environment, 3 steps + 1: a MID step into the episode's LAST observation, the
    boundary step from it to the next episode's FIRST, then a FIRST step; the acting network
    valued them 1, 3, 5 and the rollout's last state 7."""
    return trajectory.Trajectory(
        step_type=tf.constant([[1, 2, 0, 1]]),
        observation=tf.zeros([1, 4, 1]),
        action=tf.zeros([1, 4], tf.int64),
        policy_info={"log_probability": tf.zeros([1, 4]), "value": tf.constant([[1.0, 3, 5, 7]])},
        next_step_type=tf.constant([[2, 0, 1, 1]]),
        reward=tf.constant([[1.0, 9.0, 2.0, 0.0]]),  # the boundary's 9 must count nowhere
        discount=tf.constant([[discount_at_end, 1.0, 1.0, 1.0]]),
    )


@pytest.mark.parametrize(
    "discount_at_end,first_advantage",
    [
        # Cut by a time limit: 1 + 0.5 * V(LAST) - V = 1 + 1.5 - 1, and no trace past it.
        (1.0, 1.5),
        # Terminated: 1 - V = 0, nothing bootstrapped.
        (0.0, 0.0),
    ],
)
def test_advantages_stop_at_the_episode_end(discount_at_end, first_advantage):
    # gamma 0.5, lambda 0.5. The FIRST step: 2 + 0.5 * 7 - 5 = 0.5. The boundary: 0.
    advantages, returns = advantages_and_returns(_rollout(discount_at_end), 3, 0.5, 0.5)
    np.testing.assert_allclose(advantages.numpy(), [[first_advantage, 0.0, 0.5]])
    np.testing.assert_allclose(returns.numpy(), [[1.0 + first_advantage, 3.0, 5.5]])


def test_lambda_mixes_the_n_step_returns():
    """Three MID steps, gamma 1, lambda 0.5, V = 0 everywhere but the bootstrap V = 8:
    deltas (1, 1, 1 + 8); A_2 = 9, A_1 = 1 + 0.5 * 9, A_0 = 1 + 0.5 * 5.5."""
    rollout = trajectory.Trajectory(
        step_type=tf.ones([1, 4], tf.int32),
        observation=tf.zeros([1, 4, 1]),
        action=tf.zeros([1, 4], tf.int64),
        policy_info={"log_probability": tf.zeros([1, 4]), "value": tf.constant([[0.0, 0, 0, 8]])},
        next_step_type=tf.ones([1, 4], tf.int32),
        reward=tf.ones([1, 4]),
        discount=tf.ones([1, 4]),
    )
    advantages, _ = advantages_and_returns(rollout, 3, 1.0, 0.5)
    np.testing.assert_allclose(advantages.numpy(), [[3.75, 5.5, 9.0]])


def _cartpole_agent(monkeypatch, **overrides):
    """A PPO agent on CartPole's specs, plain SGD at rate 1 (a step moves the weights by minus
    the gradient)."""
    from tf_agents.specs import tensor_spec
    from tf_agents.trajectories import time_step

    from pipelines.common import actor_critic
    from pipelines.ppo.agent import PpoAgent
    from pipelines.ppo.config import PpoConfig

    monkeypatch.setattr(
        actor_critic, "make_optimizer", lambda _config, _rate: tf.keras.optimizers.SGD(1.0)
    )
    tf.keras.utils.set_random_seed(0)
    config = PpoConfig(
        env_id="CartPole-v1",
        conv_layer_params=(),
        fc_layer_params=(8,),
        gradient_clipping=0.0,
        normalize_advantages=False,
        **overrides,
    )
    specs = time_step.time_step_spec(tensor_spec.TensorSpec((4,), tf.float32))
    action_spec = tensor_spec.BoundedTensorSpec((), tf.int64, 0, 1)
    return PpoAgent(config, specs, action_spec, 1.0, tf.Variable(0, dtype=tf.int64))


@pytest.mark.parametrize(
    "advantage,moves",
    [
        (1.0, False),  # ratio 2 > 1 + 0.1 with A > 0: the clipped term binds, no gradient
        (-1.0, True),  # ratio 2 with A < 0: min() keeps ratio * A, which has one
    ],
)
def test_the_clip_stops_the_policy_gradient_only_where_it_binds(monkeypatch, advantage, moves):
    agent = _cartpole_agent(
        monkeypatch,
        importance_ratio_clipping=0.1,
        value_pred_loss_coef=0.0,
        entropy_regularization=0.0,
    )
    observation = tf.constant([[0.1, 0.2, -0.1, 0.3], [0.0, -0.2, 0.1, 0.1]])
    action = tf.constant([0, 1], tf.int64)
    distribution, values = agent.evaluate(observation)
    # The acting policy gave these actions half the probability the current one gives.
    log_mu = distribution.log_prob(action) - np.log(2.0)
    before = [v.numpy() for v in agent.network.trainable_variables]
    figures = agent._minibatch_step(
        {
            "observation": observation,
            "action": action,
            "log_mu": log_mu,
            "value": values,
            "advantage": tf.fill([2], advantage),
            "return": values,
            "real": tf.ones([2]),
        }
    )
    moved = max(
        np.abs(v.numpy() - b).max() for v, b in zip(agent.network.trainable_variables, before)
    )
    assert (moved > 1e-6) == moves
    assert float(figures["clip_fraction"]) == 1.0  # |ratio - 1| = 1 > 0.1 for both steps
    assert int(agent.train_step_counter.numpy()) == 1
