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

A server killed after its last checkpoint comes back without the reports (and transitions) that
arrived since. Each report names the collector process it comes from (a random incarnation) and
that process's running total, and the counts keep the last total seen from each task: the next
report after the restore shows the gap, which the server counts as lost and says so in one line.
So at the end, the env steps the collectors wrote = counted + lost, exactly (a collector killed
between its flush and its report is the exception: its last batch is in the replay, uncounted).
"""

import dataclasses
import os
from typing import List, Optional

import numpy as np
import reverb
import tensorflow as tf

from pipelines.common import scale_out
from pipelines.common.cli import UserError
from pipelines.common.scale_out import MAX_COLLECTORS

STEPS_QUEUE = "collector_steps"
COUNTS_TABLE = "env_step_counts"
# Reports the queue holds while nobody counts them (each one stands for a batch of env steps).
_QUEUE_CAPACITY = 100_000
# The counts' total while the server waits for the learner's (see the module's docstring).
UNKNOWN = -1

_PER_TASK = tf.TensorSpec((MAX_COLLECTORS,), tf.int64)
_REPORT_SIGNATURE = {
    "task": tf.TensorSpec((), tf.int32),
    "env_steps": tf.TensorSpec((), tf.int64),
    "incarnation": tf.TensorSpec((), tf.int64),  # the reporting process, drawn at its start
    "reported": tf.TensorSpec((), tf.int64),  # that process's env steps, this report included
}
_COUNTS_SIGNATURE = {
    "env_steps": tf.TensorSpec((), tf.int64),
    "per_collector": _PER_TASK,
    "lost": tf.TensorSpec((), tf.int64),
    "incarnation": _PER_TASK,  # per task: the process its last counted report came from
    "reported": _PER_TASK,  # and that report's running total
}


@dataclasses.dataclass
class Counts:
    """The run's env steps: in total, per collector task, and lost with a server restore."""

    total: int
    per_collector: np.ndarray
    lost: int = 0
    incarnation: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros(MAX_COLLECTORS, np.int64)
    )
    reported: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros(MAX_COLLECTORS, np.int64)
    )


def steps_queue() -> reverb.Table:
    return reverb.Table.queue(STEPS_QUEUE, max_size=_QUEUE_CAPACITY, signature=_REPORT_SIGNATURE)


def counts_table() -> reverb.Table:
    """A one-item table: the latest counts, rewritten whole."""
    return scale_out.one_item_table(COUNTS_TABLE, _COUNTS_SIGNATURE)


def check_restored(client: reverb.Client, checkpoint_dir: str) -> None:
    """Refuses (UserError) a replay checkpoint whose step tables have another layout: Reverb
    restores a table as it was saved, whatever the server was built with."""
    info = client.server_info()
    for table, signature in ((STEPS_QUEUE, _REPORT_SIGNATURE), (COUNTS_TABLE, _COUNTS_SIGNATURE)):
        restored = info[table].signature
        if not isinstance(restored, dict) or set(restored) != set(signature):
            raise UserError(
                f"the replay checkpoint in {checkpoint_dir} comes from another version of this "
                f"package (its {table} table differs); move that folder aside to start the "
                "replay afresh (the learner's checkpoint keeps the env-step counts)"
            )


def new_incarnation() -> int:
    """A collector process's identity in its reports: random, so a restart never reuses one."""
    return int.from_bytes(os.urandom(8), "little") >> 1 or 1


def report_steps(
    client: reverb.Client, task: int, env_steps: int, incarnation: int, reported: int
) -> None:
    """A collector's report: it wrote `env_steps` more env steps to the experience table,
    `reported` in all since it started."""
    report = {"task": np.int32(task), "env_steps": np.int64(env_steps),
              "incarnation": np.int64(incarnation), "reported": np.int64(reported)}  # fmt: skip
    client.insert(report, priorities={STEPS_QUEUE: 1.0})


def read_counts(client: reverb.Client) -> Optional[Counts]:
    """The server's counts, or None while it waits for the learner's."""
    sample = next(iter(client.sample(COUNTS_TABLE, num_samples=1, emit_timesteps=False,
                                     unpack_as_table_signature=True)))  # fmt: skip
    # Without timesteps, each field still comes with the item's one-step dimension.
    field = {key: np.asarray(value) for key, value in sample.data.items()}
    total = int(field["env_steps"].reshape(()))
    if total == UNKNOWN:
        return None
    return Counts(
        total,
        field["per_collector"].reshape(MAX_COLLECTORS),
        int(field["lost"].reshape(())),
        field["incarnation"].reshape(MAX_COLLECTORS),
        field["reported"].reshape(MAX_COLLECTORS),
    )


def write_counts(client: reverb.Client, counts: Optional[Counts]) -> None:
    """Replaces the counts item (None: unknown)."""
    counts = counts or Counts(UNKNOWN, np.zeros(MAX_COLLECTORS, np.int64))
    item = {"env_steps": np.int64(counts.total), "lost": np.int64(counts.lost)}
    for key in ("per_collector", "incarnation", "reported"):
        item[key] = np.asarray(getattr(counts, key), np.int64)
    client.insert(item, priorities={COUNTS_TABLE: 1.0})


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
        counts = dataclasses.replace(
            self.counts,
            per_collector=self.counts.per_collector.copy(),
            incarnation=self.counts.incarnation.copy(),
            reported=self.counts.reported.copy(),
        )
        for task, steps, incarnation, reported in reports:
            if not 0 <= task < MAX_COLLECTORS:
                continue
            if counts.incarnation[task] == incarnation:
                # Reports of the same process that never reached this server's checkpoint.
                gap = reported - steps - int(counts.reported[task])
                if gap > 0:
                    counts.lost += gap
                    print(
                        f"replay server: {gap:,} env steps collector {task} wrote after this "
                        "server's last checkpoint were lost with it, their transitions and "
                        "count; the collectors make them up",
                        flush=True,
                    )
            counts.incarnation[task], counts.reported[task] = incarnation, reported
            counts.per_collector[task] += steps
            counts.total += steps
        self.counts = counts
        write_counts(self._client, counts)

    def describe(self) -> str:
        if self.counts is None:
            return "env steps counted: the learner's checkpoint will say"
        lost = f", {self.counts.lost:,} lost with a restore" if self.counts.lost else ""
        return f"{self.counts.total:,} env steps counted{lost}"


def _dequeue_all(client: reverb.Client) -> List[tuple]:
    """Every (task, env_steps, incarnation, reported) report waiting in the queue, oldest first
    (dequeued)."""
    waiting = client.server_info()[STEPS_QUEUE].current_size
    if not waiting:
        return []
    samples = client.sample(
        STEPS_QUEUE, num_samples=waiting, emit_timesteps=False, unpack_as_table_signature=True
    )
    fields = ("task", "env_steps", "incarnation", "reported")
    return [tuple(int(np.asarray(sample.data[key]).reshape(())) for key in fields)
            for sample in samples]  # fmt: skip
