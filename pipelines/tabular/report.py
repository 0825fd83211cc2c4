"""What a run prints: the Q table with the greedy action of each state, and GridWorld's policy
drawn on the grid."""

from typing import List, Optional

import numpy as np

from pipelines.tabular.environments import TabularEnv

IMPOSSIBLE = "impossible"
NO_ACTION = "none (terminal)"
ARROWS = {"up": "^", "down": "v", "left": "<", "right": ">"}


def q_table_text(env: TabularEnv, q: np.ndarray, policy: List[Optional[int]]) -> str:
    """One row per state, one column per action, then the greedy action."""
    header = ["state", *env.action_names, "greedy"]
    rows = []
    for state, name in enumerate(env.state_names):
        values = [IMPOSSIBLE if np.isnan(v) else f"{v:.3f}" for v in q[state]]
        action = policy[state]
        rows.append([name, *values, NO_ACTION if action is None else env.action_names[action]])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: List[str]) -> str:
        first, *numbers, last = cells
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(numbers, widths[1:-1])), last]
        ).rstrip()

    return "\n".join(line(cells) for cells in [header, *rows])


def grid_text(env: TabularEnv, policy: List[Optional[int]]) -> str:
    """The greedy action of every cell as an arrow, row 0 at the top; G where episodes end."""
    size = env.grid_size
    rows = []
    for row in range(size):
        cells = []
        for col in range(size):
            action = policy[row * size + col]
            cells.append("G" if action is None else ARROWS[env.action_names[action]])
        rows.append("  ".join(cells))
    legend = "^ up, v down, < left, > right; start at the top left, G: the goal"
    return "\n".join(rows + [legend])
