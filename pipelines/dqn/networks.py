"""Q networks: an MLP for vector observations, the Nature CNN for frames, optionally dueling."""
from typing import Optional, Sequence, Tuple

import tensorflow as tf
from tf_agents.networks import encoding_network, network, q_network


def _preprocessing(observation_spec) -> Optional[tf.keras.layers.Layer]:
    # Frames arrive as uint8 (4x less replay and transfer); scale them inside the network.
    if observation_spec.dtype == tf.uint8:
        return tf.keras.layers.Rescaling(1.0 / 255)
    return None


def make_q_network(observation_spec, action_spec, conv_layer_params: Sequence[Tuple[int, int, int]],
                   fc_layer_params: Sequence[int], dueling: bool) -> network.Network:
    """The Q network of a DQN agent: one output per action."""
    conv = tuple(tuple(layer) for layer in conv_layer_params) or None
    if dueling:
        return DuelingQNetwork(observation_spec, action_spec, conv_layer_params=conv,
                               fc_layer_params=tuple(fc_layer_params))
    return q_network.QNetwork(observation_spec, action_spec,
                              preprocessing_layers=_preprocessing(observation_spec),
                              conv_layer_params=conv, fc_layer_params=tuple(fc_layer_params))


class DuelingQNetwork(network.Network):
    """Q = V + A - mean(A) (Wang et al. 2016); the last fc layer is split into the two streams.

    TF-Agents ships no dueling Q network, so this one is written here.
    """

    def __init__(self, input_tensor_spec, action_spec, conv_layer_params=None,
                 fc_layer_params=(64, 64), name="DuelingQNetwork"):
        super().__init__(input_tensor_spec, state_spec=(), name=name)
        num_actions = int(action_spec.maximum - action_spec.minimum + 1)
        self._encoder = encoding_network.EncodingNetwork(
            input_tensor_spec, preprocessing_layers=_preprocessing(input_tensor_spec),
            conv_layer_params=conv_layer_params, fc_layer_params=fc_layer_params[:-1])
        stream = fc_layer_params[-1]
        self._value = tf.keras.Sequential([tf.keras.layers.Dense(stream, activation="relu"),
                                           tf.keras.layers.Dense(1)])
        self._advantage = tf.keras.Sequential([tf.keras.layers.Dense(stream, activation="relu"),
                                               tf.keras.layers.Dense(num_actions)])

    def call(self, observation, step_type=None, network_state=(), training=False):
        features, network_state = self._encoder(observation, step_type=step_type,
                                                network_state=network_state, training=training)
        value = self._value(features, training=training)
        advantage = self._advantage(features, training=training)
        return value + advantage - tf.reduce_mean(advantage, axis=-1, keepdims=True), network_state
