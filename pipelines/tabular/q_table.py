"""Q tables: (states, actions) float arrays with NaN where an action is impossible."""

from typing import List, Optional

import numpy as np


def tie_margin(q: np.ndarray) -> float:
    """Q values closer than this are ties (rounding: two equally good routes to the goal)."""
    return 1e-9 * (1.0 + float(np.nanmax(np.abs(q))))


def state_values(q: np.ndarray) -> np.ndarray:
    """max over the possible actions of each state."""
    return np.nanmax(q, axis=1)


def greedy_policy(q: np.ndarray, terminal: np.ndarray) -> List[Optional[int]]:
    """The best possible action of every state, the lowest-numbered one among ties; None in a
    terminal state, where nothing is decided."""
    margin = tie_margin(q)
    policy: List[Optional[int]] = []
    for state, row in enumerate(q):
        if terminal[state]:
            policy.append(None)
        else:
            policy.append(int(np.flatnonzero(row >= np.nanmax(row) - margin)[0]))
    return policy


def to_json(q: np.ndarray) -> List[List[Optional[float]]]:
    """Rows of floats, None (JSON null) for impossible actions."""
    return [[None if np.isnan(value) else float(value) for value in row] for row in q]
