"""The PPO agent: TF-Agents' PPOClipAgent, advantages computed per rollout and minibatch updates
made by pipelines.ppo.learner."""
import tensorflow as tf
from tf_agents.agents.ppo import ppo_clip_agent
from tf_agents.networks import network

from pipelines.ppo.config import PpoConfig


def make_agent(config: PpoConfig, time_step_spec, action_spec, actor_network: network.Network,
               value_net: network.Network,
               learning_rate: tf.keras.optimizers.schedules.LearningRateSchedule,
               train_step: tf.Variable) -> ppo_clip_agent.PPOClipAgent:
    agent = ppo_clip_agent.PPOClipAgent(
        time_step_spec,
        action_spec,
        optimizer=tf.keras.optimizers.Adam(learning_rate, epsilon=config.optimizer_epsilon),
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
