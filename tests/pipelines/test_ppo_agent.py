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
