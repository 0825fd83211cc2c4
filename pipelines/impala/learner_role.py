"""The IMPALA learner and --role=train: actors in other processes, the server at --replay_server
(--role=all, one process: single_process.py).

The learner takes batches of rollouts off the queue, trains on them, pushes its
weights, and hangs summaries, evaluation, checkpoints, the stop rule and the export on
on_policy's loop. Env steps are counted as the learner trains on them (batch_size *
rollout_length per train step), so the rollouts of a killed actor that never arrived are not
counted.
"""

import os
from typing import Dict, Optional

import tensorflow as tf
from tf_agents.utils import common

from pipelines.common import (
    batched_policy,
    on_policy,
    reverb_server,
    scale_out,
    stop_request,
    training_loop,
)
from pipelines.common.cli import UserError
from pipelines.impala import rollout_queue
from pipelines.impala.agent import ImpalaAgent, make_agent
from pipelines.impala.config import ImpalaConfig

POLICY_DIR = os.path.join("policies", "greedy_policy")
# How long the learner waits for a batch before it checks for a stop request.
_SAMPLE_TIMEOUT_MS = 2_000


class Learner:
    """Trains on batches from the queue at `address` and pushes the weights to `shared` (actors
    in other processes) every push_period train steps."""

    def __init__(
        self,
        config: ImpalaConfig,
        agent: ImpalaAgent,
        address: str,
        shared: Optional[scale_out.SharedVariables],
    ):
        self._config, self._agent, self._address, self.shared = config, agent, address, shared
        self._spec = rollout_queue.rollout_spec(agent.collect_data_spec, config.rollout_length)
        self._train = common.function(agent.train)
        self._batches = None

    def reconnect(self, shared: scale_out.SharedVariables) -> None:
        self.shared, self._batches = shared, None
        shared.push()

    def _next_batch(self):
        while True:
            stop_request.check()
            if self._batches is None:
                self._batches = iter(
                    rollout_queue.make_dataset(
                        self._address, self._spec, self._config.batch_size, _SAMPLE_TIMEOUT_MS
                    )
                )
            try:
                return next(self._batches)
            except (StopIteration, tf.errors.OutOfRangeError, tf.errors.DeadlineExceededError):
                self._batches = None  # no rollouts within the timeout: ask again

    def step(self) -> Dict[str, float]:
        info = self._train(self._next_batch())
        pushing = self.shared is not None
        if pushing and int(self._agent.train_step_counter.numpy()) % self._config.push_period == 0:
            self.shared.push()
        losses = {"loss": float(info.loss)}
        losses.update({name: float(value) for name, value in info.extra.items()})
        return losses


def _shared_variables(address: str, agent: ImpalaAgent, begun: on_policy.Start, finished):
    return scale_out.SharedVariables(
        address,
        scale_out.shared_variables(
            agent.collect_policy, begun.train_step, begun.env_step, finished
        ),
    )


def run_loop(config: ImpalaConfig, begun: on_policy.Start, agent, checkpointer, iterate, scores):
    loop = on_policy.make_loop(
        config,
        begun,
        iterate,
        checkpointer,
        batched_policy.BatchedPyPolicy(agent.policy),
        scores,
        agent.learning_rate,
    )
    loop.run()
    return loop


def learn(config: ImpalaConfig, root_dir: str, replay_server: str) -> Dict:
    """--role=train: trains on the rollouts at replay_server until num_env_steps (or the stop
    rule), then tells the actors to stop; returns summary.json's dict."""
    try:
        if not replay_server:
            raise ValueError("--role=train needs --replay_server=host:port")
        reverb_server.connect(replay_server)
    except (ValueError, ConnectionError) as error:
        raise UserError(str(error)) from None
    begun = on_policy.start(config, root_dir, num_train_envs=1)
    agent = make_agent(
        config, begun.time_step_spec, begun.action_spec, begun.train_step, begun.env_step
    )
    checkpointer, finished_summary = on_policy.restore(config, begun, agent)
    if finished_summary is not None:
        return finished_summary
    finished = tf.Variable(False)
    learner = Learner(
        config, agent, replay_server, _shared_variables(replay_server, agent, begun, finished)
    )
    learner.shared.push()
    scale_out.watch_server(
        replay_server, "learner", "its last checkpoint is intact: rerun the same command to resume"
    )

    def iterate() -> training_loop.Iteration:
        while True:
            try:
                losses = learner.step()
                break
            except scale_out.SERVER_ERRORS:
                _reconnect(learner, replay_server, agent, begun, finished, checkpointer)
        return training_loop.Iteration(config.batch_size * config.rollout_length, losses)

    loop = run_loop(config, begun, agent, checkpointer, iterate, scores=None)
    finished.assign(True)
    learner.shared.push()  # the actors stop at their next pull
    return loop.finish(agent.policy, begun.train_step, POLICY_DIR, begun.started)


def _reconnect(learner, address, agent, begun, finished, checkpointer) -> None:
    print(
        f"learner: lost the replay server at {address}; reconnecting (up to "
        f"{scale_out.RECONNECT_SECONDS:.0f} s)",
        flush=True,
    )
    if scale_out.wait_for_server(address) is None:
        checkpointer.save(global_step=int(begun.env_step.numpy()))
        raise UserError(
            f"replay server {address} unreachable for {scale_out.RECONNECT_SECONDS:.0f} s; "
            "the learner saved its checkpoint: rerun the same command to resume"
        )
    learner.reconnect(_shared_variables(address, agent, begun, finished))
