"""The IMPALA agent: an ActorCriticAgent whose train() is the V-trace actor-critic loss.

TF-Agents has no IMPALA agent, and its PPOAgent computes advantages from values predicted at
collection time, which an asynchronous actor cannot provide for the learner's newer weights.
The collect policy samples and records log mu(a|x) of the acting weights; train() takes batches
of [B, T + 1] rollouts and values every step with the learner's own weights.
"""

import tensorflow as tf
from tf_agents.agents import tf_agent
from tf_agents.trajectories import policy_step, trajectory

from pipelines.common import actor_critic, on_policy
from pipelines.common.vtrace import vtrace
from pipelines.impala.config import ImpalaConfig


class ImpalaAgent(actor_critic.ActorCriticAgent):
    """Actor-critic with V-trace targets (Espeholt et al. 2018)."""

    def _train(self, experience: trajectory.Trajectory, weights=None) -> tf_agent.LossInfo:
        """One gradient step on [B, T + 1] rollouts; the last step only lends V(x_T)."""
        del weights
        config, length = self._config, self._config.rollout_length
        acted = tf.nest.map_structure(lambda x: x[:, :length], experience)
        real = actor_critic.real_steps(acted)
        discounts = config.gamma * acted.discount * real
        with tf.GradientTape() as tape:
            distribution, values = self.evaluate(experience.observation)
            log_pi = distribution.log_prob(experience.action)[:, :length]
            log_mu = policy_step.get_log_probability(acted.policy_info)
            log_rhos = tf.where(real > 0, log_pi - log_mu, -float("inf"))
            targets = vtrace(
                log_rhos,
                discounts,
                acted.reward,
                values[:, :length],
                values[:, length],
                config.clip_rho_threshold,
                config.clip_pg_rho_threshold,
                config.clip_c_threshold,
            )
            advantages = targets.pg_advantages
            if config.normalize_advantages:
                advantages = actor_critic.standardize(advantages, real)
            policy_loss = -actor_critic.masked_mean(log_pi * advantages, real)
            value_loss = config.value_pred_loss_coef * actor_critic.masked_mean(
                tf.square(targets.vs - values[:, :length]), real
            )
            entropy = actor_critic.masked_mean(distribution.entropy()[:, :length], real)
            loss = policy_loss + value_loss - config.entropy_regularization * entropy
        gradient_norm = self.apply_gradients(tape, loss)
        return tf_agent.LossInfo(
            loss,
            {
                "policy_loss": policy_loss,
                "value_loss": value_loss,
                "entropy": entropy,
                "mean_rho": actor_critic.masked_mean(tf.exp(log_pi - log_mu), real),
                "gradient_norm": gradient_norm,
            },
        )


def make_agent(
    config: ImpalaConfig,
    time_step_spec,
    action_spec,
    train_step: tf.Variable,
    env_step: tf.Variable,
) -> ImpalaAgent:
    """The agent over a fresh network (the specs may be a py environment's); its learning rate
    follows env_step (to config.learning_rate_end at num_env_steps)."""
    learning_rate = on_policy.learning_rate(config, env_step)
    return ImpalaAgent(config, time_step_spec, action_spec, learning_rate, train_step)
