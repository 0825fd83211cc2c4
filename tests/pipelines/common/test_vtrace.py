"""V-trace against a hand-computed example, and its no-lag case: n-step returns."""

import numpy as np
import pytest
import tensorflow as tf

from pipelines.common.vtrace import vtrace


def _run(log_rhos, discounts, rewards, values, bootstrap, **clips):
    as_tensor = lambda x: tf.constant(np.asarray(x, np.float32))  # noqa: E731
    result = vtrace(
        as_tensor(log_rhos),
        as_tensor(discounts),
        as_tensor(rewards),
        as_tensor(values),
        as_tensor(bootstrap),
        **clips,
    )
    return result.vs.numpy(), result.pg_advantages.numpy()


def test_hand_computed_two_steps():
    # rho_0 = 2 (clipped to 1), rho_1 = 0.5; gamma 0.9; V = (1, 2), V(x_2) = 3; r = (1, 0).
    # delta_1 = 0.5 * (0 + 0.9*3 - 2) = 0.35          -> v_1 = 2 + 0.35 = 2.35
    # delta_0 = 1 * (1 + 0.9*2 - 1) = 1.8
    # v_0 - V_0 = 1.8 + 0.9 * min(1, 2) * 0.35 = 2.115 -> v_0 = 3.115
    # pg_0 = 1 * (1 + 0.9*2.35 - 1) = 2.115; pg_1 = 0.5 * (0 + 0.9*3 - 2) = 0.35
    vs, pg = _run([[np.log(2.0), np.log(0.5)]], [[0.9, 0.9]], [[1.0, 0.0]], [[1.0, 2.0]], [3.0])
    np.testing.assert_allclose(vs, [[3.115, 2.35]], rtol=1e-6)
    np.testing.assert_allclose(pg, [[2.115, 0.35]], rtol=1e-6)


def test_thresholds_apply_separately():
    # rho = 3 everywhere: c_bar 0.5 shortens the trace, rho_bar 2 scales delta.
    vs, pg = _run(
        [[np.log(3.0)] * 2],
        [[1.0, 1.0]],
        [[1.0, 1.0]],
        [[0.0, 0.0]],
        [0.0],
        clip_rho_threshold=2.0,
        clip_pg_rho_threshold=1.5,
        clip_c_threshold=0.5,
    )
    # delta = 2 * 1 each; v_1 = 2; v_0 = 2 + 0.5 * 2 = 3; pg_0 = 1.5 * (1 + 2) = 4.5, pg_1 = 1.5.
    np.testing.assert_allclose(vs, [[3.0, 2.0]])
    np.testing.assert_allclose(pg, [[4.5, 1.5]])


@pytest.mark.parametrize("seed", [0, 1])
def test_no_lag_gives_n_step_returns(seed):
    rng = np.random.default_rng(seed)
    batch, length, gamma = 3, 6, 0.95
    rewards = rng.normal(size=(batch, length))
    values = rng.normal(size=(batch, length))
    bootstrap = rng.normal(size=batch)
    discounts = np.full((batch, length), gamma)
    discounts[1, 2] = 0.0  # an episode ends after step 2 of rollout 1
    vs, pg = _run(np.zeros((batch, length)), discounts, rewards, values, bootstrap)
    expected = np.zeros((batch, length))
    for b in range(batch):
        ret = bootstrap[b]
        for t in reversed(range(length)):
            ret = rewards[b, t] + discounts[b, t] * ret
            expected[b, t] = ret
    np.testing.assert_allclose(vs, expected, rtol=1e-5, atol=1e-5)
    next_returns = np.concatenate([expected[:, 1:], bootstrap[:, None]], axis=1)
    np.testing.assert_allclose(
        pg, rewards + discounts * next_returns - values, rtol=1e-5, atol=1e-5
    )


def test_minus_infinity_cuts_the_trace():
    # rho_1 = 0: delta_1 = 0, so v_1 = V_1 and v_0 bootstraps from V_1 alone.
    vs, pg = _run([[0.0, -np.inf]], [[0.9, 0.9]], [[1.0, 5.0]], [[0.0, 2.0]], [10.0])
    np.testing.assert_allclose(vs, [[1.0 + 0.9 * 2.0, 2.0]])
    np.testing.assert_allclose(pg[0, 1], 0.0)


def test_lambda_without_lag_gives_gae():
    """rho = 1 and traces cut by lambda: v - V are TF-Agents' GAE(lambda) advantages."""
    from tf_agents.utils import value_ops

    rng = np.random.default_rng(2)
    batch, length, gamma, lambda_ = 2, 7, 0.9, 0.8
    rewards, values = rng.normal(size=(2, batch, length))
    bootstrap = rng.normal(size=batch)
    discounts = np.full((batch, length), gamma)
    discounts[0, 3] = 0.0
    vs, _ = _run(np.zeros((batch, length)), discounts, rewards, values, bootstrap, lambda_=lambda_)
    expected = value_ops.generalized_advantage_estimation(
        values=tf.constant(values, tf.float32),
        final_value=tf.constant(bootstrap, tf.float32),
        discounts=tf.constant(discounts, tf.float32),
        rewards=tf.constant(rewards, tf.float32),
        td_lambda=lambda_,
        time_major=False,
    )
    np.testing.assert_allclose(vs - values, expected.numpy(), rtol=1e-5, atol=1e-5)
