"""ThreeStateMDP-v0: the 3-state Markov decision process of Hands-On ML, chapter 18.

The tables are [state][action][next state]; None marks an action that is impossible in a state.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

TRANSITION_PROBABILITIES: list[list[list[float] | None]] = [  # [s][a][s'], None: impossible
    [[0.7, 0.3, 0.0], [1.0, 0.0, 0.0], [0.8, 0.2, 0.0]],
    [[0.0, 1.0, 0.0], None, [0.0, 0.0, 1.0]],
    [None, [0.8, 0.1, 0.1], None],
]
REWARDS = [  # [s][a][s']
    [[+10, 0, 0], [0, 0, 0], [0, 0, 0]],
    [[0, 0, 0], [0, 0, 0], [0, 0, -50]],
    [[0, 0, 0], [+40, 0, 0], [0, 0, 0]],
]
POSSIBLE_ACTIONS = [[0, 1, 2], [0, 2], [1]]
NUM_STATES = 3
NUM_ACTIONS = 3
START_STATE = 0


class ThreeStateMDPEnv(gym.Env):
    """Starts in state 0 and never terminates (registered with a time limit, so it truncates).

    Observation: the state index. The tables are also on the env (`env.unwrapped`) for tabular
    algorithms: transition_probabilities, rewards, possible_actions.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, render_mode: str | None = None):
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Discrete(NUM_STATES)
        self.action_space = gym.spaces.Discrete(NUM_ACTIONS)
        self.transition_probabilities = TRANSITION_PROBABILITIES
        self.rewards = REWARDS
        self.possible_actions = POSSIBLE_ACTIONS
        self.state = START_STATE

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.state = START_STATE
        return self.state, {}

    def step(self, action: int):
        action = int(action)
        if action not in self.possible_actions[self.state]:
            raise ValueError(
                f"action {action} is impossible in state {self.state}; possible actions there:"
                f" {self.possible_actions[self.state]}"
            )
        probabilities = self.transition_probabilities[self.state][action]
        next_state = int(self.np_random.choice(NUM_STATES, p=probabilities))
        reward = float(self.rewards[self.state][action][next_state])
        self.state = next_state
        return next_state, reward, False, False, {}
