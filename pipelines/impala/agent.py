"""The IMPALA agent: a TF-Agents TFAgent whose train() is the V-trace actor-critic loss.

TF-Agents has no IMPALA agent, and its PPOAgent computes advantages from values predicted at
collection time, which an asynchronous actor cannot provide for the learner's newer weights. So
this is a small TFAgent subclass over PPO's actor and value networks: the collect policy samples
and records log mu(a|x) of the acting weights, the greedy policy is for evaluation and export,
and train() takes batches of [B, T + 1] rollouts.
"""

import tensorflow as tf
from tf_agents.agents import tf_agent
from tf_agents.networks import network
from tf_agents.policies import actor_policy, greedy_policy
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import policy_step, trajectory

from pipelines.common import on_policy
from pipelines.impala.config import ImpalaConfig
from pipelines.impala.vtrace import vtrace
from pipelines.ppo.agent import make_optimizer
from pipelines.ppo.networks import make_actor_network, make_value_network


class _SamplingPolicy(actor_policy.ActorPolicy):
    """ActorPolicy that records log mu(a|x) of each action it samples in info.log_probability
    (TFPolicy's emit_log_probability, which ActorPolicy's constructor does not pass on)."""

    def __init__(self, time_step_spec, action_spec, actor_network: network.Network):
        log_probability = tensor_spec.BoundedTensorSpec(
            (), tf.float32, maximum=0.0, minimum=-float("inf"), name="log_probability"
        )
        super().__init__(
            time_step_spec,
            action_spec,
            actor_network,
            info_spec=policy_step.set_log_probability((), log_probability),
        )
        self._emit_log_probability = True


class ImpalaAgent(tf_agent.TFAgent):
    """Actor-critic with V-trace targets (Espeholt et al. 2018)."""

    def __init__(
        self,
        config: ImpalaConfig,
        time_step_spec,
        action_spec,
        actor_network: network.Network,
        value_net: network.Network,
        learning_rate,
        train_step: tf.Variable,
    ):
        self._config = config
        self._actor_network, self._value_net = actor_network, value_net
        self.learning_rate = learning_rate
        self._optimizer = make_optimizer(config, learning_rate)
        actor_network.create_variables(time_step_spec.observation)
        value_net.create_variables(time_step_spec.observation)
        collect_policy = _SamplingPolicy(time_step_spec, action_spec, actor_network)
        policy = greedy_policy.GreedyPolicy(
            actor_policy.ActorPolicy(time_step_spec, action_spec, actor_network)
        )
        super().__init__(
            time_step_spec,
            action_spec,
            policy,
            collect_policy,
            train_sequence_length=config.rollout_length + 1,
            train_step_counter=train_step,
        )

    def _initialize(self):
        return tf.no_op()

    def _train(self, experience: trajectory.Trajectory, weights=None) -> tf_agent.LossInfo:
        """One gradient step on [B, T + 1] rollouts; the last step only lends V(x_T)."""
        del weights
        config, length = self._config, self._config.rollout_length
        acted = tf.nest.map_structure(lambda x: x[:, :length], experience)
        # A step from an episode's last observation to the next one's first is not a real
        # transition: no loss there, and no trace through it (gamma 0, rho 0).
        real = tf.cast(~acted.is_boundary(), tf.float32)
        discounts = config.gamma * acted.discount * real
        with tf.GradientTape() as tape:
            values, _ = self._value_net(
                experience.observation, step_type=experience.step_type, training=True
            )
            distribution, _ = self._actor_network(
                acted.observation, step_type=acted.step_type, network_state=(), training=True
            )
            log_pi = distribution.log_prob(acted.action)
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
            count = tf.maximum(tf.reduce_sum(real), 1.0)
            policy_loss = -tf.reduce_sum(real * log_pi * targets.pg_advantages) / count
            value_loss = (
                config.value_pred_loss_coef
                * 0.5
                * tf.reduce_sum(real * tf.square(targets.vs - values[:, :length]))
                / count
            )
            entropy = tf.reduce_sum(real * distribution.entropy()) / count
            loss = policy_loss + value_loss - config.entropy_regularization * entropy
        variables = self._actor_network.trainable_variables + self._value_net.trainable_variables
        gradients = tape.gradient(loss, variables)
        if config.gradient_clipping:
            gradients, _ = tf.clip_by_global_norm(gradients, config.gradient_clipping)
        self._optimizer.apply_gradients(zip(gradients, variables))
        self.train_step_counter.assign_add(1)
        return tf_agent.LossInfo(
            loss,
            {
                "policy_loss": policy_loss,
                "value_loss": value_loss,
                "entropy": entropy,
                "mean_rho": tf.reduce_sum(real * tf.exp(log_pi - log_mu)) / count,
            },
        )


def make_agent(
    config: ImpalaConfig,
    time_step_spec,
    action_spec,
    train_step: tf.Variable,
    env_step: tf.Variable,
) -> ImpalaAgent:
    """The agent over fresh networks (the specs may be a py environment's); its learning rate
    follows env_step (annealed to 0 at num_env_steps when config.anneal_learning_rate)."""
    time_step_spec = tensor_spec.from_spec(time_step_spec)
    action_spec = tensor_spec.from_spec(action_spec)
    learning_rate = on_policy.EnvStepDecay(
        config.learning_rate,
        0.0 if config.anneal_learning_rate else config.learning_rate,
        env_step,
        config.num_env_steps,
    )
    return ImpalaAgent(
        config,
        time_step_spec,
        action_spec,
        make_actor_network(config, time_step_spec.observation, action_spec),
        make_value_network(config, time_step_spec.observation),
        learning_rate,
        train_step,
    )
