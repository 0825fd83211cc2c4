"""Greedy-policy evaluation over a batch of environments, one episode each."""
from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf
from tf_agents.environments import batched_py_environment


def evaluate(policy, environments: List, max_steps: int = 1_000_000) -> Dict[str, float]:
    """Plays one episode in each environment, stepping all of them with one policy call.

    Each environment's first episode counts; environments that finish early keep stepping (they
    auto-reset) but are masked out. Returns mean/std/min/max return, mean length and episodes.
    """
    batched = batched_py_environment.BatchedPyEnvironment(environments, multithreading=False)
    time_step = batched.reset()
    count = len(environments)
    returns = np.zeros(count, np.float64)
    lengths = np.zeros(count, np.int64)
    done = np.zeros(count, bool)
    policy_state = policy.get_initial_state(count)
    for _ in range(max_steps):
        action_step = policy.action(time_step, policy_state)
        policy_state = action_step.state
        time_step = batched.step(action_step.action)
        running = ~done
        returns[running] += time_step.reward[running]
        lengths[running] += 1
        done |= time_step.is_last()
        if done.all():
            break
    return {"mean": float(returns.mean()), "std": float(returns.std()),
            "min": float(returns.min()), "max": float(returns.max()),
            "episodes": count, "mean_length": float(lengths.mean())}


class Evaluations:
    """The evaluations of a run: each one scored, logged to TensorBoard and remembered."""

    def __init__(self, policy, environments: List, summary_dir: str, max_steps: int):
        self._policy, self._environments, self._max_steps = policy, environments, max_steps
        self._writer = tf.summary.create_file_writer(summary_dir)
        self.last: Optional[Dict[str, float]] = None
        self.last_step = -1

    def run(self, step: int) -> Dict[str, float]:
        self.last_step = step
        self.last = evaluate(self._policy, self._environments, self._max_steps)
        with self._writer.as_default(step=step):
            tf.summary.scalar("Metrics/AverageReturn", self.last["mean"])
            tf.summary.scalar("Metrics/AverageEpisodeLength", self.last["mean_length"])
        self._writer.flush()
        return self.last
