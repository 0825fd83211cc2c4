"""The run directory: checks it is usable, locks it, and guards resumes against changed settings."""

import dataclasses
import fcntl
import glob
import json
import os
import shutil
import tempfile
from typing import Any, Dict, List

from pipelines.common import cli
from pipelines.common.cli import UserError

CONFIG_FILE = "config.json"
# Run controls that may change between a run and its resume; everything else is a hyperparameter.
# num_env_steps may change too: a larger budget trains on, one the run has already spent ends it
# (final evaluation, export, summary.json) without training. compute_dtype may change: weights and
# optimizer slots are float32 in either precision.
RESUMABLE_CHANGES = {
    "compute_dtype",
    "eval_interval",
    "eval_episodes",
    "checkpoint_interval",
    "summary_interval",
    "num_env_steps",
    "video_interval",
}
# Subfolders the other processes of a scaled-out run keep in the learner's root_dir.
ROLE_FOLDERS = ("replay_server", "collector-")


def write_json_atomically(path: str, data: Dict[str, Any]) -> None:
    """Writes JSON so that a kill at any moment leaves either the old file or the new one, with
    the mode any new file gets (the temporary file's own is 0600)."""
    folder = os.path.dirname(path)
    with tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".tmp") as tmp:
        try:
            json.dump(data, tmp, indent=2, sort_keys=True)
            tmp.write("\n")
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            tmp.close()
            os.remove(tmp.name)
            raise
    try:
        publish(tmp.name, path)
    except BaseException:
        os.remove(tmp.name)
        raise


def publish(staging: str, path: str) -> None:
    """Renames a finished temporary file into place with the mode a plain write would give
    (mkstemp makes it private)."""
    os.chmod(staging, 0o666 & ~_umask())
    os.replace(staging, path)


def temporaries(path: str) -> List[str]:
    """What a write cut short (a kill, a full disk) leaves in a run directory: JSON files being
    written, TensorFlow's half-saved ckpt-N_temp folders, export staging folders, and replay
    checkpoints without Reverb's DONE mark. None of it is ever read."""
    found = glob.glob(os.path.join(path, "tmp*.tmp"))
    found += glob.glob(os.path.join(path, "checkpoints", "ckpt-*_temp*"))
    found += glob.glob(os.path.join(path, "policies", ".export-*"))
    found += glob.glob(os.path.join(path, "policies", ".retired-*"))
    found += [
        folder
        for folder in glob.glob(os.path.join(path, "replay", "*"))
        if os.path.isdir(folder) and not os.path.exists(os.path.join(folder, "DONE"))
    ]
    return sorted(found)


def remove_temporaries(path: str) -> None:
    for leftover in temporaries(path):
        if os.path.isdir(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            try:
                os.remove(leftover)
            except OSError:
                pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def has_trained(path: str) -> bool:
    """Whether the run directory holds anything training made: a checkpoint, an export or a
    summary.json."""
    return bool(
        glob.glob(os.path.join(path, "checkpoints", "ckpt-*"))
        or os.path.exists(os.path.join(path, "summary.json"))
        or os.path.exists(os.path.join(path, "policies"))
    )


def check_not_busy(root_dir: str) -> None:
    """Refuses (UserError) a root_dir whose lock another running job holds: checked before
    TensorFlow and the environments load; RunDir takes the lock itself."""
    if not root_dir:
        return
    path = os.path.join(os.path.abspath(os.path.expanduser(root_dir)), ".lock")
    try:
        lock = open(path, "r")
    except OSError:
        return  # no run there yet, or unreadable: RunDir says what is wrong
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"--root_dir {root_dir} is in use by another running job") from None
        fcntl.flock(lock, fcntl.LOCK_UN)


class RunDir:
    """An open run directory. Holds an exclusive lock until the process ends."""

    def __init__(self, root_dir: str, config):
        if not root_dir:
            raise UserError("--root_dir is required")
        self.path = os.path.abspath(os.path.expanduser(root_dir))
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise UserError(f"--root_dir {root_dir} is a file, not a directory")
        try:
            os.makedirs(self.path, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.path)
            probe.close()
        except OSError as error:
            raise UserError(f"cannot write to --root_dir {root_dir}: {error.strerror}") from None
        self._lock = open(os.path.join(self.path, ".lock"), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"--root_dir {root_dir} is in use by another running job") from None
        path = self.path  # not self: the lock must close with this object
        remove_temporaries(path)  # ours to clear: no other process holds the lock
        cli.note_run_dir(path, lambda: remove_temporaries(path))
        defaults = _jsonable_dict({f.name: f.default for f in dataclasses.fields(config)})
        self.resuming = self._check_resume(dataclasses.asdict(config), defaults)
        write_json_atomically(os.path.join(self.path, CONFIG_FILE), _jsonable(config))

    def _check_resume(self, new: Dict[str, Any], defaults: Dict[str, Any]) -> bool:
        config_path = os.path.join(self.path, CONFIG_FILE)
        if not os.path.exists(config_path):
            if any(
                name != ".lock" and not name.startswith(ROLE_FOLDERS)
                for name in os.listdir(self.path)
            ):
                raise UserError(
                    f"--root_dir {self.path} is not empty and holds no run; "
                    "choose an empty or new directory"
                )
            return False
        old = _read_config(config_path)
        if not has_trained(self.path):
            return False  # an attempt that never trained: its config.json is replaced
        if old.get("name") != new["name"]:
            raise UserError(
                f"--root_dir holds a '{old.get('name')}' run, not '{new['name']}'; "
                "use another --root_dir"
            )
        # A run older than presets is told apart by its settings alone (compared below).
        if "preset" in old and old["preset"] != new.get("preset", ""):
            raise UserError(
                f"--root_dir holds a run of preset '{old.get('preset', '')}', not "
                f"'{new.get('preset', '')}'; resume it with its own --preset or use "
                "another --root_dir"
            )
        new_json = _jsonable_dict(new)
        for field, value in sorted(new_json.items()):
            before = old.get(field)
            if field in RESUMABLE_CHANGES or before == value or field == "preset":
                continue
            if field not in old and value == defaults[field]:
                continue  # a field newer than the run, at the default that keeps old behaviour
            raise UserError(
                f"refusing to resume: config.{field} was {before!r}, now {value!r} "
                "(only num_env_steps may change); use a new --root_dir"
            )
        return True

    def join(self, *parts: str) -> str:
        return os.path.join(self.path, *parts)


def _read_config(path: str) -> Dict[str, Any]:
    """The config.json of a run; a damaged one is a UserError naming the file."""
    try:
        with open(path, "rb") as f:
            old = json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UserError(
            f"{path} is damaged ({str(error).splitlines()[0]}): restore it from a "
            "backup, or move the run aside and use another --root_dir"
        ) from None
    if not isinstance(old, dict):
        raise UserError(
            f"{path} is damaged (a JSON {type(old).__name__}, not an object of "
            "config fields): restore it from a backup, or move the run aside and use "
            "another --root_dir"
        )
    return old


def _jsonable_dict(values: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(json.dumps(values))  # tuples -> lists, as they are stored


def _jsonable(config) -> Dict[str, Any]:
    return _jsonable_dict(dataclasses.asdict(config))
