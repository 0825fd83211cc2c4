"""The REINFORCE agent: TF-Agents' ReinforceAgent over an ActorDistributionNetwork, with an
optional ValueNetwork baseline."""

from typing import Optional

import tensorflow as tf
from tf_agents.agents.reinforce import reinforce_agent
from tf_agents.networks import actor_distribution_network, network, value_network

from pipelines.reinforce.config import ReinforceConfig


def make_actor_network(config: ReinforceConfig, observation_spec, action_spec) -> network.Network:
    """The policy: observation -> a categorical distribution over the actions."""
    return actor_distribution_network.ActorDistributionNetwork(
        observation_spec,
        action_spec,
        fc_layer_params=tuple(config.fc_layer_params),
        activation_fn=tf.keras.activations.get(config.activation),
    )


def make_value_network(config: ReinforceConfig, observation_spec) -> Optional[network.Network]:
    """The baseline V(s), or None without config.value_baseline."""
    if not config.value_baseline:
        return None
    return value_network.ValueNetwork(
        observation_spec,
        fc_layer_params=tuple(config.value_fc_layer_params),
        activation_fn=tf.keras.activations.get(config.activation),
    )


def make_agent(
    config: ReinforceConfig,
    time_step_spec,
    action_spec,
    actor_network,
    value_net: Optional[network.Network],
    learning_rate: tf.keras.optimizers.schedules.LearningRateSchedule,
    train_step: tf.Variable,
) -> reinforce_agent.ReinforceAgent:
    agent = reinforce_agent.ReinforceAgent(
        time_step_spec,
        action_spec,
        actor_network=actor_network,
        value_network=value_net,
        value_estimation_loss_coef=config.value_estimation_loss_coef,
        optimizer=tf.keras.optimizers.Adam(learning_rate),
        gamma=config.gamma,
        normalize_returns=config.normalize_returns,
        entropy_regularization=config.entropy_regularization or None,
        gradient_clipping=config.gradient_clipping or None,
        train_step_counter=train_step,
    )
    agent.initialize()
    return agent
