"""PPO's update: advantages for a whole rollout, then epochs of shuffled minibatch steps."""

from typing import Dict

import numpy as np
import tensorflow as tf
from tf_agents.agents.ppo import ppo_agent
from tf_agents.utils import common

# LossInfo.extra fields reported to TensorBoard (means over an iteration's train steps).
_REPORTED = (
    "policy_gradient_loss",
    "value_estimation_loss",
    "entropy_regularization_loss",
    "clip_fraction",
)


class MinibatchLearner:
    """What TF-Agents' PPOLearner does for a Reverb dataset, for a rollout held in memory.

    Advantages and TD(lambda) returns are computed once per rollout with the collecting
    weights; the rollout's steps are then shuffled into num_minibatches minibatches for each of
    num_epochs passes, one agent.train call (one train step) per minibatch.
    """

    def __init__(self, agent: ppo_agent.PPOAgent, num_epochs: int, num_minibatches: int, seed: int):
        self._agent = agent
        self._epochs, self._minibatches, self._seed = num_epochs, num_minibatches, seed
        self._preprocess = common.function(agent.preprocess_sequence)
        self._train = common.function(agent.train)

    def run(self, rollout, iteration: int) -> Dict[str, float]:
        """Trains on a rollout [N, length + 1, ...]; returns the mean losses."""
        experience = self._preprocess(tf.nest.map_structure(tf.convert_to_tensor, rollout))
        # Steps as a batch of length-1 sequences, without the bootstrap-only last step.
        steps = tf.nest.map_structure(
            lambda x: tf.reshape(x[:, :-1], [-1, 1] + x.shape[2:].as_list()), experience
        )
        count = int(steps.step_type.shape[0])
        size = count // self._minibatches
        shuffle = np.random.default_rng([self._seed, iteration])  # the same after a resume
        totals = {name: 0.0 for name in ("loss",) + _REPORTED}
        for _ in range(self._epochs):
            order = shuffle.permutation(count)
            for start in range(0, size * self._minibatches, size):
                minibatch = tf.nest.map_structure(
                    lambda x, i=order[start : start + size]: tf.gather(x, i), steps
                )
                loss_info = self._train(experience=minibatch)
                totals["loss"] += float(loss_info.loss)
                for name in _REPORTED:
                    totals[name] += float(getattr(loss_info.extra, name))
        updates = self._epochs * self._minibatches
        return {name: total / updates for name, total in totals.items()}
