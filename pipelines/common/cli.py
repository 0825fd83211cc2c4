"""Running an entry point: one-line errors for the user's mistakes, a clean stop on Ctrl-C, a
full disk explained, and the checks of command-line values (addresses, folders)."""

import errno
import re
import sys
from typing import Any, Callable, Dict, Optional

from absl import app, flags

from pipelines.common import log_filter


class UserError(Exception):
    """A mistake in the user's input: printed as one line, exit status 2, no traceback."""


def fail(message: str) -> None:
    """Prints `error: message` to stderr and exits with status 2."""
    sys.stderr.write(f"error: {message}\n")
    sys.exit(2)


# The checkpoints of this process's run, for the message a stop prints: whether it has a
# checkpointer, and the env step of the newest checkpoint it saved or resumed from.
_checkpoints: Dict[str, Optional[int]] = {"opened": 0, "step": None}


def note_checkpoints(step: Optional[int]) -> None:
    """Records that the run checkpoints, and the env step of its newest checkpoint (None: it
    has none yet)."""
    _checkpoints["opened"] = 1
    if step is not None:
        _checkpoints["step"] = step


def _stopped_message() -> str:
    if not _checkpoints["opened"]:
        return "stopped."
    if _checkpoints["step"] is None:
        return (
            "stopped before the run's first checkpoint: nothing of it was saved; the same "
            "command starts it again."
        )
    return (
        f"stopped; the checkpoint at env step {_checkpoints['step']:,} is intact. Run the "
        "same command to resume."
    )


# The run directory this process writes to, and what clears a write cut short there.
_run_dir: Dict[str, Any] = {"path": None, "clean": None}


def note_run_dir(path: str, clean: Callable[[], None]) -> None:
    _run_dir["path"], _run_dir["clean"] = path, clean


def _disk_full(error: BaseException) -> Optional[BaseException]:
    """The exception in `error`'s chain that says the disk is full, or None. TensorFlow and
    Reverb raise their own types for it, with the system's message in the text."""
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "errno", None) == errno.ENOSPC or "No space left on device" in str(
            current
        ):
            return current
        current = current.__cause__ or current.__context__
    return None


def _disk_full_message(cause: BaseException) -> str:
    where = getattr(cause, "filename", None) or _run_dir["path"] or "the run directory"
    if _run_dir["path"]:  # the entry of the run directory being written, when the text names it
        inside = re.search(re.escape(_run_dir["path"]) + r"/[^/\s;:,'\"]+", str(cause))
        where = inside.group(0) if inside else _run_dir["path"]
    if _run_dir["clean"]:
        _run_dir["clean"]()
    if not _checkpoints["opened"]:
        kept = "the run's files are unchanged"
    elif _checkpoints["step"] is None:
        kept = "the run had no checkpoint yet"
    else:
        kept = f"the checkpoint at env step {_checkpoints['step']:,} is intact"
    return (
        f"no space left on device while writing to {where}; {kept} and half-written files "
        "were removed. Free some space and run the same command to resume."
    )


def parse_flags(argv):
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(str(error).splitlines()[0])


def run(main: Callable) -> None:
    """app.run with one-line errors for bad flags, UserError and a full disk, and a clean
    Ctrl-C."""

    def guarded_main(argv):
        if len(argv) > 1:
            fail(f"unexpected arguments: {' '.join(argv[1:])}")
        log_filter.quiet_logs()
        try:
            main(argv)
        except UserError as error:
            fail(str(error))
        except KeyboardInterrupt:
            sys.stderr.write(f"\n{_stopped_message()}\n")
            sys.exit(130)
        except Exception as error:
            cause = _disk_full(error)
            if cause is None:
                raise
            sys.stderr.write(f"error: {_disk_full_message(cause)}\n")
            sys.exit(1)

    app.run(guarded_main, flags_parser=parse_flags)


_ADDRESS = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d+)")


def address_problem(address: str) -> Optional[str]:
    """What is wrong with a host:port address ('[::1]:8000' for IPv6), or None."""
    match = _ADDRESS.fullmatch(address)
    if not match:
        return "expected host:port, like localhost:8000"
    port = int(match.group(2))
    if not 1 <= port <= 65535:
        return f"port {port} is outside 1-65535"
    return None


def unwritable(folder: str) -> Optional[str]:
    """Why no file can be created in `folder` (the system's reason), or None. Tried for real:
    permission bits alone do not tell (root ignores them; read-only mounts, /proc)."""
    import tempfile

    try:
        tempfile.NamedTemporaryFile(dir=folder).close()
    except OSError as error:
        return error.strerror or type(error).__name__
    return None
