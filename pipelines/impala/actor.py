"""An IMPALA actor: a batch of environments played by the collect policy, each environment's
rollouts sent whole to the learner's queue."""

from typing import List

import tensorflow as tf
from tf_agents.metrics import py_metrics
from tf_agents.train import actor

from pipelines.common import batched_policy, environments
from pipelines.common.rollouts import Rollouts
from pipelines.impala.rollout_queue import RolloutWriter


class RolloutActor:
    """play() steps every environment rollout_length times and queues the rollouts."""

    def __init__(
        self, train_envs: List, collect_policy, rollout_length: int, writer: RolloutWriter
    ):
        self.scores = environments.GameScores(train_envs)
        self._rollout_length = rollout_length
        self._rollouts = Rollouts(rollout_length)
        self._counter = py_metrics.EnvironmentSteps()
        # One batched round per run(), so that a rollout ends exactly at rollout_length rounds.
        self._actor = actor.Actor(
            environments.batch(train_envs),
            batched_policy.BatchedPyPolicy(collect_policy),
            tf.Variable(0, dtype=tf.int64),  # the Actor's summary step; it writes none
            steps_per_run=1,
            observers=[self._rollouts, self.scores, self._counter],
        )
        self.writer = writer

    def play(self) -> int:
        """Plays one rollout in every environment and hands them to the writer (not flushed);
        returns the env steps it took."""
        before = int(self._counter.result())
        while not self._rollouts.ready:
            self._actor.run()
        self.writer.write(self._rollouts.take())
        return int(self._counter.result()) - before

    def restart(self, writer: RolloutWriter) -> None:
        """A new writer (a new connection): the half-played rollouts are dropped."""
        self._rollouts = Rollouts(self._rollout_length)
        self.writer = writer
