"""GridWorld-v0: the 4x4 grid world of Hands-On ML, chapter 18.

The agent starts at (0, 0). Reaching the goal (3, 3) gives +10 and ends the episode; stepping
off the grid gives -1 and ends it; any other step gives 0. Positions are (row, col): up is row - 1.

For tabular methods the dynamics are also tables, [state][action][next state] like envs.mdp's.
They have one state more than the 16 cells: END (16), where every episode ends, so that an
episode-ending move has a next state whose value is 0. The goal cell is left at once for END
with reward 0 (the env never acts there: reaching it ends the episode).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

SIZE = 4
NUM_CELLS = SIZE * SIZE
END = NUM_CELLS  # absorbing state every episode ends in (tables only)
NUM_STATES = NUM_CELLS + 1
START = (0, 0)
GOAL = (SIZE - 1, SIZE - 1)
GOAL_REWARD = 10.0
OFF_GRID_REWARD = -1.0
ACTION_NAMES = ("up", "down", "left", "right")
MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))  # (row, col) change per action
NUM_ACTIONS = len(MOVES)


def state_index(row: int, col: int) -> int:
    """The tabular state of cell (row, col): row * 4 + col."""
    return row * SIZE + col


def state_of(observation: np.ndarray) -> int:
    """The tabular state of a one-hot (4, 4) observation."""
    return int(np.argmax(observation))


def _move(row: int, col: int, action: int) -> tuple[int, int, float, bool]:
    """(row, col, reward, terminated) after `action`; off the grid, the agent stays put."""
    d_row, d_col = MOVES[action]
    new_row, new_col = row + d_row, col + d_col
    if not (0 <= new_row < SIZE and 0 <= new_col < SIZE):
        return row, col, OFF_GRID_REWARD, True
    if (new_row, new_col) == GOAL:
        return new_row, new_col, GOAL_REWARD, True
    return new_row, new_col, 0.0, False


def _tables() -> tuple[np.ndarray, np.ndarray]:
    transitions = np.zeros((NUM_STATES, NUM_ACTIONS, NUM_STATES))
    rewards = np.zeros((NUM_STATES, NUM_ACTIONS, NUM_STATES))
    for row in range(SIZE):
        for col in range(SIZE):
            state = state_index(row, col)
            for action in range(NUM_ACTIONS):
                new_row, new_col, reward, terminated = _move(row, col, action)
                if (row, col) == GOAL:
                    next_state, reward = END, 0.0
                elif terminated and (new_row, new_col) != GOAL:
                    next_state = END  # off the grid
                else:
                    next_state = state_index(new_row, new_col)
                transitions[state, action, next_state] = 1.0
                rewards[state, action, next_state] = reward
    transitions[END, :, END] = 1.0
    for table in (transitions, rewards):
        table.flags.writeable = False
    return transitions, rewards


TRANSITION_PROBABILITIES, REWARDS = _tables()  # [s][a][s'], shape (17, 4, 17)
POSSIBLE_ACTIONS = [list(range(NUM_ACTIONS))] * NUM_STATES


class GridWorldEnv(gym.Env):
    """The grid world as a gymnasium env.

    Observation: a (4, 4) int64 grid, 1 at the agent's cell. Actions: 0 up, 1 down, 2 left,
    3 right. The tables are also on the env (`env.unwrapped`): transition_probabilities,
    rewards, possible_actions.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, render_mode: str | None = None):
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(0, 1, (SIZE, SIZE), np.int64)
        self.action_space = gym.spaces.Discrete(NUM_ACTIONS)
        self.transition_probabilities = TRANSITION_PROBABILITIES
        self.rewards = REWARDS
        self.possible_actions = POSSIBLE_ACTIONS
        self.position = START

    def _observation(self) -> np.ndarray:
        grid = np.zeros((SIZE, SIZE), dtype=np.int64)
        grid[self.position] = 1
        return grid

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.position = START
        return self._observation(), {}

    def step(self, action: int):
        row, col, reward, terminated = _move(*self.position, int(action))
        self.position = (row, col)
        return self._observation(), reward, terminated, False, {}
