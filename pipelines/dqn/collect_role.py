"""--role=collect: an actor that fills the replay server with the learner's latest policy.

It pulls the weights (and the global env step, which sets epsilon) every weights_sync_period of
its own env steps, reports the steps it wrote to the learner through the server, and exits when
the learner has finished. It keeps no state of its own: killed, it is simply restarted.
"""

import os

import reverb
import tensorflow as tf
from tf_agents.metrics import py_metrics
from tf_agents.train import actor

import envs
from pipelines.common import (
    batched_policy,
    environments,
    progress,
    reverb_server,
    run_dir,
    scale_out,
    stop_request,
)
from pipelines.common.cli import UserError
from pipelines.dqn import replay, step_reports
from pipelines.dqn.agent import build_agent
from pipelines.dqn.config import DqnConfig

# Env rounds (of num_parallel_envs steps) per report to the learner.
REPORT_ROUNDS = 8
# How long one wait for the server's rate limiter lasts before the collector checks whether the
# learner has finished.
_FLUSH_TIMEOUT_MS = 2_000


def folder(task: int) -> str:
    return f"collector-{task}"


class Collector:
    """One collector's environments, policy and connection to the replay server."""

    def __init__(self, config: DqnConfig, address: str, task: int):
        self._config, self._address, self._task = config, address, task
        train_envs = environments.make_collector_environments(config, task)
        self._env = environments.batch(train_envs)
        self.scores = environments.GameScores(train_envs)
        self.train_step = tf.Variable(0, dtype=tf.int64)
        self.env_step = tf.Variable(0, dtype=tf.int64)
        agent, self.epsilon = build_agent(
            config,
            self._env.time_step_spec(),
            self._env.action_spec(),
            self.train_step,
            self.env_step,
        )
        self._collect_data_spec = agent.collect_data_spec
        self._policy = batched_policy.BatchedPyPolicy(agent.collect_policy)
        self._variables = scale_out.shared_variables(
            agent.collect_policy, self.train_step, self.env_step, tf.Variable(False)
        )
        self.steps = 0  # env steps this collector wrote, since it started
        self.incarnation = step_reports.new_incarnation()
        self.connect(reverb_server.connect(address))

    def connect(self, client: reverb.Client) -> None:
        """(Re)builds everything that talks to the server and restarts the episodes: a half
        episode cannot be continued by a new writer."""
        self._client = client
        self.shared = scale_out.SharedVariables(self._address, self._variables)
        self.shared.pull()
        frame_stack = self._config.frame_stack if envs.is_atari(self._config.env_id) else 1
        self._writer = replay.FrameReplayWriter(
            client,
            self._config.num_parallel_envs,
            frame_stack,
            self._config.n_step,
            self._config.gamma,
        )
        self._counter = py_metrics.EnvironmentSteps()
        self._actor = actor.Actor(
            self._env,
            self._policy,
            self.train_step,
            steps_per_run=REPORT_ROUNDS * self._config.num_parallel_envs,
            observers=[self._writer, self.scores, self._counter],
        )

    def collect(self) -> bool:
        """Collects one batch of steps into the server; False once the learner has finished."""
        before = int(self._counter.result())
        self._actor.run()
        while True:  # the rate limiter may hold the items back while the learner catches up
            try:
                self._writer.flush(timeout_ms=_FLUSH_TIMEOUT_MS)
                break
            except reverb.errors.DeadlineExceededError:
                self.shared.pull()
                if self.shared.finished:
                    return False
        new_steps = int(self._counter.result()) - before
        step_reports.report_steps(
            self._client, self._task, new_steps, self.incarnation, self.steps + new_steps
        )
        previous, self.steps = self.steps, self.steps + new_steps
        period = self._config.weights_sync_period
        if previous // period != self.steps // period:
            self.shared.pull()
        return not self.shared.finished


def collect(config: DqnConfig, root_dir: str, replay_server: str, task: int) -> None:
    """Collects until the learner has finished (exit 0) or the server is gone (UserError)."""
    try:
        scale_out.check_collector_flags(replay_server, task)
        collector = Collector(config, replay_server, task)
    except (ValueError, ConnectionError) as error:
        raise UserError(str(error)) from None
    if not root_dir:
        raise UserError("--root_dir is required")
    run = run_dir.RunDir(os.path.join(root_dir, folder(task)), config)
    scale_out.watch_server(
        replay_server, f"collector {task}", "start it again once the server is back"
    )
    summaries = tf.summary.create_file_writer(run.join("train"))
    # The run's env steps (as of the last pull), the collector's own steps among the figures.
    bar = progress.Progress(
        f"{config.name} collector {task}", config.num_env_steps, int(collector.env_step.numpy())
    )
    next_summary = config.summary_interval
    while True:
        stop_request.check()
        try:
            if not collector.collect():
                break
        except scale_out.SERVER_ERRORS:
            client = scale_out.reconnect(replay_server, f"collector {task}")
            collector.connect(client)
            continue
        global_step = int(collector.env_step.numpy())
        bar.update(
            global_step,
            {
                "own env steps": collector.steps,
                "ε": float(collector.epsilon()),
                "weights of train step": int(collector.train_step.numpy()),
            },
        )
        if collector.steps >= next_summary:
            next_summary = collector.steps + config.summary_interval
            scores, lengths = collector.scores.drain()
            with summaries.as_default(step=global_step):
                if scores:
                    tf.summary.scalar("Metrics/GameScore", sum(scores) / len(scores))
                    tf.summary.scalar("Metrics/GameLength", sum(lengths) / len(lengths))
                tf.summary.scalar("Metrics/Epsilon", collector.epsilon())
                # How fresh the collector's weights are: the learner's train step they come from.
                tf.summary.scalar("Metrics/WeightsTrainStep", collector.train_step)
    bar.close()
    summaries.flush()
    print(
        f"collector {task}: the learner has finished; wrote {collector.steps:,} env steps",
        flush=True,
    )
