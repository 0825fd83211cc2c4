"""Q networks: an MLP for vector observations, the Nature CNN for frames, optionally dueling."""

from typing import Optional, Sequence, Tuple

import tensorflow as tf
from tf_agents.networks import encoding_network, network, q_network


@tf.keras.utils.register_keras_serializable(package="pipelines")
class SpaceToDepthConv2D(tf.keras.layers.Layer):
    """Conv2D(filters, kernel_size, strides), VALID padding, computed as space-to-depth by
    `strides` and then a stride-1 conv.

    The same function as a 2x2 conv over 64 channels (84x84x4 -> 21x21x64 for stride 4), a shape
    some backends run faster than a strided 8x8 conv over 4 channels; TensorFlow's oneDNN kernels
    on an AVX-512 Xeon do not (benchmarks.train_step: 0.84-0.99x). The kernel is held in
    Conv2D's shape, [k, k, C, F], so weights copy between the two layers unchanged.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        strides: int,
        activation=None,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if kernel_size % strides:
            raise ValueError(
                f"space-to-depth needs a kernel size divisible by the stride, got "
                f"kernel {kernel_size}, stride {strides}"
            )
        self.filters, self.kernel_size, self.strides = filters, kernel_size, strides
        self.activation = tf.keras.activations.get(activation)
        # By default TF-Agents' initializer of its conv layers, so both layers start alike.
        self.kernel_initializer = tf.keras.initializers.get(
            kernel_initializer
            or tf.keras.initializers.VarianceScaling(
                scale=2.0, mode="fan_in", distribution="truncated_normal"
            )
        )

    def build(self, input_shape):
        height, width, channels = input_shape[-3:]
        if height % self.strides or width % self.strides:
            raise ValueError(
                f"space-to-depth needs an input divisible by the stride, got "
                f"{height}x{width} for stride {self.strides}"
            )
        k = self.kernel_size
        self.kernel = self.add_weight(
            "kernel", shape=(k, k, channels, self.filters), initializer=self.kernel_initializer
        )
        self.bias = self.add_weight("bias", shape=(self.filters,), initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):
        s, blocks = self.strides, self.kernel_size // self.strides
        channels = self.kernel.shape[2]
        # space_to_depth's channel index is (row_in_block * s + col_in_block) * C + c, so
        # W2[bh, bw, (hi*s + wi)*C + c, o] = W[bh*s + hi, bw*s + wi, c, o].
        kernel = tf.reshape(self.kernel, (blocks, s, blocks, s, channels, self.filters))
        kernel = tf.transpose(kernel, (0, 2, 1, 3, 4, 5))
        kernel = tf.reshape(kernel, (blocks, blocks, s * s * channels, self.filters))
        outputs = tf.nn.conv2d(tf.nn.space_to_depth(inputs, s), kernel, 1, "VALID")
        return self.activation(tf.nn.bias_add(outputs, self.bias))

    def get_config(self):
        # TF-Agents copies preprocessing layers through from_config(get_config()).
        return dict(
            super().get_config(),
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            activation=tf.keras.activations.serialize(self.activation),
            kernel_initializer=tf.keras.initializers.serialize(self.kernel_initializer),
        )


def _preprocessing(
    observation_spec, first_conv: Optional[Tuple[int, int, int]] = None, activation: str = "relu"
) -> Optional[tf.keras.layers.Layer]:
    """Scales uint8 frames to [0, 1] inside the network (replay and transfer stay 4x smaller);
    with `first_conv`, that conv follows as a SpaceToDepthConv2D."""
    layers = []
    if observation_spec.dtype == tf.uint8:
        layers.append(tf.keras.layers.Rescaling(1.0 / 255))
    if first_conv:
        filters, kernel_size, strides = first_conv
        layers.append(SpaceToDepthConv2D(filters, kernel_size, strides, activation=activation))
    if len(layers) > 1:
        return tf.keras.Sequential(layers)
    return layers[0] if layers else None


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (its flags, as lscpu shows them)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_compute_dtype(compute_dtype: str) -> str:
    """config.compute_dtype as the network takes it: 'auto' is bfloat16 where native."""
    if compute_dtype == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    return compute_dtype


def compute_path(compute_dtype: str) -> str:
    """One line saying in what precision the Q network computes, and whether natively."""
    if compute_dtype == "auto":
        return f"{compute_path(resolve_compute_dtype(compute_dtype))} (compute_dtype=auto)"
    if compute_dtype == "float32":
        return "Q network computes in float32"
    if native_bfloat16():
        return "Q network computes in bfloat16 (native on this CPU: avx512_bf16 or amx_bf16)"
    return (
        "Q network computes in bfloat16, emulated: this CPU has no avx512_bf16 or amx_bf16, "
        "so expect it slower than float32"
    )


def make_q_network(
    observation_spec,
    action_spec,
    conv_layer_params: Sequence[Tuple[int, int, int]],
    fc_layer_params: Sequence[int],
    dueling: bool,
    space_to_depth: bool = False,
    activation: str = "relu",
    compute_dtype: str = "float32",
) -> network.Network:
    """The Q network of a DQN agent: one output per action; `activation` (a Keras name) after
    each hidden layer. With `space_to_depth`, the first conv layer is a SpaceToDepthConv2D (the
    same function computed differently); the network still takes the plain observation. With
    compute_dtype 'bfloat16', its conv and dense layers compute in bfloat16 on float32 weights,
    and its Q values come out as float32, as the agent's loss expects; 'auto' is bfloat16 where
    the CPU has it natively."""
    compute_dtype = resolve_compute_dtype(compute_dtype)
    dtype = tf.float32
    if compute_dtype != "float32":
        dtype = tf.keras.mixed_precision.Policy("mixed_bfloat16")
    conv = [tuple(layer) for layer in conv_layer_params]
    if space_to_depth and not conv:
        raise ValueError("space_to_depth needs conv layers (config.conv_layer_params)")
    first_conv = conv.pop(0) if space_to_depth else None
    preprocessing = _preprocessing(observation_spec, first_conv, activation)
    if dueling:
        return DuelingQNetwork(
            observation_spec,
            action_spec,
            preprocessing_layers=preprocessing,
            conv_layer_params=tuple(conv) or None,
            fc_layer_params=tuple(fc_layer_params),
            activation=activation,
            dtype=dtype,
        )
    network_class = q_network.QNetwork if compute_dtype == "float32" else Float32QNetwork
    return network_class(
        observation_spec,
        action_spec,
        preprocessing_layers=preprocessing,
        conv_layer_params=tuple(conv) or None,
        fc_layer_params=tuple(fc_layer_params),
        activation_fn=tf.keras.activations.get(activation),
        dtype=dtype,
    )


class Float32QNetwork(q_network.QNetwork):
    """TF-Agents' QNetwork whose Q values come out as float32 whatever its layers compute in."""

    def call(self, observation, step_type=None, network_state=(), training=False):
        q_values, network_state = super().call(observation, step_type, network_state, training)
        return tf.cast(q_values, tf.float32), network_state


