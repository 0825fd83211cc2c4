"""Replay checkpoints are chosen by content: Reverb's DONE mark and the sequence number noted
beside each, never by the wall-clock name Reverb gives them (a clock set back would otherwise
delete the newest checkpoint as it is written, or restore an older one)."""

import json
import os
import shutil

import numpy as np
import reverb
import tensorflow as tf

from pipelines.common import reverb_server

TABLE = "items"
# A name Reverb's clock-named checkpoints sort before: one written before the clock went back.
FUTURE = "9999-12-31T23:59:59.999999999+00:00"


def _table() -> reverb.Table:
    return reverb.Table(
        TABLE,
        sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(),
        max_size=100,
        rate_limiter=reverb.rate_limiters.MinSize(1),
        signature=tf.TensorSpec((), tf.int64),
    )


def _insert(server: reverb.Server, values) -> None:
    client = server.localhost_client()
    for value in values:
        client.insert(np.int64(value), {TABLE: 1.0})


def _size(server: reverb.Server) -> int:
    return int(server.localhost_client().server_info()[TABLE].current_size)


def _note(path: str) -> dict:
    with open(os.path.join(path, "transitions.json")) as f:
        return json.load(f)


def test_checkpoints_are_numbered_and_survive_a_clock_set_back(tmp_path, capsys):
    folder = str(tmp_path / "replay")
    server = reverb_server.start_server([_table()], checkpoint_dir=folder)
    _insert(server, range(2))
    first = reverb_server.checkpoint(server.localhost_client(), TABLE, folder)
    assert _note(first) == {"table": TABLE, "transitions": 2, "sequence": 1}

    # The clock is set back: the checkpoint on disk is now named after any new one.
    os.rename(first, os.path.join(folder, FUTURE))
    _insert(server, range(2, 5))
    second = reverb_server.checkpoint(server.localhost_client(), TABLE, folder)
    server.stop()
    assert os.path.isdir(second), "Reverb deleted the new checkpoint as it wrote it"
    assert os.listdir(folder) == [os.path.basename(second)]
    assert _note(second) == {"table": TABLE, "transitions": 5, "sequence": 2}
    assert os.listdir(folder + "_superseded") == [FUTURE]
    assert f"replay checkpoints {FUTURE} (named after the clock's now) moved to" in (
        capsys.readouterr().out
    )

    restarted = reverb_server.start_server([_table()], checkpoint_dir=folder)
    try:
        assert _size(restarted) == 5
    finally:
        restarted.stop()


def test_the_highest_sequence_number_is_restored_whatever_the_names(tmp_path, capsys):
    folder = str(tmp_path / "replay")
    server = reverb_server.start_server([_table()], checkpoint_dir=folder)
    _insert(server, range(2))
    older = reverb_server.checkpoint(server.localhost_client(), TABLE, folder)
    kept = str(tmp_path / "older")
    shutil.copytree(older, kept)
    _insert(server, range(2, 5))
    newest = reverb_server.checkpoint(server.localhost_client(), TABLE, folder)
    server.stop()
    assert _note(newest)["sequence"] == 2
    # The older checkpoint, complete, under a name Reverb would restore first.
    shutil.copytree(kept, os.path.join(folder, FUTURE))
    capsys.readouterr()

    restarted = reverb_server.start_server([_table()], checkpoint_dir=folder)
    try:
        assert _size(restarted) == 5
    finally:
        restarted.stop()
    assert os.listdir(folder + "_superseded") == [FUTURE]
    assert (
        f"replay checkpoints {FUTURE} (older than {os.path.basename(newest)}) moved to"
        in capsys.readouterr().out
    )
