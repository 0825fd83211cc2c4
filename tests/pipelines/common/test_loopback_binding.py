"""Reverb has no authentication: the server every ordinary run embeds listens on loopback only,
and on every interface only when the user asks (--replay_expose)."""

import socket
import subprocess
import time

import pipeline_cli
import pytest

from pipelines.common import loopback
from pipelines.common.cli import UserError

# Long enough to be looked at while it trains.
RUNNING = dict(pipeline_cli.CLASSIC, num_env_steps=200_000, checkpoint_interval=100_000)


@pytest.mark.parametrize("expose", [False, True], ids=["default", "replay_expose"])
def test_the_embedded_replay_server_listens_on_loopback_unless_exposed(tmp_path, expose):
    extra = ["--replay_expose"] if expose else []
    command = pipeline_cli.command("cartpole_dqn", str(tmp_path / "run"), RUNNING, *extra)
    with open(tmp_path / "out", "w") as out:
        process = subprocess.Popen(command, cwd=pipeline_cli.REPO, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 120
            while not loopback.listening_addresses(process.pid):
                assert process.poll() is None, (tmp_path / "out").read_text()
                assert time.monotonic() < deadline, "no listening socket within 120 s"
                time.sleep(0.5)
            addresses = set(loopback.listening_addresses(process.pid))
        finally:
            process.kill()
            process.wait()
    if expose:
        assert addresses & {"00000000", "00000000000000000000000000000000"}, addresses
    else:
        assert addresses <= pipeline_cli.LOOPBACK, addresses


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::"])
def test_a_confined_process_refuses_to_serve_beyond_loopback(monkeypatch, host):
    """The read-back behind every embedded server's start: whatever the shim did, a confined
    process that listens beyond loopback stops with one line."""
    monkeypatch.setenv(loopback._CONFINED, "1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listening:
        listening.bind((host, 0))
        listening.listen()
        if host == "127.0.0.1":
            loopback.check_listening()
        else:
            with pytest.raises(UserError, match="listens beyond loopback"):
                loopback.check_listening()
        monkeypatch.delenv(loopback._CONFINED)
        loopback.check_listening()  # not confined (--replay_expose): the user asked for it
