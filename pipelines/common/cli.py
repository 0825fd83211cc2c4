"""What every entry point shares: run-identity flags, the config flag, and one-line errors."""
import difflib
import logging
import sys
import warnings
from typing import Callable

from absl import app, flags
from absl import logging as absl_logging
from ml_collections import config_flags


class UserError(Exception):
    """A mistake in the user's input: printed as one line, exit status 2, no traceback."""


def fail(message: str) -> None:
    """Prints `error: message` to stderr and exits with status 2."""
    sys.stderr.write(f"error: {message}\n")
    sys.exit(2)


def define_config(preset):
    """--config.<field>=value overrides of a dataclass preset; unknown fields fail in one line."""
    try:
        return config_flags.DEFINE_config_dataclass("config", preset)
    except KeyError as error:  # ml_collections parses overrides here and raises KeyError
        field = str(error).split("Field ")[-1].split(" not found")[0]
        names = [f for f in preset.__dataclass_fields__]
        close = difflib.get_close_matches(field, names, n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        fail(f"unknown config field '{field}'{hint}")


def parse_flags(argv):
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(str(error).splitlines()[0])


# Known, harmless messages TensorFlow and TF-Agents log on every run (policy export, deprecations
# inside TF-Agents). Real warnings and errors stay visible.
_NOISE = ("is not a valid tf.function parameter name", "with back_prop=False is deprecated",
          "contains input name(s)", "Found untraced functions", "Assets written to",
          "Writing fingerprint to")


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


def run(main: Callable) -> None:
    """app.run with one-line errors for bad flags and UserError, and a clean Ctrl-C."""
    def guarded_main(argv):
        if len(argv) > 1:
            fail(f"unexpected arguments: {' '.join(argv[1:])}")
        quiet_logs()
        try:
            main(argv)
        except UserError as error:
            fail(str(error))
        except KeyboardInterrupt:
            sys.stderr.write("\nstopped; the last checkpoint is intact. "
                             "Run the same command to resume.\n")
            sys.exit(130)
    app.run(guarded_main, flags_parser=parse_flags)
