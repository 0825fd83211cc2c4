"""Running one benchmark process (ours in .venv, a peer in the bench venv) and reading its JSON."""

import os
import subprocess
import sys
from typing import Dict, List, Optional

from benchmarks import report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS_PYTHON = sys.executable
PEER_VENV = os.path.join(REPO, ".venv-bench")


class BenchmarkError(Exception):
    """A benchmark process failed; the message ends with the tail of its output."""


def run(
    command: List[str], timeout: float, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:
    """Runs `command` from the repository root; raises BenchmarkError if it fails."""
    try:
        done = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"timed out after {timeout:.0f} s: {' '.join(command)}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BenchmarkError(f"exit status {done.returncode}: {' '.join(command)}\n{tail}")
    return done


def run_json(command: List[str], timeout: float) -> Dict:
    """Runs `command` and returns the last JSON line it printed."""
    done = run(command, timeout)
    try:
        return report.last_json_line(done.stdout)
    except ValueError:
        raise BenchmarkError(
            f"no JSON line from: {' '.join(command)}\n{done.stdout[-2000:]}"
        ) from None
