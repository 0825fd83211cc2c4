"""The PPO agent (and A2C's, see pipelines/ppo/a2c.py): the clipped surrogate of Schulman et al.
(2017) over an ActorCriticNetwork, one whole update per rollout.

agent.train(rollout) takes a [N, T + 1] rollout of the collect policy. The advantages are
GAE(lambda) of the values the acting network predicted (V-trace with every rho 1 and traces
cut by lambda, pipelines.common.vtrace), the value targets the TD(lambda) returns. Then
num_epochs passes over the N * T steps in num_minibatches shuffled minibatches, one train step
each. With one epoch of one minibatch and no clipping the update is A2C's: the policy term is
log pi * A, whose gradient is that of ratio * A where the ratio is 1.

A rollout's first step is the step that ended the previous rollout (it lent that rollout its
value): its action was sampled before the previous update, so PPO's ratio for it starts away
from 1, which the clip bounds.
"""

import tensorflow as tf
from tf_agents.agents import tf_agent
from tf_agents.trajectories import policy_step

from pipelines.common import actor_critic
from pipelines.common.vtrace import vtrace
from pipelines.ppo.config import PpoConfig

# LossInfo.extra: TensorBoard's Losses/<name>, means over a rollout's train steps.
REPORTED = ("policy_loss", "value_loss", "entropy", "clip_fraction", "approx_kl", "gradient_norm")


def advantages_and_returns(experience, length: int, gamma: float, lambda_: float):
    """GAE(lambda) advantages and TD(lambda) returns [B, T] of a [B, T + 1] rollout, from the
    values its acting network predicted: V-trace with every rho 1. A boundary step (an
    episode's last observation to the next one's first) cuts the trace; the step before it
    bootstraps from V of the last observation when the episode was cut by a time limit
    (discount 1) and not when it terminated (discount 0)."""
    acted = tf.nest.map_structure(lambda x: x[:, :length], experience)
    real = actor_critic.real_steps(acted)
    values = experience.policy_info[actor_critic.VALUE]
    targets = vtrace(
        log_rhos=tf.where(real > 0, 0.0, -float("inf")),
        discounts=gamma * acted.discount * real,
        rewards=acted.reward,
        values=values[:, :length],
        bootstrap_value=values[:, length],
        lambda_=lambda_,
    )
    return targets.vs - values[:, :length], targets.vs


class PpoAgent(actor_critic.ActorCriticAgent):
    def __init__(self, config: PpoConfig, time_step_spec, action_spec, learning_rate, train_step):
        super().__init__(config, time_step_spec, action_spec, learning_rate, train_step)
        # One update of one minibatch per rollout, no clipping: A2C (pipelines/ppo/a2c.py).
        self._a2c = (
            config.num_epochs == 1
            and config.num_minibatches == 1
            and not config.importance_ratio_clipping
        )
        # Slots made now: the update's loop may not create variables.
        self._optimizer.build(self.network.trainable_variables)

    def _train(self, experience, weights=None) -> tf_agent.LossInfo:
        del weights
        config, length = self._config, self._config.rollout_length
        acted = tf.nest.map_structure(lambda x: x[:, :length], experience)
        real = actor_critic.real_steps(acted)
        values = experience.policy_info[actor_critic.VALUE]
        advantages, returns = advantages_and_returns(
            experience, length, config.gamma, config.lambda_value
        )

        def flat(x):
            return tf.reshape(x, tf.concat([[-1], tf.shape(x)[2:]], axis=0))

        steps = {
            "observation": flat(acted.observation),
            "action": flat(acted.action),
            "log_mu": flat(policy_step.get_log_probability(acted.policy_info)),
            "value": flat(values[:, :length]),
            "advantage": flat(advantages),
            "return": flat(returns),
            "real": flat(real),
        }
        count = int(experience.reward.shape[0]) * length
        means = self._epochs(steps, count)
        loss = means.pop("loss")
        return tf_agent.LossInfo(loss, means)

    @tf.function  # autograph: TF-Agents compiles train() without it, and these loops need it
    def _epochs(self, steps, count: int):
        """num_epochs passes over the steps in shuffled minibatches; the mean figures."""
        config = self._config
        size = count // config.num_minibatches
        first_step = self.train_step_counter.value()
        totals = {name: tf.constant(0.0) for name in ("loss",) + REPORTED}
        for epoch in tf.range(config.num_epochs, dtype=tf.int64):
            # Stateless: the same order after a resume.
            seed = tf.stack([tf.constant(config.seed, tf.int64), first_step + epoch])
            order = tf.argsort(tf.random.stateless_uniform([count], seed))
            for start in tf.range(0, size * config.num_minibatches, size):
                indices = order[start : start + size]
                minibatch = {key: tf.gather(value, indices) for key, value in steps.items()}
                figures = self._minibatch_step(minibatch)
                totals = {name: totals[name] + figures[name] for name in totals}
        updates = float(config.num_epochs * config.num_minibatches)
        return {name: total / updates for name, total in totals.items()}

    @tf.autograph.experimental.do_not_convert  # plain TensorFlow; TF-Agents' networks inside
    def _minibatch_step(self, steps):
        config = self._config
        real = steps["real"]
        advantages = steps["advantage"]
        if config.normalize_advantages:
            advantages = actor_critic.standardize(advantages, real)
        clip = config.importance_ratio_clipping
        with tf.GradientTape() as tape:
            distribution, values = self.evaluate(steps["observation"])
            log_pi = distribution.log_prob(steps["action"])
            log_ratio = log_pi - steps["log_mu"]
            ratio = tf.exp(log_ratio)
            surrogate = ratio * advantages
            if self._a2c:
                # A2C's own term. Its gradient is ratio * A's at ratio 1, and a rollout's first
                # step, acted before the previous update (it ended the previous rollout), gets
                # no importance weight: unclipped, such a weight can be large.
                surrogate = log_pi * advantages
            if clip:
                clipped = tf.clip_by_value(ratio, 1.0 - clip, 1.0 + clip) * advantages
                surrogate = tf.minimum(surrogate, clipped)
            policy_loss = -actor_critic.masked_mean(surrogate, real)
            error = tf.square(values - steps["return"])
            if config.value_clipping:
                near = steps["value"] + tf.clip_by_value(
                    values - steps["value"], -config.value_clipping, config.value_clipping
                )
                error = tf.maximum(error, tf.square(near - steps["return"]))
            value_loss = config.value_pred_loss_coef * actor_critic.masked_mean(error, real)
            entropy = actor_critic.masked_mean(distribution.entropy(), real)
            loss = policy_loss + value_loss - config.entropy_regularization * entropy
        gradient_norm = self.apply_gradients(tape, loss)
        outside = tf.cast(tf.abs(ratio - 1.0) > clip, tf.float32) if clip else tf.zeros_like(ratio)
        return {
            "loss": loss,
            "policy_loss": policy_loss,
            "value_loss": value_loss,
            "entropy": entropy,
            "clip_fraction": actor_critic.masked_mean(outside, real),
            "approx_kl": actor_critic.masked_mean(ratio - 1.0 - log_ratio, real),
            "gradient_norm": gradient_norm,
        }
