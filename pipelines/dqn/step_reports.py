"""The DQN scale-out's step reports: each collector enqueues (task, env steps) after every batch
of steps it wrote to the experience table; the learner dequeues them to count env steps in total
and per collector. The rest of what the roles share is pipelines.common.scale_out's.
"""

from typing import List

import numpy as np
import reverb
import tensorflow as tf

STEPS_QUEUE = "collector_steps"
# Reports the queue holds while the learner is away (each one stands for a batch of env steps).
_QUEUE_CAPACITY = 100_000


def steps_queue() -> reverb.Table:
    signature = {"task": tf.TensorSpec((), tf.int32), "env_steps": tf.TensorSpec((), tf.int64)}
    return reverb.Table.queue(STEPS_QUEUE, max_size=_QUEUE_CAPACITY, signature=signature)


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
