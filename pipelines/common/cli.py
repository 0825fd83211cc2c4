"""What every entry point shares: run-identity flags, the config flag, and one-line errors."""

import dataclasses
import difflib
import errno
import logging
import re
import sys
import warnings
from typing import Any, Callable, Dict, List, Optional

from absl import app, flags
from absl import logging as absl_logging
from ml_collections import config_flags


class UserError(Exception):
    """A mistake in the user's input: printed as one line, exit status 2, no traceback."""


def fail(message: str) -> None:
    """Prints `error: message` to stderr and exits with status 2."""
    sys.stderr.write(f"error: {message}\n")
    sys.exit(2)


def choose_preset(presets: Dict[str, Callable], name: str):
    """The config of preset `name`, recording its name in the config's `preset` field."""
    return dataclasses.replace(presets[name](), preset=name)


def _provenance(factory: Callable) -> str:
    """The first paragraph of the preset's docstring, on one line."""
    doc = (getattr(factory, "func", factory).__doc__ or "").strip()
    return " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())


def flag_in_argv(argv: List[str], name: str, default: str) -> str:
    """--name as absl will read it (the last one given), read before absl parses, for flags that
    decide which other flags exist or what their defaults are (--preset: those of --config)."""
    chosen = default
    for i, arg in enumerate(argv):
        if arg.startswith(f"--{name}="):
            chosen = arg.split("=", 1)[1]
        elif arg == f"--{name}" and i + 1 < len(argv):
            chosen = argv[i + 1]
    return chosen


class PresetConfig:
    """The --config flag over the chosen --preset; `.value` is the config to run, checked here
    once (a UserError names what is wrong): the code that runs it trusts it."""

    def __init__(self, config_flag, preset_flag, validate: Optional[Callable] = None):
        self._config, self._preset, self._validate = config_flag, preset_flag, validate

    @property
    def value(self):
        config = self._config.value
        if config.preset != self._preset.value:
            raise UserError("choose settings with --preset=NAME; config.preset only records it")
        if self._validate is not None:
            try:
                self._validate(config)
            except ValueError as error:
                raise UserError(str(error)) from None
        return config


# Config fields that were renamed or merged: the old name is refused with what replaces it.
RENAMED_FIELDS = {
    "anneal_learning_rate": "set config.learning_rate_end, the rate at num_env_steps "
    "(0.0 anneals to 0; learning_rate's own value keeps it fixed)",
}


def define_config(
    presets: Dict[str, Callable], validate: Optional[Callable] = None
) -> PresetConfig:
    """--preset=NAME (the first is the default) and --config.<field>=value overrides on top of the
    chosen preset; an unknown preset or field fails in one line, and `validate` (raising
    ValueError) checks the result when it is read."""
    names = list(presets)
    preset_flag = flags.DEFINE_enum(
        "preset",
        names[0],
        names,
        "Named settings, overridable with --config.<field>=value: "
        + "; ".join(f"{name}: {_provenance(presets[name])}" for name in names),
    )
    chosen = flag_in_argv(sys.argv[1:], "preset", names[0])
    # An unknown name: absl refuses it, listing the valid ones, when it parses the flags.
    preset = choose_preset(presets, chosen if chosen in presets else names[0])
    try:
        config_flag = config_flags.DEFINE_config_dataclass("config", preset)
    except KeyError as error:  # ml_collections parses overrides here and raises KeyError
        field = str(error).split("Field ")[-1].split(" not found")[0]
        if field in RENAMED_FIELDS:
            fail(f"config.{field} is no more: {RENAMED_FIELDS[field]}")
        close = difflib.get_close_matches(field, list(preset.__dataclass_fields__), n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        fail(f"unknown config field '{field}'{hint}")
    show_in_help(preset_flag, config_flag)
    return PresetConfig(config_flag, preset_flag, validate)


def show_in_help(*holders) -> None:
    """Lists flags defined in library modules under the entry point's own --help (absl's --help
    shows only the main module's flags)."""
    for holder in holders:
        flags.FLAGS.register_flag_by_module(sys.argv[0], flags.FLAGS[holder.name])


def parse_flags(argv):
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(str(error).splitlines()[0])


# Known, harmless messages TensorFlow and TF-Agents log on every run (policy export, deprecations
# inside TF-Agents). Real warnings and errors stay visible.
_NOISE = (
    "is not a valid tf.function parameter name",
    "with back_prop=False is deprecated",
    "contains input name(s)",
    "Found untraced functions",
    "Assets written to",
    "Writing fingerprint to",
    # The checkpoint manager retiring a checkpoint the run already reported unreadable and
    # resumed past (its index file is gone).
    "Couldn't match files for checkpoint",
)


class _DropKnownNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in _NOISE)


def quiet_logs() -> None:
    """INFO logs off (unless --verbosity asks) and TensorFlow's known noise dropped."""
    if not any(arg.startswith(("--verbosity", "-v")) for arg in sys.argv[1:]):
        absl_logging.set_verbosity(absl_logging.WARNING)
    for name in ("absl", "tensorflow"):
        logging.getLogger(name).addFilter(_DropKnownNoise())
    logging.getLogger("tensorflow").propagate = False  # it also logs through absl: once is enough
    warnings.filterwarnings("ignore", message="Encoding a StructuredValue with type tfp")


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


def run(main: Callable) -> None:
    """app.run with one-line errors for bad flags, UserError and a full disk, and a clean
    Ctrl-C."""

    def guarded_main(argv):
        if len(argv) > 1:
            fail(f"unexpected arguments: {' '.join(argv[1:])}")
        quiet_logs()
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
