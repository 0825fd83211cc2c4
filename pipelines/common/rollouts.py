"""Fixed-length rollouts from a batched collect Actor, as PPO, A2C and IMPALA train on them."""

from typing import List

import numpy as np
import tensorflow as tf
from tf_agents.trajectories import trajectory


class Rollouts:
    """Observer of an Actor over N batched environments: rollouts of `length` steps each.

    A rollout holds length + 1 trajectories per environment: the extra last one only lends its
    value to bootstrap the returns (the agents leave it out of the loss), and it opens the next
    rollout, so every collected step is trained on exactly once and an episode may run on
    across rollouts.
    """

    def __init__(self, length: int):
        self._length = length
        self._rounds: List[trajectory.Trajectory] = []

    def __call__(self, batched: trajectory.Trajectory) -> None:
        self._rounds.append(batched)

    @property
    def ready(self) -> bool:
        return len(self._rounds) > self._length

    def take(self) -> trajectory.Trajectory:
        """The next rollout as numpy arrays [N, length + 1, ...]."""
        assert self.ready, "the rollout is not complete"
        rollout = tf.nest.map_structure(
            lambda *rounds: np.stack(rounds, axis=1), *self._rounds[: self._length + 1]
        )
        self._rounds = self._rounds[self._length :]
        return rollout
