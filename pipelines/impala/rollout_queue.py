"""The Reverb queue that carries whole rollouts from the actors to the learner.

One item is one environment's rollout, rollout_length + 1 trajectories (the last one only lends
V(x_T) and opens the next rollout). The queue is FIFO and each rollout is trained on once; when
it is full an actor waits, which bounds how far its weights can lag behind the learner's.
"""

import numpy as np
import reverb
import tensorflow as tf
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import trajectory

TABLE = "rollouts"


def rollout_spec(collect_data_spec: trajectory.Trajectory, rollout_length: int):
    """The spec of one item: the collect policy's trajectory with a time axis."""
    spec = tensor_spec.add_outer_dim(collect_data_spec, rollout_length + 1)
    return tf.nest.map_structure(lambda s: tf.TensorSpec(s.shape, s.dtype), spec)


def make_table(collect_data_spec: trajectory.Trajectory, rollout_length: int, capacity: int):
    return reverb.Table.queue(
        TABLE, max_size=capacity, signature=rollout_spec(collect_data_spec, rollout_length)
    )


class RolloutWriter:
    """Sends batches of rollouts [N, T + 1, ...] to the queue, one item per environment."""

    def __init__(self, client: reverb.Client):
        self._writer = client.trajectory_writer(num_keep_alive_refs=1)

    def write(self, rollouts: trajectory.Trajectory) -> None:
        for i in range(len(np.asarray(rollouts.step_type))):
            self._writer.append(tf.nest.map_structure(lambda x: x[i], rollouts))
            self._writer.create_item(
                TABLE, 1.0, tf.nest.map_structure(lambda column: column[-1], self._writer.history)
            )

    def flush(self, timeout_ms=None) -> None:
        """Waits until the queue has taken every rollout (reverb.errors.DeadlineExceededError
        after timeout_ms while it is full)."""
        self._writer.flush(timeout_ms=timeout_ms)


def make_dataset(address: str, spec, batch_size: int, timeout_ms: int) -> tf.data.Dataset:
    """Batches of rollouts [batch_size, T + 1, ...] taken off the queue; the dataset ends when
    no rollout arrives within timeout_ms."""
    dataset = reverb.TrajectoryDataset(
        server_address=address,
        table=TABLE,
        dtypes=tf.nest.map_structure(lambda s: s.dtype, spec),
        shapes=tf.nest.map_structure(lambda s: s.shape, spec),
        max_in_flight_samples_per_worker=batch_size,
        rate_limiter_timeout_ms=timeout_ms,
    )
    return dataset.map(lambda sample: sample.data).batch(batch_size, drop_remainder=True)
