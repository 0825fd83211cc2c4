"""A Reverb server of this package's runs, and clients of one: start (restoring its newest
complete checkpoint, refusing or setting aside one that cannot be restored), connect,
checkpoint with a note of what the checkpoint holds. Every algorithm that keeps experience or
rollouts in Reverb (DQN, IMPALA) starts and reaches its server here.
"""

import json
import os
from typing import List, Optional, Sequence, Tuple

import reverb

from pipelines.common import loopback, run_dir
from pipelines.common.cli import UserError

# Beside each checkpoint: the table it counts, how many items it held (what a damaged one
# loses) and its sequence number (which checkpoint is newest, whatever the clock said).
_SIZE_FILE = "transitions.json"
_DONE_FILE = "DONE"  # Reverb's mark of a complete checkpoint
# Where checkpoints that would shadow the newest one are moved, beside the checkpoint folder.
_SUPERSEDED = "_superseded"


def connect(address: str, timeout_seconds: float = 30.0) -> reverb.Client:
    """A client of a running Reverb server, or ConnectionError after `timeout_seconds`."""
    client = reverb.Client(address)
    try:
        client.server_info(timeout=int(timeout_seconds))
    except Exception as error:  # Reverb raises a bare grpc/absl error type here
        raise ConnectionError(
            f"no Reverb server answered at {address} within {timeout_seconds:.0f} s"
        ) from error
    return client


def start_server(
    tables: Sequence[reverb.Table],
    port: Optional[int] = None,
    checkpoint_dir: Optional[str] = None,
    discard_damaged: bool = False,
) -> reverb.Server:
    """A Reverb server; with `checkpoint_dir`, it restores the newest complete checkpoint there.

    A checkpoint that cannot be restored is refused in one line (UserError), or with
    discard_damaged moved aside, to `<checkpoint_dir>_damaged/`, never deleted, and the next
    newest is tried: the server may start empty, and the run then refills its replay.
    """
    if checkpoint_dir:
        _unshadow(checkpoint_dir)
    while True:
        checkpointer = (
            reverb.checkpointers.DefaultCheckpointer(checkpoint_dir) if checkpoint_dir else None
        )
        try:
            server = reverb.Server(list(tables), port=port, checkpointer=checkpointer)
        except ValueError as error:  # gRPC could not listen: the port is taken or not allowed
            if "BuildAndStart" not in str(error):
                raise
            raise UserError(
                f"the replay server cannot listen on port {port}: another program uses it (or "
                "it is not allowed); choose another --port, or --port=0 for a free one"
            ) from None
        except RuntimeError as error:
            if not checkpoint_dir or _newest_checkpoint(checkpoint_dir) is None:
                raise
            reason = str(error).strip().splitlines()[0]
        else:
            reason = _short_restore(server, tables, checkpoint_dir)
            if not reason:
                try:
                    loopback.check_listening()
                except UserError:
                    server.stop()
                    raise
                return server
            server.stop()
        # A restore failed or fell short: there was a checkpoint directory and one to restore.
        assert checkpoint_dir is not None
        damaged = _newest_checkpoint(checkpoint_dir)
        assert damaged is not None
        lost = _transitions_in(damaged)
        what = f"{lost:,} transitions" if lost is not None else "the transitions it held"
        if not discard_damaged:
            raise UserError(
                f"the replay checkpoint {damaged} cannot be restored ({reason}); rerun with "
                f"--discard_damaged_replay to set it aside and refill the replay ({what} "
                "lost; the networks' checkpoint is kept)"
            )
        aside = checkpoint_dir.rstrip("/") + "_damaged"
        os.makedirs(aside, exist_ok=True)
        os.rename(damaged, os.path.join(aside, os.path.basename(damaged)))
        print(
            f"the replay checkpoint {damaged} cannot be restored ({reason}): moved to {aside}; "
            f"{what} lost, the replay refills",
            flush=True,
        )


