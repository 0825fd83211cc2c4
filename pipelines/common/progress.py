"""A one-line progress report: env steps, steps/s, ETA and the latest figures of the run."""

import sys
import time
from typing import Dict, Optional


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    """Redraws one line on a terminal; elsewhere (logs, CI) prints a line every `log_seconds`."""

    def __init__(
        self,
        name: str,
        total_steps: int,
        start_step: int,
        log_seconds: float = 10.0,
        stream=sys.stdout,
    ):
        self._name = name
        self._total = total_steps
        self._start_step = start_step
        self._start_time = time.monotonic()
        self._last_print = 0.0
        self._log_seconds = log_seconds
        self._stream = stream
        self._tty = stream.isatty()

    def steps_per_second(self, step: int) -> float:
        elapsed = time.monotonic() - self._start_time
        return (step - self._start_step) / elapsed if elapsed > 0 else 0.0

    def update(self, step: int, figures: Dict[str, Optional[float]], force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_print < (0.5 if self._tty else self._log_seconds):
            return
        self._last_print = now
        rate = self.steps_per_second(step)
        eta = (self._total - step) / rate if rate > 0 else 0
        parts = [
            f"{self._name}",
            f"{step:,}/{self._total:,} env steps",
            f"{rate:,.0f} steps/s",
            f"ETA {_clock(eta)}",
        ]
        parts += [f"{key} {value:.4g}" for key, value in figures.items() if value is not None]
        line = " | ".join(parts)
        if self._tty:
            self._stream.write("\r\033[K" + line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
