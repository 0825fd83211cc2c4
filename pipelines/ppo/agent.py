"""The PPO agent (and A2C's, see pipelines.a2c): TF-Agents' PPOClipAgent, advantages computed
per rollout and minibatch updates made by pipelines.ppo.learner."""

import tensorflow as tf
from tf_agents.agents.ppo import ppo_clip_agent
from tf_agents.networks import network
from tf_agents.utils import value_ops

from pipelines.common.on_policy_config import OnPolicyConfig
from pipelines.ppo.config import PpoConfig


def make_agent(
    config: PpoConfig,
    time_step_spec,
    action_spec,
    actor_network: network.Network,
    value_net: network.Network,
    learning_rate: tf.keras.optimizers.schedules.LearningRateSchedule,
    train_step: tf.Variable,
) -> ppo_clip_agent.PPOClipAgent:
    agent = _PPOClipAgent(
        time_step_spec,
        action_spec,
        optimizer=make_optimizer(config, learning_rate),
        actor_net=actor_network,
        value_net=value_net,
        greedy_eval=True,  # agent.policy: the most likely action, for evaluation and export
        importance_ratio_clipping=config.importance_ratio_clipping,
        lambda_value=config.lambda_value,
        discount_factor=config.gamma,
        entropy_regularization=config.entropy_regularization,
        value_pred_loss_coef=config.value_pred_loss_coef,
        num_epochs=1,  # epochs and minibatches are the learner's
        use_gae=True,
        use_td_lambda_return=True,
        # Frames are rescaled in the networks and rewards clipped in the environment.
        normalize_rewards=False,
        normalize_observations=False,
        gradient_clipping=config.gradient_clipping or None,
        value_clipping=config.value_clipping or None,
        # Advantages are computed once per rollout (agent.preprocess_sequence), before it is
        # cut into minibatches.
        compute_value_and_advantage_in_train=False,
        update_normalizers_in_train=False,
        train_step_counter=train_step,
    )
    agent.initialize()
    return agent


class _PPOClipAgent(ppo_clip_agent.PPOClipAgent):
    """PPOClipAgent whose advantages bootstrap from the value of the rollout's last state.

    TF-Agents 0.19 bootstraps from the state before it (tensorflow/agents#953), which biases
    every advantage of a rollout, the more so the shorter the rollout (A2C's are 5 steps).
    """

    def compute_advantages(self, rewards, returns, discounts, value_preds):
        # value_preds: one per step and one more, the value of the state after the last step.
        return value_ops.generalized_advantage_estimation(
            values=value_preds[:, :-1],
            final_value=value_preds[:, -1],
            rewards=rewards,
            discounts=discounts,
            td_lambda=self._lambda,
            time_major=False,
        )


def make_optimizer(config: OnPolicyConfig, learning_rate) -> tf.keras.optimizers.Optimizer:
    """Adam, or RMSprop with A2C's decay of 0.99 (Keras' default is 0.9)."""
    if config.optimizer == "rmsprop":
        return tf.keras.optimizers.RMSprop(
            learning_rate, rho=0.99, epsilon=config.optimizer_epsilon
        )
    return tf.keras.optimizers.Adam(learning_rate, epsilon=config.optimizer_epsilon)
