"""Ctrl-C and `kill` as a request to stop at the next safe point of a training loop.

Python raises KeyboardInterrupt wherever the main thread happens to be. Inside TensorFlow's or
numpy's C code it surfaces as a SystemError ("returned a result with an exception set"): the run
then ended with a traceback, exit status 1 and no checkpoint (1 kill in 12 did so). While the
handler here is installed, the first Ctrl-C or SIGTERM only records the request; the loops call
`check()` between steps, which raises KeyboardInterrupt there, in plain Python. A second signal
stops at once, for a loop that is stuck.
"""

import signal
import sys

_requested = False


def _handle(_signum, _frame) -> None:
    global _requested
    if _requested:
        raise KeyboardInterrupt
    _requested = True
    sys.stderr.write("\nstopping at the next step, checkpoint first (Ctrl-C again stops at once)\n")
    sys.stderr.flush()


def install() -> None:
    """From here on Ctrl-C and SIGTERM request a stop; `kill` and `docker stop` send SIGTERM, and
    a run started in the background with nohup ignores SIGINT, so that is its only clean stop."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a background job's stays so
        signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


def check() -> None:
    """Raises KeyboardInterrupt once a stop has been requested."""
    if _requested:
        raise KeyboardInterrupt
