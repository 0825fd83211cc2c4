"""--role=train: the learner of a scaled-out run.

It trains on batches from the replay server as fast as the server's rate limiter allows, pushes
its weights and counters to the variables table, reads the env steps the server counted, and
checkpoints, evaluates and exports as a single-process run does. It finishes once the server has
counted num_env_steps env steps from the collectors' reports (pipelines.dqn.step_reports), and
tells them so through the variables table.
"""

import time
from typing import Dict, Optional

import numpy as np
import tensorflow as tf

import envs
from pipelines.common import (
    checkpoints,
    environments,
    reverb_server,
    run_dir,
    run_summary,
    scale_out,
    training_loop,
)
from pipelines.common.cli import UserError
from pipelines.dqn import replay, step_reports
from pipelines.dqn.agent import build_agent
from pipelines.dqn.builder import POLICY_DIR, make_eval_policy, make_learner
from pipelines.dqn.config import DqnConfig

_IDLE_SECONDS = 0.5


class _Learner:
    """The learner's state and its connection to the replay server."""

    def __init__(
        self, config: DqnConfig, run: run_dir.RunDir, address: str, strategy: tf.distribute.Strategy
    ):
        self.config, self.run, self.address, self.strategy = config, run, address, strategy
        environment = environments.make_environments(config, 1, config.seed, training=True)[0]
        with strategy.scope():  # the agent's variables live where the strategy trains them
            self.train_step = tf.Variable(0, dtype=tf.int64, name="train_step")
            self.env_step = tf.Variable(0, dtype=tf.int64, name="env_step")
            self.finished = tf.Variable(False, name="finished")
            # Set once an evaluation reaches config.stop_at_eval_return: a rerun does not train on.
            self.reached_stop_return = tf.Variable(False, name="reached_stop_return")
            self.collector_steps = tf.Variable(
                np.zeros(scale_out.MAX_COLLECTORS, np.int64), name="collector_steps"
            )
            self.agent, self.epsilon = build_agent(
                config,
                environment.time_step_spec(),
                environment.action_spec(),
                self.train_step,
                self.env_step,
            )
        self.frame_stack = config.frame_stack if envs.is_atari(config.env_id) else 1
        self.checkpointer = checkpoints.open_checkpointer(
            run.join("checkpoints"),
            agent=self.agent,
            train_step=self.train_step,
            env_step=self.env_step,
            collector_steps=self.collector_steps,
            reached_stop_return=self.reached_stop_return,
        )
        self.resumed_from = int(self.env_step.numpy())
        self.lost = 0  # env steps the server lost with restores, as its counts say
        self.train_steps_per_push = max(1, config.weights_sync_period // config.update_period // 2)
        self.connect(reverb_server.connect(address))

    def connect(self, client) -> None:
        """(Re)builds the dataset and the variables' channel, and pushes the current weights."""
        self.client = client
        self.learner = make_learner(
            self.config,
            self.run,
            self.agent,
            self.train_step,
            self.address,
            self.frame_stack,
            self.strategy,
        )
        self.shared = scale_out.SharedVariables(
            self.address,
            scale_out.shared_variables(
                self.agent.collect_policy, self.train_step, self.env_step, self.finished
            ),
        )
        self.shared.push()

    def read_counts(self) -> int:
        """The server's env-step counts into the counters (or, while it has none, this learner's
        to the server); returns the replay's size."""
        counts = step_reports.read_counts(self.client)
        if counts is None:
            step_reports.write_counts(
                self.client,
                step_reports.Counts(int(self.env_step.numpy()), self.collector_steps.numpy()),
            )
        else:
            lost = int(self.env_step.numpy()) - counts.total
            if lost > 0:
                # A server killed and restored: its replay and counts went back together.
                print(
                    f"learner: the replay server came back from its checkpoint with "
                    f"{counts.total:,} env steps counted; the {lost:,} counted since were lost "
                    "with it, their transitions too, and the collectors make them up",
                    flush=True,
                )
            self.lost = counts.lost
            self.env_step.assign(counts.total)
            self.collector_steps.assign(counts.per_collector)
        return self.client.server_info()[replay.TABLE].current_size

    def train(self) -> float:
        loss = float(self.learner.run(iterations=self.train_steps_per_push).loss)
        self.shared.push()
        return loss

    def save(self) -> None:
        self.checkpointer.save(global_step=self.env_step.numpy())

    def per_collector(self) -> Dict[str, int]:
        counts = self.collector_steps.numpy()
        return {str(task): int(counts[task]) for task in np.flatnonzero(counts)}


def make_strategy() -> tf.distribute.Strategy:
    """Every GPU of the machine through MirroredStrategy when there are several; otherwise
    TensorFlow's default strategy (one GPU, or the CPU)."""
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def learn(
    config: DqnConfig,
    root_dir: str,
    replay_server: str,
    strategy: Optional[tf.distribute.Strategy] = None,
) -> Dict:
    """Trains until the collectors have reported num_env_steps; returns summary.json's dict."""
    try:
        if not replay_server:
            raise ValueError("--role=train needs --replay_server=host:port")
        reverb_server.connect(replay_server)
        eval_envs = environments.make_eval_environments(config)
    except (ValueError, ConnectionError) as error:
        raise UserError(str(error)) from None
    strategy = strategy or make_strategy()
    if config.batch_size % strategy.num_replicas_in_sync:
        raise UserError(
            f"config.batch_size={config.batch_size} must divide evenly over the "
            f"{strategy.num_replicas_in_sync} replicas (GPUs) of the learner"
        )
    run = run_dir.RunDir(root_dir, config)
    started = time.monotonic()
    tf.keras.utils.set_random_seed(config.seed)
    state = _Learner(config, run, replay_server, strategy)
    scale_out.watch_server(
        replay_server, "learner", "its last checkpoint is intact: rerun the same command to resume"
    )
    finished = run_summary.already_finished(
        run,
        state.resumed_from,
        config.num_env_steps,
        bool(state.reached_stop_return.numpy()),
    )
    if finished is not None:
        state.finished.assign(True)
        state.shared.push()  # collectors started for nothing stop at their next pull
        return finished
    replay_size = 0

    def iterate() -> training_loop.Iteration:
        """Counts the collectors' reports and trains one push's worth of steps (or waits, while
        they fill the replay)."""
        nonlocal replay_size
        before = int(state.env_step.numpy())
        while True:
            try:
                replay_size = state.read_counts()
                if replay_size < max(config.initial_collect_steps, config.batch_size):
                    time.sleep(_IDLE_SECONDS)  # warm-up: the collectors fill the replay
                    return training_loop.Iteration(
                        int(state.env_step.numpy()) - before, {}, warming_up=True
                    )
                loss = state.train()
                return training_loop.Iteration(int(state.env_step.numpy()) - before, {"loss": loss})
            except scale_out.SERVER_ERRORS:
                _reconnect(state)

    loop = training_loop.TrainingLoop(
        config,
        run,
        iterate,
        lambda step: state.save(),
        state.env_step,
        state.reached_stop_return,
        make_eval_policy(config, state.agent),
        eval_envs,
        extra_summaries=lambda: {
            "ReplaySize": replay_size,
            "TrainSteps": int(state.train_step.numpy()),
        },
        extra_figures=lambda: {
            "train steps": int(state.train_step.numpy()),
            "collectors": len(state.per_collector()),
        },
        name=f"{config.name} learner",
    )
    loop.run()
    state.finished.assign(True)
    state.shared.push()  # the collectors stop at their next pull
    return loop.finish(
        state.agent.policy,
        state.train_step,
        POLICY_DIR,
        started,
        config.eval_epsilon,
        env_steps_per_collector=state.per_collector(),
        env_steps_lost=state.lost,
    )


def _reconnect(state: _Learner) -> None:
    print(
        f"learner: lost the replay server at {state.address}; reconnecting (up to "
        f"{scale_out.RECONNECT_SECONDS:.0f} s)",
        flush=True,
    )
    client = scale_out.wait_for_server(state.address)
    if client is None:
        state.save()
        raise UserError(
            f"replay server {state.address} unreachable for "
            f"{scale_out.RECONNECT_SECONDS:.0f} s; the learner saved its checkpoint: "
            "rerun the same command to resume"
        )
    state.connect(client)
