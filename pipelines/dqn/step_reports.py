"""The DQN scale-out's env-step accounting: each collector enqueues (task, env steps) after every
batch of steps it wrote to the experience table, and the replay server itself adds the reports
to its counts table (the run's env steps, in total and per collector), which the learner reads.

The server counts, not the learner, so that a report is counted exactly once whatever dies: the
counts live in the server's own Reverb checkpoint beside the queue and the experience, and a
restored server rolls all three back to the same moment (a report is either still queued or
counted, never both). A killed learner loses nothing: it reads the counts again. A server that
restored no counts (a fresh run, or no replay checkpoint) holds them as unknown, leaves the
reports queued, and takes the learner's checkpointed counts as the starting point. The rest of
what the roles share is pipelines.common.scale_out's.
"""

from typing import List, Optional, Tuple

import numpy as np
import reverb
import tensorflow as tf

from pipelines.common import scale_out
from pipelines.common.scale_out import MAX_COLLECTORS

STEPS_QUEUE = "collector_steps"
COUNTS_TABLE = "env_step_counts"
# Reports the queue holds while nobody counts them (each one stands for a batch of env steps).
_QUEUE_CAPACITY = 100_000
# The counts' total while the server waits for the learner's (see the module's docstring).
UNKNOWN = -1

Counts = Tuple[int, np.ndarray]  # (env steps in total, env steps per collector task)


def steps_queue() -> reverb.Table:
    signature = {"task": tf.TensorSpec((), tf.int32), "env_steps": tf.TensorSpec((), tf.int64)}
    return reverb.Table.queue(STEPS_QUEUE, max_size=_QUEUE_CAPACITY, signature=signature)


def counts_table() -> reverb.Table:
    """A one-item table: the latest counts, rewritten whole."""
    signature = {
        "env_steps": tf.TensorSpec((), tf.int64),
        "per_collector": tf.TensorSpec((MAX_COLLECTORS,), tf.int64),
    }
    return scale_out.one_item_table(COUNTS_TABLE, signature)


def report_steps(client: reverb.Client, task: int, env_steps: int) -> None:
    """A collector's report: it wrote `env_steps` more env steps to the experience table."""
    client.insert(
        {"task": np.int32(task), "env_steps": np.int64(env_steps)}, priorities={STEPS_QUEUE: 1.0}
    )


def read_counts(client: reverb.Client) -> Optional[Counts]:
    """The server's counts, or None while it waits for the learner's."""
    sample = next(iter(client.sample(COUNTS_TABLE, num_samples=1, emit_timesteps=False,
                                     unpack_as_table_signature=True)))  # fmt: skip
    total = int(sample.data["env_steps"])
    # Without timesteps, each field still comes with the item's one-step dimension.
    per_collector = np.asarray(sample.data["per_collector"]).reshape(MAX_COLLECTORS)
    return None if total == UNKNOWN else (total, per_collector)


def write_counts(client: reverb.Client, counts: Optional[Counts]) -> None:
    """Replaces the counts item (None: unknown)."""
    total, per_collector = counts or (UNKNOWN, np.zeros(MAX_COLLECTORS, np.int64))
    client.insert(
        {"env_steps": np.int64(total), "per_collector": per_collector.astype(np.int64)},
        priorities={COUNTS_TABLE: 1.0},
    )


class ServerCounter:
    """The replay server's side: adds the queued reports to the counts, once they are known."""

    def __init__(self, client: reverb.Client):
        self._client = client
        if not client.server_info()[COUNTS_TABLE].current_size:
            write_counts(client, None)  # nothing restored: the learner's checkpoint says
        self.counts = read_counts(client)

    def drain(self) -> None:
        if self.counts is None:
            self.counts = read_counts(self._client)  # the learner's, once it has written them
            if self.counts is None:
                return
        reports = _dequeue_all(self._client)
        if not reports:
            return
        total, per_collector = self.counts
        per_collector = per_collector.copy()
        for task, steps in reports:
            if 0 <= task < MAX_COLLECTORS:
                per_collector[task] += steps
                total += steps
        self.counts = (total, per_collector)
        write_counts(self._client, self.counts)

    def describe(self) -> str:
        if self.counts is None:
            return "env steps counted: the learner's checkpoint will say"
        return f"{self.counts[0]:,} env steps counted"


def _dequeue_all(client: reverb.Client) -> List[tuple]:
    """Every (task, env_steps) report waiting in the queue, oldest first (dequeued)."""
    waiting = client.server_info()[STEPS_QUEUE].current_size
    if not waiting:
        return []
    samples = client.sample(
        STEPS_QUEUE, num_samples=waiting, emit_timesteps=False, unpack_as_table_signature=True
    )
    return [(int(sample.data["task"]), int(sample.data["env_steps"])) for sample in samples]
