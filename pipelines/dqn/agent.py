"""The DQN agent: TF-Agents DqnAgent or DdqnAgent with an env-step epsilon schedule."""

import tensorflow as tf
from tf_agents.agents.dqn import dqn_agent
from tf_agents.utils import common

from pipelines.dqn.config import DqnConfig
from pipelines.dqn.networks import compute_path, make_q_network


def epsilon_schedule(config: DqnConfig, env_step: tf.Variable):
    """1 during the warm-up (uniform random actions), then linear from epsilon_start to
    epsilon_end over epsilon_decay_steps env steps (as Dopamine schedules it)."""
    warm_up = float(config.initial_collect_steps)
    decay = float(max(1, config.epsilon_decay_steps))

    def epsilon():
        step = tf.cast(env_step, tf.float32)
        fraction = tf.clip_by_value((step - warm_up) / decay, 0.0, 1.0)
        decayed = config.epsilon_start + fraction * (config.epsilon_end - config.epsilon_start)
        return tf.where(step < warm_up, 1.0, decayed)

    return epsilon


def make_optimizer(
    config: DqnConfig,
) -> tf.keras.optimizers.Optimizer | tf.keras.optimizers.legacy.Optimizer:
    """Adam or Mnih's RMSprop; with learning_rate_end, the rate decays linearly over the run's
    train steps, from the first to the one at num_env_steps (counted by the optimizer, which
    checkpoints restore)."""
    learning_rate = config.learning_rate
    if config.learning_rate_end is not None:
        train_steps = max(
            1, (config.num_env_steps - config.initial_collect_steps) // config.update_period
        )
        learning_rate = tf.keras.optimizers.schedules.PolynomialDecay(
            config.learning_rate, train_steps, end_learning_rate=config.learning_rate_end
        )
    if config.optimizer == "rmsprop":  # Mnih et al. 2015 / TF-Agents mnih15
        return tf.keras.optimizers.RMSprop(
            learning_rate, rho=0.95, momentum=0.0, epsilon=config.optimizer_epsilon, centered=True
        )
    # The legacy Adam applies each variable's update as one fused kernel (ResourceApplyAdam); the
    # new one, off GPU, as a dozen separate ops: the same update, 2.7x slower on a Nature CNN.
    return tf.keras.optimizers.legacy.Adam(learning_rate, epsilon=config.optimizer_epsilon)


def make_agent(
    config: DqnConfig, time_step_spec, action_spec, q_network, train_step: tf.Variable, epsilon
) -> dqn_agent.DqnAgent:
    """A DqnAgent (or DdqnAgent with config.double_dqn); target updates counted in env steps."""
    agent_class = dqn_agent.DdqnAgent if config.double_dqn else dqn_agent.DqnAgent
    agent = agent_class(
        time_step_spec,
        action_spec,
        q_network=q_network,
        optimizer=make_optimizer(config),
        epsilon_greedy=epsilon,
        n_step_update=config.n_step,
        target_update_period=max(1, config.target_update_period // config.update_period),
        target_update_tau=config.target_update_tau,
        td_errors_loss_fn=(
            common.element_wise_huber_loss
            if config.huber_loss
            else common.element_wise_squared_loss
        ),
        gamma=config.gamma,
        gradient_clipping=config.gradient_clipping or None,
        train_step_counter=train_step,
    )
    agent.initialize()
    return agent


def build_agent(
    config: DqnConfig, time_step_spec, action_spec, train_step: tf.Variable, env_step: tf.Variable
):
    """Q network + agent of a run, as every role builds them: (agent, epsilon schedule)."""
    q_network = make_q_network(
        time_step_spec.observation,
        action_spec,
        config.conv_layer_params,
        config.fc_layer_params,
        config.dueling,
        config.space_to_depth,
        config.activation,
        config.compute_dtype,
    )
    if config.compute_dtype != "float32":  # float32 goes without saying
        print(compute_path(config.compute_dtype), flush=True)
    epsilon = epsilon_schedule(config, env_step)
    return make_agent(config, time_step_spec, action_spec, q_network, train_step, epsilon), epsilon
