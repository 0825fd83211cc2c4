"""TensorBoard scalars of a model-free run: return, length and epsilon of every episode."""

import glob
import os
from typing import Dict, List

import tensorflow as tf
from tensorboard.plugins.scalar import metadata as scalar_metadata

from pipelines.tabular.model_free import Episode

LOG_SUBDIR = "train"
TAGS = {
    "episode_return": "Metrics/EpisodeReturn",
    "length": "Metrics/EpisodeLength",
    "epsilon": "Metrics/Epsilon",
}
_CHUNK = 1_000  # episodes written at once: one eager scalar costs more than an episode
_SCALAR = scalar_metadata.create_summary_metadata(display_name=None, description=None)


def _write_scalars(steps: tf.Tensor, values: tf.Tensor) -> None:
    """values: (len(TAGS), len(steps)). Run as a tf.function: one graph loop instead of eager
    calls. tf.summary.write, since tf.summary.scalar would prefix the loop's name scope."""
    for i in tf.range(tf.size(steps)):
        for row, tag in enumerate(TAGS.values()):
            tf.summary.write(
                tag, values[row, i], step=steps[i], metadata=_SCALAR.SerializeToString()
            )


class EpisodeSummaries:
    """Collects episodes and writes them in chunks into root_dir/train; steps are episode
    numbers from 1. A run repeated in the same root_dir replaces the earlier event files."""

    def __init__(self, root_dir: str):
        log_dir = os.path.join(root_dir, LOG_SUBDIR)
        for old in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
            os.remove(old)
        self._writer = tf.summary.create_file_writer(log_dir)
        self._write = tf.function(_write_scalars)  # its trace holds this writer: one per run
        self._pending: Dict[str, List[float]] = {name: [] for name in TAGS}
        self._steps: List[int] = []

    def add(self, episode: Episode) -> None:
        self._steps.append(episode.number + 1)
        for name in TAGS:
            self._pending[name].append(float(getattr(episode, name)))
        if len(self._steps) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._steps:
            values = tf.constant([self._pending[name] for name in TAGS], tf.float32)
            with self._writer.as_default():
                self._write(tf.constant(self._steps, tf.int64), values)
            self._pending = {name: [] for name in TAGS}
            self._steps = []
        self._writer.flush()

    def close(self) -> None:
        self.flush()
        self._writer.close()
