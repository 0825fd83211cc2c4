"""Reverb replay for DQN that stores each Atari frame once.

TF-Agents' ReverbAddTrajectoryObserver writes every step's full observation; with 4-frame stacks
that stores each frame four times. Here every step stores only its newest frame, an item spans
`frame_stack - 1 + n_step + 1` steps, and the stacks are rebuilt at sample time inside tf.data.
Reverb keeps each step once however many items refer to it, so a transition costs about one
compressed frame. With frame_stack=1 (vector observations) this is the plain n-step layout.

A stored step has two columns: the observation (or newest frame) and the five scalars of the
step packed in one float32 vector. Reverb's per-item bookkeeping grows with the column count, and
at ~1 KB per Atari frame it would otherwise cost as much as the frame itself.
"""

import collections
from typing import Optional

import numpy as np
import reverb
import tensorflow as tf
from tf_agents.specs import tensor_spec
from tf_agents.trajectories import trajectory as trajectory_lib

TABLE = "experience"
# Trajectory fields packed into the float32 scalars column (all exact in float32: small ints and
# float32 rewards/discounts).
_SCALARS = ("step_type", "action", "next_step_type", "reward", "discount")
# Steps per Reverb chunk, every column. Longer chunks compress better (zstd sees the repeats
# between frames; each chunk carries fixed overhead) but a sampled item decompresses whole
# chunks. Measured on Breakout: 8 steps = 1.67 KB per transition at ~85 env steps/s with
# training; 32 steps = 1.37 KB at ~55 env steps/s.
_CHUNK_LENGTH = 8


def collect_data_spec(environment) -> trajectory_lib.Trajectory:
    """What a DQN policy collects in `environment` (DqnAgent.collect_data_spec), without an agent:
    enough to build the table of a replay server that runs on its own."""
    specs = tensor_spec.from_spec(environment.time_step_spec())
    return trajectory_lib.Trajectory(
        step_type=specs.step_type,
        observation=specs.observation,
        action=tensor_spec.from_spec(environment.action_spec()),
        policy_info=(),
        next_step_type=specs.step_type,
        reward=specs.reward,
        discount=specs.discount,
    )


def window_length(frame_stack: int, n_step: int) -> int:
    """Steps one replay item spans: the older frames of the first stack plus n_step + 1 steps."""
    return frame_stack - 1 + n_step + 1


def stored_step_spec(collect_data_spec: trajectory_lib.Trajectory, frame_stack: int):
    """(observation or newest frame, packed scalars): the two columns of one stored step."""
    if tf.nest.flatten(collect_data_spec.policy_info):
        raise ValueError("the DQN replay layout stores no policy_info")
    obs = collect_data_spec.observation
    shape = obs.shape[:-1] if frame_stack > 1 else obs.shape
    return (
        tf.TensorSpec(shape, obs.dtype, name="observation"),
        tf.TensorSpec((len(_SCALARS),), tf.float32, name="scalars"),
    )


def make_table(
    step_spec,
    capacity: int,
    window: int,
    rate_limiter: Optional[reverb.rate_limiters.RateLimiter] = None,
) -> reverb.Table:
    """A uniform, FIFO experience table of `window`-step items (by default sampling starts at one
    item; a single-process run paces training itself)."""
    signature = tensor_spec.add_outer_dim(step_spec, window)
    signature = tf.nest.map_structure(lambda s: tf.TensorSpec(s.shape, s.dtype, s.name), signature)
    return reverb.Table(
        TABLE,
        max_size=capacity,
        sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(),
        rate_limiter=rate_limiter or reverb.rate_limiters.MinSize(1),
        signature=signature,
    )


