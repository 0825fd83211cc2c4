"""Logging for entry points: INFO off unless asked, TensorFlow's known harmless noise dropped."""

import logging
import sys
import warnings

from absl import logging as absl_logging

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
