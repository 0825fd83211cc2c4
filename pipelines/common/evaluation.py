"""Greedy-policy evaluation over a batch of environments, one episode each."""

from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf
from tf_agents.environments import batched_py_environment

from pipelines.common import environments, stop_request


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
        stop_request.check()  # an Atari evaluation can take minutes
        action_step = policy.action(time_step, policy_state)
        policy_state = action_step.state
        time_step = batched.step(action_step.action)
        running = ~done
        returns[running] += time_step.reward[running]
        lengths[running] += 1
        done |= time_step.is_last()
        if done.all():
            break
    return {
        "mean": float(returns.mean()),
        "std": float(returns.std()),
        "min": float(returns.min()),
        "max": float(returns.max()),
        "episodes": count,
        "mean_length": float(lengths.mean()),
    }


class Evaluations:
    """The evaluations of a run: each one scored, logged to TensorBoard and remembered."""

    def __init__(self, policy, environments: List, summary_dir: str, max_steps: int, videos=None):
        """videos: a training_video.TrainingVideos that records a game when one is due."""
        self._policy, self._environments, self._max_steps = policy, environments, max_steps
        self._videos = videos
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
        if self._videos is not None and self._videos.due(step):
            self._videos.record(self._policy, step)
        return self.last


class StopRule:
    """Stop training once the greedy policy reaches `threshold`: an evaluation reaches it, then a
    confirming one over other, fresh episodes (`confirmations`, if given) reaches it too. A short
    evaluation that reaches a threshold by luck would otherwise stop a policy that falls short on
    the next hundred episodes."""

    def __init__(self, threshold: float, confirmations: Optional[Evaluations]):
        self._threshold, self._confirmations = threshold, confirmations
        self.confirmed: Optional[Dict[str, float]] = None  # the confirming evaluation, if any

    def reached(self, evaluation: Dict[str, float], step: int) -> bool:
        if not self._threshold or evaluation["mean"] < self._threshold:
            return False
        if self._confirmations is None:
            return True
        self.confirmed = self._confirmations.run(step)
        return self.confirmed["mean"] >= self._threshold

    def describe(self, evaluation: Dict[str, float]) -> str:
        """Why training stopped, for the run's output."""
        text = f"evaluation reached {evaluation['mean']:.1f}"
        if self.confirmed is not None:
            text += (
                f", confirmed over {self.confirmed['episodes']} more episodes at "
                f"{self.confirmed['mean']:.1f}"
            )
        return text + f" >= config.stop_at_eval_return={self._threshold:g}"


def make_stop_rule(config, eval_policy, run) -> "StopRule":
    """config.stop_at_eval_return, with its confirming evaluations (own environments and seeds,
    TensorBoard under eval_confirm/) when config.stop_confirm_episodes is set."""
    confirmations = None
    if config.stop_at_eval_return and config.stop_confirm_episodes and config.eval_interval:
        confirm_envs = environments.make_environments(
            config, config.stop_confirm_episodes, config.seed + 20_000, training=False
        )
        confirmations = Evaluations(
            eval_policy,
            confirm_envs,
            run.join("eval_confirm"),
            config.max_episode_steps or 1_000_000,
        )
    return StopRule(config.stop_at_eval_return, confirmations)
