"""V-trace targets (Espeholt et al. 2018, section 4.1), for rollouts played by an older policy.

With pi the learner's policy and mu the one that acted, rho_t = pi(a_t|x_t) / mu(a_t|x_t):

    delta_t = min(rho_bar, rho_t) * (r_t + gamma_t * V(x_t+1) - V(x_t))
    v_t - V(x_t) = delta_t + gamma_t * min(c_bar, rho_t) * (v_t+1 - V(x_t+1))

and the policy gradient's advantage at t is min(rho_bar_pg, rho_t) * (r_t + gamma_t * v_t+1 -
V(x_t)). With pi = mu (no lag, every rho 1) the targets are the rollout's n-step returns.

With `lambda_` < 1 every trace-cutting weight is scaled by it (the paper's remark 2): then with
pi = mu, v_t are the TD(lambda) returns and v_t - V(x_t) the GAE(lambda) advantages (Schulman et
al. 2016), which is how PPO computes its advantages here.
"""

from typing import NamedTuple

import tensorflow as tf


class VTraceReturns(NamedTuple):
    vs: tf.Tensor  # [B, T] value targets
    pg_advantages: tf.Tensor  # [B, T] advantages of the taken actions


def vtrace(
    log_rhos: tf.Tensor,
    discounts: tf.Tensor,
    rewards: tf.Tensor,
    values: tf.Tensor,
    bootstrap_value: tf.Tensor,
    clip_rho_threshold: float = 1.0,
    clip_pg_rho_threshold: float = 1.0,
    clip_c_threshold: float = 1.0,
    lambda_: float = 1.0,
) -> VTraceReturns:
    """V-trace over [B, T] rollouts (batch first): log_rhos = log pi(a_t) - log mu(a_t),
    discounts = gamma_t (0 where x_t+1 ends the episode), values = V(x_t), bootstrap_value =
    V(x_T) [B]. A log_rho of -inf cuts the trace at t (rho_t = c_t = 0). No gradient flows
    through the result."""
    rhos = tf.exp(log_rhos)
    clipped_rhos = tf.minimum(clip_rho_threshold, rhos)
    cs = lambda_ * tf.minimum(clip_c_threshold, rhos)
    next_values = tf.concat([values[:, 1:], bootstrap_value[:, None]], axis=1)
    deltas = clipped_rhos * (rewards + discounts * next_values - values)

    def backwards(later, step):
        delta, discount, c = step
        return delta + discount * c * later

    # tf.scan runs over the first axis: time, reversed.
    time_major = [tf.reverse(tf.transpose(x), axis=[0]) for x in (deltas, discounts, cs)]
    vs_minus_values = tf.scan(backwards, tuple(time_major), initializer=tf.zeros_like(deltas[:, 0]))
    vs = values + tf.transpose(tf.reverse(vs_minus_values, axis=[0]))
    next_vs = tf.concat([vs[:, 1:], bootstrap_value[:, None]], axis=1)
    pg_advantages = tf.minimum(clip_pg_rho_threshold, rhos) * (
        rewards + discounts * next_vs - values
    )
    return VTraceReturns(tf.stop_gradient(vs), tf.stop_gradient(pg_advantages))
