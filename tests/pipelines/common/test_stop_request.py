"""The first Ctrl-C or SIGTERM is recorded for the loop to act on; a second one stops at once."""

import subprocess
import sys

import pipeline_cli

# Runs in a fresh process: the request is process-wide state, and signals go to the process.
_SCRIPT = """
import os, signal
from pipelines.common import stop_request
signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in a terminal, even if the tests run under nohup
stop_request.install()
stop_request.check()  # nothing requested yet
os.kill(os.getpid(), signal.{first})  # the handler runs here and must not raise
print("survived the first signal", flush=True)
try:
    stop_request.check()
except KeyboardInterrupt:
    print("check raised", flush=True)
try:
    os.kill(os.getpid(), signal.SIGINT)
except KeyboardInterrupt:
    print("second signal raised", flush=True)
"""


def _run(first_signal: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(first=first_signal)],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Ctrl-C again stops at once" in done.stderr
    return done.stdout.splitlines()


def test_first_signal_is_a_request_and_a_second_stops_at_once():
    for first_signal in ("SIGINT", "SIGTERM"):
        assert _run(first_signal) == [
            "survived the first signal",
            "check raised",
            "second signal raised",
        ]


def test_a_background_job_keeps_ignoring_sigint():
    script = """
import os, signal
from pipelines.common import stop_request
signal.signal(signal.SIGINT, signal.SIG_IGN)  # what a shell does to a job started with &
stop_request.install()
os.kill(os.getpid(), signal.SIGINT)
stop_request.check()
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr


def test_the_stop_message_says_what_was_saved():
    """The last line of a stopped command is true: no word of checkpoints from a command that
    has none, none saved before the run's first one, and the env step of the newest after."""
    from pipelines.common import cli

    saved = dict(cli._checkpoints)
    try:
        cli._checkpoints.update(opened=0, step=None)
        assert cli._stopped_message() == "stopped."
        cli.note_checkpoints(None)
        assert cli._stopped_message().startswith(
            "stopped before the run's first checkpoint: nothing of it was saved"
        )
        cli.note_checkpoints(20_000)
        cli.note_checkpoints(None)  # a later open keeps what was saved
        assert cli._stopped_message() == (
            "stopped; the checkpoint at env step 20,000 is intact. Run the same command to resume."
        )
    finally:
        cli._checkpoints.update(saved)