class FrameReplayWriter:
    """Observer for batched trajectories: one Reverb TrajectoryWriter per environment.

    At each episode's first step it writes the stack's older frames as padding steps, so every
    sampled stack is exactly the one the agent saw; items are created only once an episode has
    n_step + 1 real steps, so that padding never stands where a transition is read.

    With n_step > 1, an episode's last n_step - 1 transitions fit in no full window; TF-Agents'
    observer drops them, and with them the steps right before a failure. Here the episode's end is
    padded with n_step - 1 steps (LAST -> FIRST, reward 0, the final observation). The boundary
    step and the padding are stored with discount 1 / gamma: DqnAgent discounts each step of a
    window by gamma * discount, so they add neither reward nor discount, and those transitions
    get their shortened returns exactly, bootstrapped from the final observation after the
    real steps alone when the episode was cut by a time limit (discount 1 at its LAST step) and
    not at all when it terminated (discount 0). On Atari the padded step's stack repeats its
    newest frame: the bootstrap of a cut episode sees that stack.
    """

    def __init__(
        self, client: reverb.Client, num_envs: int, frame_stack: int, n_step: int, gamma: float
    ):
        self._frame_stack = frame_stack
        self._window = window_length(frame_stack, n_step)
        self._needed = n_step + 1
        keep = max(self._window, _CHUNK_LENGTH)
        self._writers = [
            client.trajectory_writer(num_keep_alive_refs=keep, validate_items=False)
            for _ in range(num_envs)
        ]
        # Steps and items go straight to Reverb's C++ writer: its Python wrapper restructures and
        # validates every call (57 vs 20-30 us per CartPole env step, the largest per-step cost
        # of the run). Columns are fixed here: 0 the observation, 1 the scalars.
        self._cpp_writers = [writer._writer for writer in self._writers]
        chunking = reverb.pybind.ConstantChunkerOptions(
            max_chunk_length=_CHUNK_LENGTH, num_keep_alive_refs=keep
        )
        for cpp_writer in self._cpp_writers:
            for column in range(2):
                cpp_writer.ConfigureChunker(column, chunking)
        # Per environment, the (observation, scalars) references of its last `window` steps.
        self._history = [collections.deque(maxlen=self._window) for _ in range(num_envs)]
        self._real_steps = [0] * num_envs
        self._end_padding = n_step - 1
        # LAST -> FIRST like the boundary, no reward, gamma * discount = 1.
        self._neutral_step = np.array([2, 0, 0, 0.0, 1.0 / gamma], np.float32)

    def __call__(self, batch: trajectory_lib.Trajectory) -> None:
        scalars = np.stack(
            [np.asarray(getattr(batch, name), np.float32) for name in _SCALARS], axis=-1
        )
        observations = np.asarray(batch.observation)
        step_types, next_step_types = np.asarray(batch.step_type), np.asarray(batch.next_step_type)
        for i in range(len(self._writers)):
            stored = observations[i]
            boundary = step_types[i] == 2 and next_step_types[i] == 0  # the episode ended
            step_scalars = self._neutral_step if boundary else scalars[i]
            if self._frame_stack > 1:
                if step_types[i] == 0:  # FIRST: the stack's older frames as padding steps
                    for k in range(self._frame_stack - 1):
                        self._history[i].append(
                            self._cpp_writers[i].Append([stored[..., k], step_scalars])
                        )
                stored = stored[..., -1]
            self._append(i, (stored, step_scalars))
            if boundary:
                for _ in range(self._end_padding):
                    self._append(i, (stored, self._neutral_step))
                # No writer.end_episode(): it waits until the server confirms every pending item,
                # which a rate-limited server holds back. Items never reach past the next
                # episode's first-frame padding anyway, as they start counting again here.
                self._real_steps[i] = 0

    def _append(self, env: int, step: tuple) -> None:
        """Appends one step and creates the item of the window that ends with it."""
        history = self._history[env]
        history.append(self._cpp_writers[env].Append(list(step)))
        self._real_steps[env] += 1
        if self._real_steps[env] >= self._needed:
            # history holds exactly the window: deque(maxlen=window), and needed <= window.
            self._cpp_writers[env].CreateItem(
                TABLE,
                1.0,
                [[refs[0] for refs in history], [refs[1] for refs in history]],
                [False, False],
            )

    def flush(self, timeout_ms: Optional[int] = None) -> None:
        """Waits until the server has every item written so far (DeadlineExceededError after
        `timeout_ms`; the items stay queued)."""
        for writer in self._writers:
            writer.flush(timeout_ms=timeout_ms)

    def close(self) -> None:
        for writer in self._writers:
            writer.end_episode(clear_buffers=True)
            writer.close()


def make_dataset(
    server_address: str,
    collect_data_spec,
    frame_stack: int,
    n_step: int,
    batch_size: int,
    prefetch: int = 4,
) -> tf.data.Dataset:
    """Batches of `n_step + 1`-step Trajectories with full frame stacks, ready for DqnAgent."""
    window = window_length(frame_stack, n_step)
    columns = stored_step_spec(collect_data_spec, frame_stack)
    dataset = reverb.TrajectoryDataset(
        server_address=server_address,
        table=TABLE,
        shapes=tuple(tf.TensorShape((window,) + tuple(c.shape)) for c in columns),
        dtypes=tuple(c.dtype for c in columns),
        max_in_flight_samples_per_worker=2 * batch_size,
    )

    def to_trajectory(sample):
        observations, scalars = sample.data
        fields = {name: scalars[..., k] for k, name in enumerate(_SCALARS)}
        if frame_stack > 1:
            observations = _rebuild_stacks(observations, frame_stack)
            fields = {name: value[:, frame_stack - 1 :] for name, value in fields.items()}
        spec = collect_data_spec
        return trajectory_lib.Trajectory(
            step_type=tf.cast(fields["step_type"], spec.step_type.dtype),
            observation=observations,
            action=tf.cast(fields["action"], spec.action.dtype),
            policy_info=(),
            next_step_type=tf.cast(fields["next_step_type"], spec.next_step_type.dtype),
            reward=tf.cast(fields["reward"], spec.reward.dtype),
            discount=tf.cast(fields["discount"], spec.discount.dtype),
        )

    # No tf.data autotuning: its model thread sleeps up to a minute between rounds, and deleting
    # the iterator waits for it (runs hung 5-47 s at exit). The fixed sizes here need no tuning.
    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        dataset.batch(batch_size, drop_remainder=True)
        .map(to_trajectory, num_parallel_calls=2)
        .prefetch(prefetch)
        .with_options(options)
    )


def _rebuild_stacks(frames: tf.Tensor, frame_stack: int) -> tf.Tensor:
    """[B, W, H, W] single frames -> [B, W - frame_stack + 1, H, W, frame_stack], oldest first."""
    num_transitions = frames.shape[1] - frame_stack + 1
    return tf.stack(
        [
            tf.stack([frames[:, t + k] for k in range(frame_stack)], axis=-1)
            for t in range(num_transitions)
        ],
        axis=1,
    )


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
