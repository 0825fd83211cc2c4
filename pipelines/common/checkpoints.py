"""A run's checkpointer, restored from the newest checkpoint that is readable.

TF-Agents' Checkpointer restores what the state file (checkpoints/checkpoint) names, as it is
built: without the file it starts from zero, over a run whose ckpt-* files are still there, and
a damaged newest checkpoint ends in a traceback although the one before it is intact. Here every
ckpt-* on disk is a candidate, newest first; each is read in full (every tensor, which checks
its CRCs) before it is restored, and any fallback is said in one line.
"""

import glob
import os
import re
from typing import List, Tuple

import tensorflow as tf

from pipelines.common import cli
from pipelines.common.cli import UserError

# What only a run that has trained leaves in its root_dir, besides checkpoints.
_FINISHED_MARKS = ("summary.json", os.path.join("policies", "greedy_policy"))


class Checkpointer:
    """`objects` saved as ckpt-<global step> in a directory, the last two kept."""

    def __init__(self, directory: str, **objects):
        self.checkpoint = tf.train.Checkpoint(**objects)
        self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=2)

    def save(self, global_step) -> str:
        path = self.manager.save(checkpoint_number=global_step)
        cli.note_checkpoints(int(global_step))
        return path


def open_checkpointer(directory: str, **objects) -> Checkpointer:
    """A Checkpointer of `objects` in `directory`, restored from the newest readable
    checkpoint there, or fresh when the run has none. Refuses (UserError) when checkpoints
    exist and none is readable, or when the run has trained (an export or a summary.json beside
    `directory`) and its checkpoints are gone."""
    os.makedirs(directory, exist_ok=True)
    checkpointer = Checkpointer(directory, **objects)
    cli.note_checkpoints(None)
    candidates = _candidates(directory)
    if not candidates:
        root_dir = os.path.dirname(os.path.abspath(directory))
        left = [mark for mark in _FINISHED_MARKS if os.path.exists(os.path.join(root_dir, mark))]
        if left:
            raise UserError(
                f"{root_dir} holds a run that has trained ({' and '.join(left)}) but "
                f"no checkpoint in {directory}; refusing to train it again from "
                "zero over it: use another --root_dir"
            )
        return checkpointer
    named = tf.train.latest_checkpoint(directory)
    damaged: List[str] = []
    for number, prefix in candidates:
        problem = _unreadable(prefix)
        if problem:
            damaged.append(f"{os.path.basename(prefix)} is unreadable ({problem})")
            continue
        _restore_matching(checkpointer.checkpoint, prefix)
        cli.note_checkpoints(number)
        if damaged or named != prefix:
            reason = (
                "; ".join(damaged)
                if damaged
                else (
                    f"the state file {os.path.join(directory, 'checkpoint')} is missing"
                    if named is None
                    else f"the state file names {os.path.basename(named)}"
                )
            )
            print(f"checkpoints: {reason}; resuming from {os.path.basename(prefix)}", flush=True)
        return checkpointer
    raise UserError(
        f"no readable checkpoint in {directory}: {'; '.join(damaged)}. Restore them "
        "from a backup, or move the run aside and start again with another "
        "--root_dir"
    )


def _restore_matching(checkpoint: tf.train.Checkpoint, prefix: str) -> None:
    """Restores prefix into checkpoint; refuses (UserError) a checkpoint that lacks a value for
    a variable of this run or holds one of another shape (a run of other networks, e.g. from an
    older version of the package): TensorFlow would leave those variables as initialised and
    train on without a word."""
    try:
        checkpoint.restore(prefix).assert_existing_objects_matched()
    except (AssertionError, ValueError) as error:
        detail = str(error).splitlines()[0][:200]
        raise UserError(
            f"{os.path.basename(prefix)} in {os.path.dirname(prefix)} does not hold this "
            f"run's networks ({detail}); it was written by other settings or another version "
            "of the package: use another --root_dir"
        ) from None


def _candidates(directory: str) -> List[Tuple[int, str]]:
    """(number, prefix) of every ckpt-N with an index or data file in `directory`, newest first."""
    found = {}
    for path in glob.glob(os.path.join(directory, "ckpt-*")):
        match = re.fullmatch(r"ckpt-(\d+)\.(index|data-\d+-of-\d+)", os.path.basename(path))
        if match:
            found[int(match.group(1))] = os.path.join(directory, f"ckpt-{match.group(1)}")
    return sorted(found.items(), reverse=True)


def _unreadable(prefix: str) -> str:
    """Why the checkpoint at `prefix` cannot be read in full, or '' when it can."""
    try:
        reader = tf.train.load_checkpoint(prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except Exception as error:  # TensorFlow's NotFound/DataLoss/OutOfRange, or IndexError
        text = str(error).strip().splitlines()
        return text[0][:160] if text else type(error).__name__
    return ""
