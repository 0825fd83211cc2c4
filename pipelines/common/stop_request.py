"""Ctrl-C and `kill` as a request to stop at the next safe point of a training loop.

Python raises KeyboardInterrupt wherever the main thread happens to be. Inside TensorFlow's or
numpy's C code it surfaces as a SystemError ("returned a result with an exception set"): the run
then ended with a traceback, exit status 1 and no checkpoint (1 kill in 12 did so). While the
handler here is installed, the first Ctrl-C or SIGTERM only records the request; the loops call
`check()` between steps, which raises KeyboardInterrupt there, in plain Python. A second signal
stops at once, for a loop that is stuck.

A main thread blocked inside C++ (a Reverb call waiting on a server that is gone) never runs the
Python handler, so other threads also read the signal from the wakeup fd, which the interpreter's
C-level handler writes at once: `requested()` sees it there.
"""

import os
import signal
import sys
import threading
from typing import Optional

_requested = False
_signalled = False  # seen on the wakeup fd before the Python handler has run
_wakeup_read: Optional[int] = None


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
    _watch_wakeup_fd()


def _watch_wakeup_fd() -> None:
    global _wakeup_read
    if _wakeup_read is not None or threading.current_thread() is not threading.main_thread():
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    if previous != -1:  # someone else's (an event loop's): theirs stays
        signal.set_wakeup_fd(previous)
        os.close(read)
        os.close(write)
        return
    _wakeup_read = read


def requested() -> bool:
    """Whether a stop has been requested, even while the main thread is blocked in C++ (for
    threads that cannot raise into the main one)."""
    global _signalled
    if not (_requested or _signalled) and _wakeup_read is not None:
        try:
            arrived = os.read(_wakeup_read, 64)
        except BlockingIOError:
            arrived = b""
        _signalled = signal.SIGINT in arrived or signal.SIGTERM in arrived
    return _requested or _signalled


def check() -> None:
    """Raises KeyboardInterrupt once a stop has been requested."""
    if _requested:
        raise KeyboardInterrupt
