"""The DQN agent's optimizer: the fused legacy Adam steps exactly as Keras' Adam does."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from pipelines.dqn import presets as dqn_presets
from pipelines.dqn.agent import make_optimizer


@pytest.mark.parametrize("learning_rate_end", [None, 1e-5], ids=["fixed", "decaying"])
def test_adam_updates_weights_as_keras_adam(learning_rate_end):
    config = dataclasses.replace(
        dqn_presets.lunarlander(),
        num_env_steps=1_000,
        initial_collect_steps=0,
        update_period=100,
        learning_rate_end=learning_rate_end,
    )  # decays over 10 steps
    assert config.optimizer == "adam"
    ours, keras = tf.Variable(np.ones((3, 4), np.float32)), tf.Variable(np.ones((3, 4), np.float32))
    learning_rate = config.learning_rate
    if learning_rate_end is not None:
        learning_rate = tf.keras.optimizers.schedules.PolynomialDecay(
            config.learning_rate, 10, end_learning_rate=learning_rate_end
        )
    reference = tf.keras.optimizers.Adam(learning_rate, epsilon=config.optimizer_epsilon)
    optimizer = make_optimizer(config)
    gradients = tf.random.stateless_normal((12, 3, 4), seed=(3, 4))
    for gradient in gradients:
        optimizer.apply_gradients([(gradient, ours)])
        reference.apply_gradients([(gradient, keras)])
        np.testing.assert_allclose(ours.numpy(), keras.numpy(), rtol=1e-6, atol=1e-7)
    assert not np.allclose(ours.numpy(), 1.0)
    assert int(optimizer.iterations) == 12
