"""The outer loop of an on-policy run (REINFORCE, PPO): iterations of collect-then-train, with
TensorBoard summaries, greedy evaluations, checkpoints, progress and summary.json, all counted in
env steps.

A config passed here needs the fields name, num_env_steps, eval_interval, checkpoint_interval,
summary_interval and max_episode_steps (the REINFORCE and PPO presets have them).
"""

import dataclasses
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf
from tf_agents.environments import py_environment
from tf_agents.specs import tensor_spec

from pipelines.common import (
    checkpoints,
    environments,
    evaluation,
    export,
    progress,
    run_dir,
    run_summary,
    stop_request,
    training_video,
)
from pipelines.common.cli import UserError


@dataclasses.dataclass
class Iteration:
    """What one collect-then-train iteration did."""

    env_steps: int  # env steps it adds to the run's count
    losses: Dict[str, float]  # TensorBoard's Losses/<name>; "loss" is also on the progress line


@dataclasses.dataclass
class Start:
    """What every on-policy run begins with, before its networks."""

    run: run_dir.RunDir
    started: float  # time.monotonic() at the start
    train_envs: List
    eval_envs: List
    collect_env: py_environment.PyEnvironment  # the train_envs as one batch
    time_step_spec: object
    action_spec: object
    train_step: tf.Variable
    env_step: tf.Variable
    # Set once an evaluation reaches config.stop_at_eval_return: a rerun then does not train on.
    reached_stop_return: tf.Variable


