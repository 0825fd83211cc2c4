"""What the separate processes of a scaled-out run share through the Reverb server.

Besides the experience table, the server holds:
- the `variables` table (TF-Agents' ReverbVariableContainer layout: one item): the policy's
  weights, the train and env step counters and a `finished` flag, pushed by the learner and
  pulled by the collectors;
- the `collector_steps` queue: each collector enqueues (task, env steps) after every batch of
  steps it wrote; the learner dequeues them to count env steps in total and per collector.
"""

import os
import sys
import threading
import time
from typing import Dict, List, Optional

import numpy as np
import reverb
import tensorflow as tf
from tf_agents.experimental.distributed import reverb_variable_container

from pipelines.common.cli import UserError
from pipelines.dqn import replay

VARIABLES_TABLE = reverb_variable_container.DEFAULT_TABLE
STEPS_QUEUE = "collector_steps"
# Collectors a learner keeps counts for (the counts live in a fixed-size checkpointed variable).
MAX_COLLECTORS = 256
# Reports the queue holds while the learner is away (each one stands for a batch of env steps).
_QUEUE_CAPACITY = 100_000
# How long a client keeps trying to reach a restarted or vanished replay server.
RECONNECT_SECONDS = 60.0
_WATCH_SECONDS = 5.0
# What a vanished or restarting server raises in a client.
SERVER_ERRORS = (
    tf.errors.UnavailableError,
    tf.errors.CancelledError,
    tf.errors.AbortedError,
    tf.errors.DeadlineExceededError,
    reverb.errors.DeadlineExceededError,
    RuntimeError,
    ConnectionError,
)


def shared_variables(
    policy, train_step: tf.Variable, env_step: tf.Variable, finished: tf.Variable
) -> Dict:
    """The nest the learner pushes and the collectors pull."""
    return {
        "policy": policy.variables(),
        "train_step": train_step,
        "env_step": env_step,
        "finished": finished,
    }


def variables_table(variables: Dict) -> reverb.Table:
    """A one-item table for `variables` (what ReverbVariableContainer expects: max_size 1)."""
    signature = tf.nest.map_structure(lambda v: tf.TensorSpec(v.shape, v.dtype), variables)
    return reverb.Table(
        VARIABLES_TABLE,
        sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(),
        max_size=1,
        max_times_sampled=0,
        rate_limiter=reverb.rate_limiters.MinSize(1),
        signature=signature,
    )


def steps_queue() -> reverb.Table:
    signature = {"task": tf.TensorSpec((), tf.int32), "env_steps": tf.TensorSpec((), tf.int64)}
    return reverb.Table.queue(STEPS_QUEUE, max_size=_QUEUE_CAPACITY, signature=signature)


def experience_rate_limiter(
    samples_per_insert: float, min_size: int, batch_size: int
) -> reverb.rate_limiters.SampleToInsertRatio:
    """Keeps the learner at `samples_per_insert` sampled transitions per inserted one.

    The learner waits when it would sample more (no overfitting to old data), collectors wait
    when they run ahead (no data the learner never sees). The slack is 2 batches' worth of
    samples either way, at least, so neither side waits on every step.
    """
    error_buffer = max(2.0 * batch_size, 0.1 * min_size * samples_per_insert)
    return reverb.rate_limiters.SampleToInsertRatio(
        samples_per_insert=samples_per_insert,
        min_size_to_sample=max(1, min_size),
        error_buffer=error_buffer,
    )


class SharedVariables:
    """The collectors' and learner's side of the `variables` table."""

    def __init__(self, address: str, variables: Dict):
        self.variables = variables
        self._container = reverb_variable_container.ReverbVariableContainer(
            address, table_names=[VARIABLES_TABLE]
        )

    def push(self) -> None:
        self._container.push(self.variables, VARIABLES_TABLE)

    def pull(self) -> None:
        self._container.update(self.variables, VARIABLES_TABLE)

    @property
    def finished(self) -> bool:
        return bool(self.variables["finished"].numpy())


def report_steps(client: reverb.Client, task: int, env_steps: int) -> None:
    """A collector's report: it wrote `env_steps` more env steps to the experience table."""
    client.insert(
        {"task": np.int32(task), "env_steps": np.int64(env_steps)}, priorities={STEPS_QUEUE: 1.0}
    )


def drain_step_reports(client: reverb.Client) -> List[tuple]:
    """Every (task, env_steps) report waiting in the queue, oldest first (dequeued)."""
    waiting = client.server_info()[STEPS_QUEUE].current_size
    if not waiting:
        return []
    samples = client.sample(
        STEPS_QUEUE, num_samples=waiting, emit_timesteps=False, unpack_as_table_signature=True
    )
    return [(int(sample.data["task"]), int(sample.data["env_steps"])) for sample in samples]


def wait_for_server(
    address: str, seconds: float = RECONNECT_SECONDS, stop_early=lambda: False
) -> Optional[reverb.Client]:
    """A client once the server at `address` answers again, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop_early():
        try:
            return replay.connect(address, timeout_seconds=min(5.0, seconds))
        except ConnectionError:
            time.sleep(1.0)
    return None


def check_collector_flags(replay_server: str, task: int) -> None:
    """Raises ValueError for a collector's --replay_server or --task that no run can use."""
    if not replay_server:
        raise ValueError("--role=collect needs --replay_server=host:port")
    if not 0 <= task < MAX_COLLECTORS:
        raise ValueError(f"--task must be in [0, {MAX_COLLECTORS}), got {task}")


def reconnect(address: str, who: str) -> reverb.Client:
    """After a lost replay server: a client once it answers again; UserError (ends the process
    with one line) if it has not within RECONNECT_SECONDS."""
    print(
        f"{who}: lost the replay server at {address}; reconnecting "
        f"(up to {RECONNECT_SECONDS:.0f} s)",
        flush=True,
    )
    client = wait_for_server(address)
    if client is None:
        raise UserError(
            f"replay server {address} unreachable for {RECONNECT_SECONDS:.0f} s; {who} stops"
        )
    return client


def watch_server(address: str, who: str, consequence: str) -> None:
    """Ends this process with one clear line once the server at `address` has not answered for
    RECONNECT_SECONDS. A restarted server is rejoined on its own (gRPC reconnects), but a Reverb
    call blocked on a server that never returns would wait forever."""

    def watch():
        client = reverb.Client(address)
        lost_since = None
        while True:
            time.sleep(_WATCH_SECONDS)
            try:
                client.server_info(timeout=int(_WATCH_SECONDS))
                if lost_since is not None:
                    print(f"{who}: replay server {address} is back", flush=True)
                lost_since = None
            except Exception:  # Reverb raises bare gRPC/absl error types here
                now = time.monotonic()
                if lost_since is None:
                    lost_since = now
                    print(
                        f"{who}: replay server {address} not answering; waiting up to "
                        f"{RECONNECT_SECONDS:.0f} s for it",
                        flush=True,
                    )
                elif now - lost_since >= RECONNECT_SECONDS:
                    sys.stderr.write(
                        f"error: replay server {address} unreachable for "
                        f"{RECONNECT_SECONDS:.0f} s; {who} stops ({consequence})\n"
                    )
                    sys.stderr.flush()
                    os._exit(1)  # the main thread may be blocked inside Reverb

    threading.Thread(target=watch, name="replay-server-watch", daemon=True).start()
