"""Keeps a Reverb server's port on this machine.

Reverb 0.14 always listens on "[::]:port", every network interface, and its gRPC service has no
authentication: anyone who reaches the port can read and overwrite the replay and the weights.
It has no option to bind elsewhere, so a process that hosts a server restarts itself once with
`loopback_bind.c` preloaded, which turns wildcard binds into binds on 127.0.0.1, and once the
server listens, reads back from /proc/net which addresses this process really listens on. Users
who need collectors on other machines opt out with --replay_expose.

Loopback is still shared with every user of this machine: on a multi-user host, any local account
can reach the port.
"""

import hashlib
import os
import subprocess
import sys
import tempfile

from pipelines.common import cli
from pipelines.common.cli import UserError

_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loopback_bind.c")
_CONFINED = "ATARI_RL_LOOPBACK_CONFINED"


def library_path() -> str:
    """Where the compiled shim of this source lives (a per-user cache, keyed by the source)."""
    with open(_SOURCE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "atari-rl-pipelines", f"loopback_bind-{digest}.so")


def build_library() -> str:
    """Compiles the shim unless the cache has it; returns its path. Raises UserError."""
    path = library_path()
    if os.path.exists(path):
        return path
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        problem = cli.unwritable(os.path.dirname(path))
    except OSError as error:
        problem = error.strerror
    if problem:
        # A read-only or missing HOME: this process's own private folder instead, uncached (a
        # shared temporary path could hold a library planted by another user).
        path = os.path.join(tempfile.mkdtemp(prefix="atari-rl-pipelines-"), os.path.basename(path))
    compiler = os.environ.get("CC", "cc")
    handle, staging = tempfile.mkstemp(suffix=".so", dir=os.path.dirname(path))
    os.close(handle)
    try:
        result = subprocess.run(
            [compiler, "-shared", "-fPIC", "-O2", "-o", staging, _SOURCE, "-ldl"],
            capture_output=True,
            text=True,
        )
    except OSError:
        result = None
    if result is None or result.returncode != 0:
        os.unlink(staging)
        raise UserError(
            f"cannot build the shim that keeps the Reverb port on loopback (C "
            f"compiler '{compiler}' missing or failing); install gcc, or pass "
            "--replay_expose to serve on every network interface knowingly"
        )
    os.chmod(staging, 0o755)
    os.replace(staging, path)
    return path


def confine_to_loopback() -> None:
    """Restarts this `python -m` process with the shim preloaded, unless it already runs so.

    Call it before TensorFlow and Reverb are imported: the restart then costs only Python's
    start-up.
    """
    if os.environ.get(_CONFINED):
        if not _shim_loaded():  # e.g. a loader that ignores LD_PRELOAD
            raise UserError(
                "could not keep the Reverb port on loopback (LD_PRELOAD ignored); "
                "pass --replay_expose to serve on every network interface knowingly"
            )
        return
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is None:
        raise UserError(
            "run the pipeline as `python -m pipelines.<name>` (needed to keep the "
            "Reverb port on loopback), or pass --replay_expose"
        )
    library = build_library()
    preload = " ".join(filter(None, [library, os.environ.get("LD_PRELOAD")]))
    environment = dict(os.environ, LD_PRELOAD=preload, **{_CONFINED: "1"})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", spec.name] + sys.argv[1:], environment)


# 127.0.0.1 and ::1 (and 127.0.0.1 mapped into IPv6) as /proc/net/tcp{,6} print them: each
# 32-bit word in the host's (little-endian) byte order.
_LOOPBACK = {
    "0100007F",
    "00000000000000000000000001000000",
    "0000000000000000FFFF00000100007F",
}


def listening_addresses(pid: int = 0):
    """The local addresses (as /proc/net prints them) of the TCP sockets process `pid` (this
    one by default) listens on."""
    fd_dir = f"/proc/{pid or os.getpid()}/fd"
    inodes = set()
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    found.append(fields[1].rsplit(":", 1)[0])
    return found


def check_listening() -> None:
    """In a process confined by confine_to_loopback: raises UserError when it listens on any
    address beyond loopback (the shim did not take), rather than trusting the shim."""
    if not os.environ.get(_CONFINED):
        return  # --replay_expose, or a process that serves no replay
    exposed = sorted(set(listening_addresses()) - _LOOPBACK)
    if exposed:
        raise UserError(
            "the replay server listens beyond loopback (addresses "
            f"{', '.join(exposed)} in /proc/net) although the shim should keep it there; "
            "stopped: pass --replay_expose to serve on every network interface knowingly"
        )


def _shim_loaded() -> bool:
    with open("/proc/self/maps") as maps:
        return os.path.basename(library_path()) in maps.read()
