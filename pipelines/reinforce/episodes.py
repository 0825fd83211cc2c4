"""Whole episodes from a batched collect Actor, for REINFORCE's Monte-Carlo returns."""

from typing import List, Optional, Tuple

import numpy as np
import tensorflow as tf
from tf_agents.trajectories import time_step as ts
from tf_agents.trajectories import trajectory


class FirstEpisodes:
    """Observer of an Actor over N batched environments: the first episode each environment
    plays after a reset, kept whole.

    Each environment then plays on (a batch steps together) until the slowest one finishes;
    those later steps are dropped. Keeping only episodes that started together, with the same
    weights, makes the batch N independent episodes of the current policy: no episode is cut
    by a train step and short episodes are not favoured.
    """

    def __init__(self, num_envs: int):
        self._num_envs = num_envs
        self._rounds: List[trajectory.Trajectory] = []
        self._ends: List[Optional[int]] = [None] * num_envs
        self.scores: List[float] = []
        self.lengths: List[int] = []

    def start(self) -> None:
        """Forgets the previous round; call right after the environments were reset."""
        self._rounds = []
        self._ends = [None] * self._num_envs

    @property
    def complete(self) -> bool:
        """Whether every environment has finished its first episode."""
        return all(end is not None for end in self._ends)

    def __call__(self, batched: trajectory.Trajectory) -> None:
        if self.complete:
            return
        self._rounds.append(batched)
        for env in np.flatnonzero(batched.next_step_type == ts.StepType.LAST):
            if self._ends[env] is None:
                self._ends[env] = len(self._rounds)

    def episodes(self) -> List[trajectory.Trajectory]:
        """The finished episodes, one per environment: unbatched trajectories [length, ...]
        from the FIRST step to the one that reaches LAST. Also counts them for drain()."""
        assert self.complete, "not every environment has finished its episode"
        stacked = tf.nest.map_structure(lambda *rounds: np.stack(rounds, axis=1), *self._rounds)
        episodes = [
            tf.nest.map_structure(lambda x, env=env, end=end: x[env, :end], stacked)
            for env, end in enumerate(self._ends)
        ]
        for episode in episodes:
            self.scores.append(float(np.sum(episode.reward)))
            self.lengths.append(int(episode.reward.shape[0]))
        return episodes

    def drain(self) -> Tuple[List[float], List[int]]:
        """Returns and lengths of the episodes handed out since the last call."""
        scores, lengths = self.scores, self.lengths
        self.scores, self.lengths = [], []
        return scores, lengths


def concatenate(episodes: List[trajectory.Trajectory]) -> trajectory.Trajectory:
    """Episodes back to back in one batch row [1, total length, ...].

    ReinforceAgent restarts the return at every step whose next step is LAST, so episodes can
    share a row; unlike zero-padding to a common length, this keeps the return normalization
    over real steps only.
    """
    return tf.nest.map_structure(lambda *parts: np.concatenate(parts)[None], *episodes)
