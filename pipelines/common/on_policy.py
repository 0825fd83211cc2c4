"""What every on-policy run (REINFORCE, PPO, A2C, IMPALA) does around its own collect-and-train
iteration: the start (config check, environments, run directory, counters), the restore, the
training loop, all counted in env steps. The loop itself exports and writes summary.json.
"""

import dataclasses
import time
from typing import Callable, Dict, List, Optional, Tuple

import tensorflow as tf
from tf_agents.environments import py_environment
from tf_agents.specs import tensor_spec

from pipelines.common import (
    checkpoints,
    environments,
    run_dir,
    run_summary,
    training_loop,
)
from pipelines.common.cli import UserError


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


def start(
    config,
    root_dir: str,
    num_train_envs: Optional[int] = None,
    backend: str = "python",
) -> Start:
    """Builds the environments (a bad env id or option is a UserError, before root_dir is
    touched; the config itself was checked when it was read), opens the run directory,
    seeds TensorFlow and makes the counters. num_train_envs: the training environments to make
    (default config.num_parallel_envs; a learner whose actors play elsewhere needs one, for the
    specs); backend: config.env_backend where the algorithm offers the choice."""
    try:
        train_envs = environments.make_environments(
            config,
            num_train_envs or config.num_parallel_envs,
            config.seed,
            training=True,
            backend=backend,
        )
        eval_envs = environments.make_eval_environments(config)
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


def learning_rate(config, env_step: tf.Variable) -> EnvStepDecay:
    """config.learning_rate, falling linearly to config.learning_rate_end at num_env_steps (fixed
    when that is None)."""
    end = config.learning_rate if config.learning_rate_end is None else config.learning_rate_end
    return EnvStepDecay(config.learning_rate, end, env_step, config.num_env_steps)


def make_loop(
    config,
    begun: Start,
    iterate: Callable[[], training_loop.Iteration],
    checkpointer: checkpoints.Checkpointer,
    eval_policy,
    scores,
    learning_rate: Optional[EnvStepDecay],
) -> training_loop.TrainingLoop:
    """The training loop of an on-policy run: checkpoints are taken between iterations (on-policy
    data is never kept, so a resume collects afresh with the restored weights), and TensorBoard
    gets Metrics/LearningRate."""

    def extra_summaries() -> Dict[str, float]:
        return {"LearningRate": float(learning_rate())} if learning_rate is not None else {}

    return training_loop.TrainingLoop(
        config,
        begun.run,
        iterate,
        lambda step: checkpointer.save(global_step=step),
        begun.env_step,
        begun.reached_stop_return,
        eval_policy,
        begun.eval_envs,
        scores,
        extra_summaries=extra_summaries,
    )