def _short_restore(
    server: reverb.Server, tables: Sequence[reverb.Table], checkpoint_dir: Optional[str]
) -> str:
    """Why the restored replay is not the checkpoint's whole content, or '' when it is. A
    truncated items file can end at a record boundary: Reverb then loads what it could read and
    says nothing, so the size noted beside the checkpoint is the check."""
    restored = _newest_checkpoint(checkpoint_dir) if checkpoint_dir else None
    note = _note_of(restored) if restored else None
    if note is None or note[0] not in [table.name for table in tables]:
        return ""
    table, noted = note
    size = int(server.localhost_client().server_info()[table].current_size)
    if size >= noted:
        return ""
    return f"it gave back {size:,} of the {noted:,} transitions noted beside it"


def checkpoint(client: reverb.Client, table: str, checkpoint_dir: str) -> str:
    """Checkpoints the server's tables into checkpoint_dir (the folder its server was started
    with); notes beside them how many items `table` held and the checkpoint's sequence number."""
    # Read before: collectors may insert while the checkpoint is written, and the note must not
    # count more than the checkpoint holds (a restore is checked against it).
    transitions = int(client.server_info()[table].current_size)
    # Read before too: Reverb deletes the older checkpoints as it saves.
    sequence = max((_sequence_of(p) for p in _complete(checkpoint_dir)), default=0) + 1
    path = client.checkpoint()
    if not os.path.isdir(path):
        # Reverb names a checkpoint by the clock and keeps only the last name: with the clock
        # behind an existing checkpoint's name, it deleted the new one at once.
        _set_aside(checkpoint_dir, os.listdir(checkpoint_dir), "named after the clock's now")
        path = client.checkpoint()
    # Atomic: a kill while it is written leaves no note, never half of one.
    note = {"table": table, "transitions": transitions, "sequence": sequence}
    run_dir.write_json_atomically(os.path.join(path, _SIZE_FILE), note)
    return path


def _complete(checkpoint_dir: str) -> List[str]:
    """The checkpoints in checkpoint_dir that carry Reverb's DONE mark, in name order."""
    if not os.path.isdir(checkpoint_dir):
        return []
    return [
        os.path.join(checkpoint_dir, name)
        for name in sorted(os.listdir(checkpoint_dir))
        if os.path.exists(os.path.join(checkpoint_dir, name, _DONE_FILE))
    ]


def _sequence_of(path: str) -> int:
    """The sequence number noted beside a checkpoint; 0 without one (a note from before they
    were kept, or a kill before the note was written)."""
    try:
        with open(os.path.join(path, _SIZE_FILE)) as f:
            return int(json.load(f).get("sequence", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _newest_checkpoint(checkpoint_dir: str) -> Optional[str]:
    """The newest complete checkpoint: the highest sequence number, then the last name."""
    complete = _complete(checkpoint_dir)
    return max(complete, key=lambda path: (_sequence_of(path), path)) if complete else None


def _unshadow(checkpoint_dir: str) -> None:
    """Reverb restores the complete checkpoint with the last name; sets aside any named after
    the newest one (written before a clock was set back), so that the newest is restored."""
    newest = _newest_checkpoint(checkpoint_dir)
    if newest is None:
        return
    later = [os.path.basename(p) for p in _complete(checkpoint_dir) if p > newest]
    if later:
        _set_aside(checkpoint_dir, later, f"older than {os.path.basename(newest)}")


def _set_aside(checkpoint_dir: str, names: List[str], why: str) -> None:
    aside = checkpoint_dir.rstrip("/") + _SUPERSEDED
    os.makedirs(aside, exist_ok=True)
    for name in names:
        os.rename(os.path.join(checkpoint_dir, name), os.path.join(aside, name))
    print(
        f"replay checkpoints {', '.join(sorted(names))} ({why}) moved to {aside}, so that "
        "Reverb keeps and restores the newest",
        flush=True,
    )


def _note_of(path: str) -> Optional[Tuple[str, int]]:
    """(table, items) noted beside a checkpoint; None without a readable note. Notes older than
    the table name counted the DQN replay, "experience"."""
    try:
        with open(os.path.join(path, _SIZE_FILE)) as f:
            note = json.load(f)
        return str(note.get("table", "experience")), int(note["transitions"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _transitions_in(path: str) -> Optional[int]:
    note = _note_of(path)
    return note[1] if note else None
