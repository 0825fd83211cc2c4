"""Reverb has no authentication: the server every ordinary run embeds listens on loopback only,
and on every interface only when the user asks (--replay_expose)."""

import os
import subprocess
import time

import pipeline_cli
import pytest

# Long enough to be looked at while it trains.
RUNNING = dict(pipeline_cli.CLASSIC, num_env_steps=200_000, checkpoint_interval=100_000)


def _listening(pid: int):
    """Local addresses of the sockets process `pid` listens on (/proc/<pid>/fd and /proc/net)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    found.append(fields[1].rsplit(":", 1)[0])
    return found


@pytest.mark.parametrize("expose", [False, True], ids=["default", "replay_expose"])
def test_the_embedded_replay_server_listens_on_loopback_unless_exposed(tmp_path, expose):
    extra = ["--replay_expose"] if expose else []
    command = pipeline_cli.command("cartpole_dqn", str(tmp_path / "run"), RUNNING, *extra)
    with open(tmp_path / "out", "w") as out:
        process = subprocess.Popen(command, cwd=pipeline_cli.REPO, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 120
            while not _listening(process.pid):
                assert process.poll() is None, (tmp_path / "out").read_text()
                assert time.monotonic() < deadline, "no listening socket within 120 s"
                time.sleep(0.5)
            addresses = set(_listening(process.pid))
        finally:
            process.kill()
            process.wait()
    if expose:
        assert addresses & {"00000000", "00000000000000000000000000000000"}, addresses
    else:
        assert addresses <= pipeline_cli.LOOPBACK, addresses
