"""A progress line in episodes for model-free runs, shown only once a run takes a while."""

import sys
import time


class EpisodeProgress:
    """Silent for the first second; then redraws one line on a terminal every 0.5 s, or prints
    a line every `log_seconds` elsewhere (logs, CI)."""

    def __init__(self, name: str, episodes: int, log_seconds: float = 5.0, stream=sys.stdout):
        self._name = name
        self._episodes = episodes
        self._stream = stream
        self._tty = stream.isatty()
        self._interval = 0.5 if self._tty else log_seconds
        self._start = time.monotonic()
        self._next_print = self._start + 1.0
        self._shown = False

    def update(self, episodes_done: int, env_steps: int, recent_return: float) -> None:
        now = time.monotonic()
        if now < self._next_print:
            return
        self._next_print = now + self._interval
        elapsed = now - self._start
        left = elapsed * (self._episodes - episodes_done) / max(1, episodes_done)
        line = (
            f"{self._name} | episode {episodes_done:,}/{self._episodes:,} | "
            f"{env_steps / elapsed:,.0f} env steps/s | {left:.0f} s left | "
            f"mean return of the last 100 episodes {recent_return:.4g}"
        )
        self._stream.write("\r\033[K" + line if self._tty else line + "\n")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._tty and self._shown:
            self._stream.write("\n")
            self._stream.flush()
