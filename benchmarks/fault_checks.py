"""The fault suite's checks of what its processes left: crash markers in their output, the
replay server's env-step accounting, and each process's memory growth over its lifetime. No
flags: tests import it."""

import re
import signal
from typing import Dict, List, Optional

from pipelines.dqn.collect_role import REPORT_ROUNDS

# What a crash leaves in a process's output: Python's, the C++ runtime's (absl's CHECK, an
# uncaught exception, a fatal signal's handler), and the launcher's note of a role that died
# of a signal other than the suite's own kill -9.
_CRASH_MARKERS = (
    "Traceback (most recent call last)",
    "Fatal Python error",
    "Check failed",
    "terminate called",
    "*** SIG",
    "Segmentation fault",
)
_DIED_OF_A_SIGNAL = re.compile(r"exited with -(\d+)")
# A process of the soak whose resident memory grows faster than this over its lifetime leaks.
LEAK_MB_PER_MINUTE = 2.0


_INSERTED = re.compile(
    r"Reverb counts ([\d,]+) transitions inserted in this run, the reports ([\d,]+) env steps"
)
_LOST = re.compile(r"replay server: ([\d,]+) env steps collector \d+ wrote after")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def insert_slack(collector_processes: int, num_parallel_envs: int) -> int:
    """How far Reverb's count of inserted items may stand from the env steps reported: each
    environment's episode in progress has up to n_step steps without an item yet, and a
    collector's last batch (REPORT_ROUNDS rounds, n_step <= REPORT_ROUNDS) may be written but
    never reported when it is killed or sees the learner finish."""
    return collector_processes * REPORT_ROUNDS * num_parallel_envs


def accounting(output: str, collector_processes: int, num_parallel_envs: int) -> Dict:
    """From a scaled-out DQN run's output (every replay server of it, one after another): the
    env steps the last server counted from the reports, the items Reverb counts inserted (both
    carried through the servers' checkpoints), the env steps announced lost with a restore, and
    whether the items match the steps within insert_slack."""
    stops = [tuple(map(_number, found)) for found in _INSERTED.findall(output)]
    items, counted = stops[-1] if stops else (None, None)
    lost = sum(map(_number, _LOST.findall(output)))
    slack = insert_slack(collector_processes, num_parallel_envs)
    return {
        "server_lives": len(stops),
        "env_steps_counted_by_server": counted,
        "env_steps_lost_announced": lost,
        "items_inserted": items,
        "insert_slack": slack,
        "items_within_slack": bool(stops) and abs(counted - items) <= slack,
    }


def crashes(output: str) -> List[str]:
    """The crash markers in a process's output (see _CRASH_MARKERS)."""
    found = [marker for marker in _CRASH_MARKERS if marker in output]
    signals = {int(n) for n in _DIED_OF_A_SIGNAL.findall(output)} - {signal.SIGKILL}
    return found + [f"exited with -{n}" for n in sorted(signals)]


def growth_per_process(lifetimes: Dict[int, List[tuple]], names: Dict[int, str]) -> List[Dict]:
    """Each process that lived 5 minutes or more: its resident memory's least-squares growth
    over its life, its first 2 minutes (start-up, replay filling) left out."""
    growth = []
    for pid, points in lifetimes.items():
        born = points[0][0]
        settled = [((t - born) / 60, rss / 2**20) for t, rss in points if t - born >= 120]
        if not settled or settled[-1][0] - settled[0][0] < 3:
            continue
        fitted = slope(settled)
        if fitted is None:
            continue
        growth.append({
            "process": names.get(pid, "?"), "minutes": round(settled[-1][0], 1),
            "mb_first": round(settled[0][1]), "mb_last": round(settled[-1][1]),
            "mb_per_minute": round(fitted, 2),
        })  # fmt: skip
    return sorted(growth, key=lambda g: -g["mb_per_minute"])


def slope(points: List[tuple]) -> Optional[float]:
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else None