class DuelingQNetwork(network.Network):
    """Q = V + A - mean(A) (Wang et al. 2016); the last fc layer is split into the two streams.

    TF-Agents ships no dueling Q network, so this one is written here.
    """

    def __init__(
        self,
        input_tensor_spec,
        action_spec,
        preprocessing_layers=None,
        conv_layer_params=None,
        fc_layer_params=(64, 64),
        activation="relu",
        dtype=tf.float32,
        name="DuelingQNetwork",
    ):
        super().__init__(input_tensor_spec, state_spec=(), name=name)
        num_actions = int(action_spec.maximum - action_spec.minimum + 1)
        self._encoder = encoding_network.EncodingNetwork(
            input_tensor_spec,
            preprocessing_layers=preprocessing_layers,
            conv_layer_params=conv_layer_params,
            fc_layer_params=fc_layer_params[:-1],
            activation_fn=tf.keras.activations.get(activation),
            dtype=dtype,
        )
        stream = fc_layer_params[-1]
        self._value = tf.keras.Sequential(
            [
                tf.keras.layers.Dense(stream, activation=activation, dtype=dtype),
                tf.keras.layers.Dense(1, dtype=dtype),
            ]
        )
        self._advantage = tf.keras.Sequential(
            [
                tf.keras.layers.Dense(stream, activation=activation, dtype=dtype),
                tf.keras.layers.Dense(num_actions, dtype=dtype),
            ]
        )

    def call(self, observation, step_type=None, network_state=(), training=False):
        features, network_state = self._encoder(
            observation, step_type=step_type, network_state=network_state, training=training
        )
        value = tf.cast(self._value(features, training=training), tf.float32)
        advantage = tf.cast(self._advantage(features, training=training), tf.float32)
        return value + advantage - tf.reduce_mean(advantage, axis=-1, keepdims=True), network_state
