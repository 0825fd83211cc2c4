"""The scale-out's env-step accounting on a real Reverb server: reports counted once, a gap in a
collector's running total after a server restore counted as lost, and a replay checkpoint of
another layout refused."""

import contextlib

import numpy as np
import pytest
import reverb
import tensorflow as tf

from pipelines.common.cli import UserError
from pipelines.dqn import step_reports


@contextlib.contextmanager
def _server(tables):
    server = reverb.Server(tables)
    try:
        yield server.localhost_client()
    finally:
        server.stop()


def _tables():
    return [step_reports.steps_queue(), step_reports.counts_table()]


def test_a_gap_in_a_collector_s_running_total_is_counted_as_lost(capsys):
    with _server(_tables()) as client:
        counter = step_reports.ServerCounter(client)
        assert counter.counts is None  # a fresh server waits for the learner's counts
        step_reports.write_counts(
            client, step_reports.Counts(1000, np.zeros(step_reports.MAX_COLLECTORS, np.int64))
        )
        step_reports.report_steps(client, 0, 100, incarnation=7, reported=100)
        step_reports.report_steps(client, 1, 40, incarnation=9, reported=40)
        counter.drain()
        assert (counter.counts.total, counter.counts.lost) == (1140, 0)

        # Collector 0's reports of 150 more steps never reached this server (they went to the one
        # before a restore): its next report's running total jumps past them.
        step_reports.report_steps(client, 0, 50, incarnation=7, reported=300)
        # A restarted collector 1 is a new process: its total starts again, no gap to see.
        step_reports.report_steps(client, 1, 30, incarnation=11, reported=30)
        counter.drain()
        counts = step_reports.read_counts(client)
        assert (counts.total, counts.lost) == (1220, 150)
        assert list(counts.per_collector[:2]) == [150, 70]
        assert "150 env steps collector 0 wrote after this server's last checkpoint were lost" in (
            capsys.readouterr().out
        )
        assert counter.describe() == "1,220 env steps counted, 150 lost with a restore"


def test_a_replay_checkpoint_of_another_layout_is_refused():
    with _server(_tables()) as client:
        step_reports.check_restored(client, "ckpt")  # this version's layout passes

    older = [
        reverb.Table.queue(
            step_reports.STEPS_QUEUE,
            max_size=10,
            signature={
                "task": tf.TensorSpec((), tf.int32),
                "env_steps": tf.TensorSpec((), tf.int64),
            },
        ),
        step_reports.counts_table(),
    ]
    with _server(older) as client:
        with pytest.raises(UserError, match="comes from another version of this package"):
            step_reports.check_restored(client, "ckpt")
