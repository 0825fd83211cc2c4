"""The actor and value networks of PPO: the Nature CNN (or an MLP for vector observations)."""

from tf_agents.networks import actor_distribution_network, network, value_network

from pipelines.common.on_policy_config import OnPolicyConfig
from pipelines.dqn.networks import _preprocessing as rescale_frames  # uint8 frames -> [0, 1]


def _layers(config: OnPolicyConfig):
    conv = tuple(tuple(layer) for layer in config.conv_layer_params) or None
    return {"conv_layer_params": conv, "fc_layer_params": tuple(config.fc_layer_params)}


def make_actor_network(config: OnPolicyConfig, observation_spec, action_spec) -> network.Network:
    """Observation -> a categorical distribution over the actions."""
    return actor_distribution_network.ActorDistributionNetwork(
        observation_spec,
        action_spec,
        preprocessing_layers=rescale_frames(observation_spec),
        **_layers(config),
    )


def make_value_network(config: OnPolicyConfig, observation_spec) -> network.Network:
    """Observation -> V(s), a network of its own (TF-Agents' PPO trains the two side by side)."""
    return value_network.ValueNetwork(
        observation_spec, preprocessing_layers=rescale_frames(observation_spec), **_layers(config)
    )
