"""What the actor-critic algorithms (PPO, A2C, IMPALA) act and learn with: one network with a
policy head and a value head, the policies over it, the optimizer, and an agent base class.

TF-Agents' PPOAgent takes the actor and the value function as two networks and runs each on
every batch. Atari actor-critics (A3C, OpenAI Baselines, CleanRL, SB3, Tianshou) share one
torso between the two heads instead, which halves the network work per env step, the larger
part of an on-policy run's time on a CPU. So the network here holds both heads, over one torso
(`share_torso`) or over a copy each (SB3's default for MLPs, kept by the CartPole presets).
"""

import math
from typing import Tuple

import tensorflow as tf
import tensorflow_probability as tfp
from tf_agents.agents import tf_agent
from tf_agents.networks import encoding_network, network
from tf_agents.policies import greedy_policy, tf_policy
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import policy_step

VALUE = "value"  # policy_info key of V(s) as the acting network predicted it


def _torso(config, observation_spec, seed: int) -> network.Network:
    """Conv layers (frames rescaled from uint8 first), then fc layers; orthogonal weights with
    ReLU's gain, as the Atari actor-critics initialise them."""
    rescale = tf.keras.layers.Rescaling(1.0 / 255) if observation_spec.dtype == tf.uint8 else None
    return encoding_network.EncodingNetwork(
        observation_spec,
        preprocessing_layers=rescale,
        conv_layer_params=tuple(tuple(layer) for layer in config.conv_layer_params) or None,
        fc_layer_params=tuple(config.fc_layer_params),
        activation_fn=tf.keras.activations.relu,
        kernel_initializer=tf.keras.initializers.Orthogonal(math.sqrt(2), seed=seed),
    )


class ActorCriticNetwork(network.Network):
    """observation -> ((logits over the actions, V(s)), state), for any number of outer dims."""

    def __init__(self, config, observation_spec, action_spec, name="ActorCriticNetwork"):
        super().__init__(observation_spec, state_spec=(), name=name)
        num_actions = int(action_spec.maximum - action_spec.minimum + 1)
        seed = config.seed * 4  # four initializers, each seeded apart from the others
        self._policy_torso = _torso(config, observation_spec, seed)
        self._value_torso = (
            self._policy_torso if config.share_torso else _torso(config, observation_spec, seed + 1)
        )
        # Small policy weights start every action near-equally likely; value weights at scale 1.
        self._logits = tf.keras.layers.Dense(
            num_actions, kernel_initializer=tf.keras.initializers.Orthogonal(0.01, seed=seed + 2)
        )
        self._value = tf.keras.layers.Dense(
            1, kernel_initializer=tf.keras.initializers.Orthogonal(1.0, seed=seed + 3)
        )
        self._shared = config.share_torso

    def call(self, observation, step_type=None, network_state=(), training=False):
        features, _ = self._policy_torso(observation, step_type=step_type, training=training)
        value_features = features
        if not self._shared:
            value_features, _ = self._value_torso(
                observation, step_type=step_type, training=training
            )
        logits = self._logits(features)
        value = tf.squeeze(self._value(value_features), -1)
        return (logits, value), network_state


class ActorCriticPolicy(tf_policy.TFPolicy):
    """Samples from the network's policy head; info holds log pi(a|s) of the sampled action and
    V(s) (under VALUE), what the learners need from the acting weights."""

    def __init__(self, time_step_spec, action_spec, net: ActorCriticNetwork):
        self._net = net
        super().__init__(
            time_step_spec,
            action_spec,
            info_spec={VALUE: tf.TensorSpec((), tf.float32, name=VALUE)},
            emit_log_probability=True,
        )

    def _variables(self):
        return self._net.variables

    def _distribution(self, time_step, policy_state):
        (logits, value), _ = self._net(time_step.observation, step_type=time_step.step_type)
        distribution = tfp.distributions.Categorical(logits=logits, dtype=self.action_spec.dtype)
        return policy_step.PolicyStep(distribution, policy_state, {VALUE: value})


def make_optimizer(config, learning_rate) -> tf.keras.optimizers.Optimizer:
    """Adam, or RMSprop with A2C's decay of 0.99 (Keras' default is 0.9) and epsilon under the
    square root, as TensorFlow's and OpenAI Baselines' RMSprop."""
    if config.optimizer == "rmsprop":
        return tf.keras.optimizers.RMSprop(
            learning_rate, rho=0.99, epsilon=config.optimizer_epsilon
        )
    return tf.keras.optimizers.Adam(learning_rate, epsilon=config.optimizer_epsilon)


class ActorCriticAgent(tf_agent.TFAgent):
    """A TFAgent over an ActorCriticNetwork: collect_policy samples (and records what the
    learner needs), policy is greedy (evaluation and export). Subclasses write _train over
    [B, T + 1] rollouts, the last step only lending V(x_T)."""

    def __init__(self, config, time_step_spec, action_spec, learning_rate, train_step: tf.Variable):
        time_step_spec = tensor_spec.from_spec(time_step_spec)
        action_spec = tensor_spec.from_spec(action_spec)
        self._config = config
        self.network = ActorCriticNetwork(config, time_step_spec.observation, action_spec)
        self.network.create_variables(time_step_spec.observation)
        self.learning_rate = learning_rate
        self._optimizer = make_optimizer(config, learning_rate)
        collect_policy = ActorCriticPolicy(time_step_spec, action_spec, self.network)
        super().__init__(
            time_step_spec,
            action_spec,
            greedy_policy.GreedyPolicy(collect_policy),
            collect_policy,
            train_sequence_length=config.rollout_length + 1,
            train_step_counter=train_step,
        )

    def _initialize(self):
        return tf.no_op()

    def evaluate(self, observation) -> Tuple[tfp.distributions.Categorical, tf.Tensor]:
        """The current weights' policy and V(s) at observation [..., obs]."""
        (logits, values), _ = self.network(observation, training=True)
        return tfp.distributions.Categorical(logits=logits, dtype=self.action_spec.dtype), values

    def apply_gradients(self, tape: tf.GradientTape, loss: tf.Tensor) -> tf.Tensor:
        """One optimizer step on loss (gradients clipped to config.gradient_clipping's global
        norm when set); returns the gradients' norm before clipping."""
        variables = self.network.trainable_variables
        gradients = tape.gradient(loss, variables)
        norm = tf.linalg.global_norm(gradients)
        if self._config.gradient_clipping:
            gradients, _ = tf.clip_by_global_norm(
                gradients, self._config.gradient_clipping, use_norm=norm
            )
        self._optimizer.apply_gradients(zip(gradients, variables))
        self.train_step_counter.assign_add(1)
        return norm


def masked_mean(values: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """Mean of values where mask is 1 (0 when the mask is empty)."""
    return tf.reduce_sum(values * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def standardize(values: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """values with mean 0 and standard deviation 1 over the steps where mask is 1."""
    mean = masked_mean(values, mask)
    std = tf.sqrt(masked_mean(tf.square(values - mean), mask))
    return (values - mean) / (std + 1e-8)


def real_steps(experience) -> tf.Tensor:
    """1.0 where a step is a real transition, 0.0 from an episode's last observation to the next
    one's first (its action is ignored by the environment: no loss there, no trace through it)."""
    return tf.cast(~experience.is_boundary(), tf.float32)
