"""Reverb replay for DQN that stores each Atari frame once.

TF-Agents' ReverbAddTrajectoryObserver writes every step's full observation; with 4-frame stacks
that stores each frame four times. Here every step stores only its newest frame, an item spans
`frame_stack - 1 + n_step + 1` steps, and the stacks are rebuilt at sample time inside tf.data.
Reverb keeps each step once however many items refer to it, so a transition costs about one
compressed frame. With frame_stack=1 (vector observations) this is the plain n-step layout.
"""
from typing import List, Optional, Sequence

import numpy as np
import reverb
import tensorflow as tf
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import trajectory as trajectory_lib

TABLE = "experience"
# Frames compress far better in long chunks than one by one (zstd sees the repeats).
_FRAME_CHUNK_LENGTH = 32


def window_length(frame_stack: int, n_step: int) -> int:
    """Steps one replay item spans: the older frames of the first stack plus n_step + 1 steps."""
    return frame_stack - 1 + n_step + 1


def stored_step_spec(collect_data_spec: trajectory_lib.Trajectory, frame_stack: int):
    """The spec of one stored step: the collect spec with only the newest frame kept."""
    if frame_stack == 1:
        return collect_data_spec
    obs = collect_data_spec.observation
    frame = tf.TensorSpec(obs.shape[:-1], obs.dtype, name="frame")
    return collect_data_spec._replace(observation=frame)


def make_table(step_spec, capacity: int, window: int, min_size: int = 1) -> reverb.Table:
    """A uniform, FIFO experience table of `window`-step items."""
    signature = tensor_spec.add_outer_dim(step_spec, window)
    signature = tf.nest.map_structure(
        lambda s: tf.TensorSpec(s.shape, s.dtype, s.name), signature)
    return reverb.Table(
        TABLE,
        max_size=capacity,
        sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(),
        rate_limiter=reverb.rate_limiters.MinSize(min_size),
        signature=signature,
    )


class FrameReplayWriter:
    """Observer for batched trajectories: one Reverb TrajectoryWriter per environment.

    At each episode's first step it writes the stack's older frames as padding steps, so every
    sampled stack is exactly the one the agent saw; items are created only once an episode has
    n_step + 1 real steps, so padding never stands where a transition is read.
    """

    def __init__(self, client: reverb.Client, num_envs: int, frame_stack: int, n_step: int):
        self._frame_stack = frame_stack
        self._window = window_length(frame_stack, n_step)
        self._needed = n_step + 1
        keep = max(self._window, _FRAME_CHUNK_LENGTH)
        self._writers = [client.trajectory_writer(num_keep_alive_refs=keep, validate_items=False)
                         for _ in range(num_envs)]
        self._real_steps = [0] * num_envs
        if frame_stack > 1:
            for writer in self._writers:  # column 1 of a flattened Trajectory is the observation
                writer.configure((1,), num_keep_alive_refs=keep,
                                 max_chunk_length=_FRAME_CHUNK_LENGTH)

    def __call__(self, batch: trajectory_lib.Trajectory) -> None:
        # Flat numpy columns, in Trajectory field order: step_type, observation, action,
        # (policy_info), next_step_type, reward, discount. Policy outputs may be eager tensors.
        columns = [np.asarray(column) for column in tf.nest.flatten(batch)]
        step_types, observations, next_step_types = columns[0], columns[1], columns[-3]
        for i, writer in enumerate(self._writers):
            row = [column[i] for column in columns]
            if self._frame_stack > 1:
                frames = observations[i]
                if step_types[i] == 0:  # FIRST: the stack's older frames as padding steps
                    for k in range(self._frame_stack - 1):
                        row[1] = frames[..., k]
                        writer.append(tuple(row))
                row[1] = frames[..., -1]
            writer.append(tuple(row))
            self._real_steps[i] += 1
            if self._real_steps[i] >= self._needed:
                writer.create_item(TABLE, priority=1.0,
                                   trajectory=tuple(c[-self._window:] for c in writer.history))
            if step_types[i] == 2 and next_step_types[i] == 0:  # boundary: the episode ended
                writer.end_episode(clear_buffers=True)
                self._real_steps[i] = 0

    def flush(self) -> None:
        for writer in self._writers:
            writer.flush()

    def close(self) -> None:
        for writer in self._writers:
            writer.end_episode(clear_buffers=True)
            writer.close()


def make_dataset(server_address: str, step_spec, window: int, frame_stack: int,
                 batch_size: int, prefetch: int = 4) -> tf.data.Dataset:
    """Batches of `n_step + 1`-step trajectories with full frame stacks, ready for DqnAgent.train."""
    flat_spec = tuple(tf.nest.flatten(step_spec))
    signature = tuple(tf.TensorSpec((window,) + tuple(s.shape), s.dtype) for s in flat_spec)
    dataset = reverb.TrajectoryDataset(
        server_address=server_address,
        table=TABLE,
        shapes=tf.nest.map_structure(lambda s: s.shape, signature),
        dtypes=tf.nest.map_structure(lambda s: s.dtype, signature),
        max_in_flight_samples_per_worker=2 * batch_size,
    )

    def to_trajectory(sample):
        step = tf.nest.pack_sequence_as(step_spec, list(sample.data))
        return _rebuild_stacks(step, frame_stack)

    return dataset.batch(batch_size, drop_remainder=True).map(
        to_trajectory, num_parallel_calls=tf.data.AUTOTUNE).prefetch(prefetch)


def _rebuild_stacks(step: trajectory_lib.Trajectory, frame_stack: int):
    """[B, W, H, W] single frames -> [B, n_step + 1, H, W, frame_stack] stacks, oldest first."""
    if frame_stack == 1:
        return step
    frames = step.observation
    num_transitions = frames.shape[1] - frame_stack + 1
    stacks = tf.stack([tf.stack([frames[:, t + k] for k in range(frame_stack)], axis=-1)
                       for t in range(num_transitions)], axis=1)
    rest = tf.nest.map_structure(lambda x: x[:, frame_stack - 1:], step._replace(observation=()))
    return rest._replace(observation=stacks)


def connect(address: str, timeout_seconds: float = 30.0) -> reverb.Client:
    """A client of a running Reverb server, or ConnectionError after `timeout_seconds`."""
    client = reverb.Client(address)
    try:
        client.server_info(timeout=int(timeout_seconds))
    except Exception as error:  # Reverb raises a bare grpc/absl error type here
        raise ConnectionError(f"no Reverb server answered at {address} within "
                              f"{timeout_seconds:.0f} s") from error
    return client


def start_server(tables: Sequence[reverb.Table], port: Optional[int] = None,
                 checkpoint_dir: Optional[str] = None) -> reverb.Server:
    """A Reverb server; with `checkpoint_dir`, it restores the newest complete checkpoint there."""
    checkpointer = (reverb.checkpointers.DefaultCheckpointer(checkpoint_dir)
                    if checkpoint_dir else None)
    return reverb.Server(list(tables), port=port, checkpointer=checkpointer)