def start(config, root_dir: str, validate: Callable, num_train_envs: Optional[int] = None) -> Start:
    """Checks the config with validate (ValueError -> UserError), builds the environments (a bad
    env id or option is a UserError too, before root_dir is touched), opens the run directory,
    seeds TensorFlow and makes the counters. num_train_envs: the training environments to make
    (default config.num_parallel_envs; a learner whose actors play elsewhere needs one, for the
    specs)."""
    try:
        validate(config)
        train_envs = environments.make_environments(
            config,
            num_train_envs or config.num_parallel_envs,
            config.seed,
            training=True,
            backend=getattr(config, "env_backend", "python"),
        )  # REINFORCE has no choice
        eval_envs = (
            environments.make_environments(
                config, config.eval_episodes, config.seed + 10_000, training=False
            )
            if config.eval_interval
            else []
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    run = run_dir.RunDir(root_dir, config)
    started = time.monotonic()
    tf.keras.utils.set_random_seed(config.seed)
    collect_env = environments.batch(train_envs)
    return Start(
        run,
        started,
        train_envs,
        eval_envs,
        collect_env,
        tensor_spec.from_spec(collect_env.time_step_spec()),
        tensor_spec.from_spec(collect_env.action_spec()),
        tf.Variable(0, dtype=tf.int64, name="train_step"),
        tf.Variable(0, dtype=tf.int64, name="env_step"),
        tf.Variable(False, name="reached_stop_return"),
    )


def restore(config, begun: Start, agent) -> Tuple[checkpoints.Checkpointer, Optional[Dict]]:
    """The run's checkpointer, restored; and summary.json when that checkpoint ends a finished
    run (nothing to train), else None."""
    checkpointer = checkpoints.open_checkpointer(
        begun.run.join("checkpoints"),
        agent=agent,
        train_step=begun.train_step,
        env_step=begun.env_step,
        reached_stop_return=begun.reached_stop_return,
    )
    finished = run_summary.already_finished(
        begun.run,
        int(begun.env_step.numpy()),
        config.num_env_steps,
        bool(begun.reached_stop_return.numpy()),
    )
    return checkpointer, finished


class EnvStepDecay(tf.keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate falling linearly from start to end at num_env_steps, following the run's
    env-step counter rather than the optimizer's train steps (REINFORCE's train steps come at an
    uneven pace). Checkpoints restore the counter, so a resumed run continues the schedule.

    A schedule object, not a plain callable: Keras optimizers read a callable once, at
    construction, and keep that first value.
    """

    def __init__(self, start: float, end: float, env_step: tf.Variable, num_env_steps: int):
        self._start, self._end, self._env_step = start, end, env_step
        self._num_env_steps = num_env_steps

    def __call__(self, _train_step=None):
        fraction = tf.minimum(tf.cast(self._env_step, tf.float32) / self._num_env_steps, 1.0)
        return self._start + fraction * (self._end - self._start)

    def get_config(self):
        return {"start": self._start, "end": self._end, "num_env_steps": self._num_env_steps}


class OnPolicyLoop:
    """iterate() -> summaries, evaluation, checkpoints, progress, until num_env_steps.

    Checkpoints are taken between iterations (on-policy data is never kept), so a resume
    collects afresh with the restored weights.
    """

    def __init__(
        self,
        config,
        run: run_dir.RunDir,
        iterate: Callable[[], Iteration],
        checkpointer: checkpoints.Checkpointer,
        env_step: tf.Variable,
        scores,
        eval_policy,
        eval_envs: List,
        learning_rate: Optional[EnvStepDecay],
        reached_stop_return: tf.Variable,
    ):
        """scores: an object whose drain() gives the (scores, lengths) of the training games
        finished since the last call (environments.GameScores or alike)."""
        self._reached_stop_return = reached_stop_return
        self._stop_rule = evaluation.make_stop_rule(config, eval_policy, run)
        self._config, self._iterate = config, iterate
        self._checkpointer, self._env_step, self._scores = checkpointer, env_step, scores
        self._evaluations = evaluation.Evaluations(
            eval_policy,
            eval_envs,
            run.join("eval"),
            config.max_episode_steps or 1_000_000,
            training_video.for_run(config, run),
        )
        self._learning_rate = learning_rate
        self._summaries = tf.summary.create_file_writer(run.join("train"))
        self.resumed_from = int(env_step.numpy())
        self._last_checkpoint_step = -1
        self._losses: Dict[str, float] = {}
        self._last_score: Optional[float] = None
        self._bar = progress.Progress(config.name, config.num_env_steps, self.resumed_from)

    def run(self) -> None:
        config = self._config
        step = self.resumed_from
        next_summary = step + config.summary_interval
        next_eval = next_multiple(step, config.eval_interval)
        next_checkpoint = next_multiple(step, config.checkpoint_interval)
        try:
            while step < config.num_env_steps and not self._reached_stop_return.numpy():
                stop_request.check()
                iteration = self._iterate()
                step += iteration.env_steps
                self._env_step.assign(step)
                self._losses = iteration.losses
                if step >= next_summary:
                    self._write_summaries(step)
                    next_summary = step + config.summary_interval
                if config.eval_interval and step >= next_eval:
                    latest = self._evaluations.run(step)
                    next_eval = next_multiple(step, config.eval_interval)
                    self._bar.update(step, self._figures(), force=True)
                    if self._stop_rule.reached(latest, step):
                        self._reached_stop_return.assign(True)
                if step >= next_checkpoint:
                    self._save_checkpoint()
                    next_checkpoint = next_multiple(step, config.checkpoint_interval)
                self._bar.update(step, self._figures())
        except KeyboardInterrupt:
            self._bar.close()
            self._save_checkpoint()
            raise
        self._bar.close()
        self._save_checkpoint()
        if self._reached_stop_return.numpy() and step > self.resumed_from:
            assert self._evaluations.last is not None  # the evaluation that reached it
            print(
                f"{self._stop_rule.describe(self._evaluations.last)}: stopped at {step:,} env "
                "steps",
                flush=True,
            )
        if next_summary - config.summary_interval != step:
            self._write_summaries(step)  # the run's end, unless it was just summarized
        if config.eval_interval and self._evaluations.last_step != step:
            self._evaluations.run(step)  # the final weights, unless they were just evaluated
        self._summaries.flush()

    @property
    def reached_stop_return(self) -> bool:
        return bool(self._reached_stop_return.numpy())

    @property
    def last_eval(self) -> Optional[Dict[str, float]]:
        """The latest evaluation (mean, std, min, max, episodes, mean_length), or None."""
        return self._evaluations.last

    def _save_checkpoint(self) -> None:
        step = int(self._env_step.numpy())
        if step != self._last_checkpoint_step:
            self._last_checkpoint_step = step
            self._checkpointer.save(global_step=step)

    def _figures(self) -> Dict[str, Optional[float]]:
        return {
            "loss": self._losses.get("loss"),
            "game": self._last_score,
            "eval": self.last_eval["mean"] if self.last_eval else None,
        }

    def _write_summaries(self, step: int) -> None:
        game_scores, game_lengths = self._scores.drain()
        with self._summaries.as_default(step=step):
            if game_scores:
                self._last_score = float(np.mean(game_scores))
                tf.summary.scalar("Metrics/GameScore", self._last_score)
                tf.summary.scalar("Metrics/GameLength", np.mean(game_lengths))
            for name, value in self._losses.items():
                tf.summary.scalar(f"Losses/{name}", value)
            tf.summary.scalar("Metrics/EnvStepsPerSecond", self._bar.steps_per_second(step))
            if self._learning_rate is not None:
                tf.summary.scalar("Metrics/LearningRate", self._learning_rate())


def finish(
    config,
    run: run_dir.RunDir,
    loop: OnPolicyLoop,
    policy,
    train_step: tf.Variable,
    env_step: tf.Variable,
    started: float,
    policy_dir: str,
) -> Dict:
    """Exports the greedy policy, writes summary.json (DQN's keys) and prints the last line."""
    stop_request.check()  # a stop during the final evaluation: no export, no summary
    export.export_policy(
        policy, train_step, run.join(policy_dir), environments.env_metadata(config)
    )
    stop_request.check()  # during the export: the rerun evaluates and exports again
    return run_summary.write(
        run,
        config,
        int(env_step.numpy()),
        int(train_step.numpy()),
        time.monotonic() - started,
        loop.resumed_from,
        loop.last_eval,
        policy_dir,
        reached_stop_return=loop.reached_stop_return,
    )


def next_multiple(step: int, interval: int) -> int:
    """The first multiple of interval after step; never, for interval 0 (turned off)."""
    return (step // interval + 1) * interval if interval else 1 << 62
