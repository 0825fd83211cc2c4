"""The two tabular environments as the algorithms see them: tables, possible actions, names.

Model-based algorithms read the tables; model-free ones only use the possible actions (an
impossible action raises in ThreeStateMDP), the state index of an observation and the env itself.
"""

import dataclasses
import difflib
from typing import Callable, Optional, Tuple

import gymnasium as gym
import numpy as np

import envs
from envs import gridworld, mdp
from envs.registry import find_spec
from pipelines.common.cli import UserError

TABULAR_ENV_IDS = ("ThreeStateMDP-v0", "GridWorld-v0")
# Default episodes of the model-free algorithms, per env (see pipelines/tabular/config.py).
DEFAULT_EPISODES = {"ThreeStateMDP-v0": 300, "GridWorld-v0": 10_000}


@dataclasses.dataclass(frozen=True)
class TabularEnv:
    """A finite MDP: [state][action][next state] tables plus what printing it needs."""

    env_id: str
    transitions: np.ndarray
    """(states, actions, states) probabilities; all 0 for an impossible action."""
    rewards: np.ndarray
    """(states, actions, states) reward of each transition."""
    possible: np.ndarray
    """(states, actions) bool: the action can be taken in the state."""
    terminal: np.ndarray
    """(states,) bool: no decision is ever made there (absorbing, or left for an absorbing
    state at once with reward 0, like GridWorld's goal): its greedy action is None."""
    state_names: Tuple[str, ...]
    action_names: Tuple[str, ...]
    state_of: Callable[[np.ndarray], int]
    """Observation of the gymnasium env -> state index."""
    grid_size: Optional[int] = None
    """Side of the square grid the states 0.. lay out on, row by row (GridWorld); else None."""

    @property
    def num_states(self) -> int:
        return self.transitions.shape[0]

    @property
    def num_actions(self) -> int:
        return self.transitions.shape[1]

    @property
    def episodic(self) -> bool:
        """Whether episodes end (in a terminal state); if not, a discount of 1 sums forever."""
        return bool(self.terminal.any())


def check_env_id(env_id: str) -> None:
    """Raises UserError unless env_id is one of the tabular environments."""
    if env_id in TABULAR_ENV_IDS:
        return
    choices = " or ".join(TABULAR_ENV_IDS)
    close = difflib.get_close_matches(
        env_id.lower(), [e.lower() for e in TABULAR_ENV_IDS], n=1, cutoff=0.5
    )
    if close:
        (suggestion,) = [e for e in TABULAR_ENV_IDS if e.lower() == close[0]]
        raise UserError(f"unknown tabular environment '{env_id}'; did you mean '{suggestion}'?")
    try:
        find_spec(env_id)
    except ValueError:
        raise UserError(
            f"unknown environment '{env_id}'; the tabular methods run on {choices}"
        ) from None
    raise UserError(
        f"'{env_id}' is not a tabular environment (its states cannot be listed in a "
        f"table); the tabular methods run on {choices}"
    )


def load_tabular_env(env_id: str) -> TabularEnv:
    """The tables of `env_id` (one of TABULAR_ENV_IDS), read from the gymnasium env itself."""
    check_env_id(env_id)
    gym_env = envs.make_gymnasium_env(env_id)
    try:
        tables = gym_env.unwrapped
        transitions, rewards, possible = _dense_tables(
            tables.transition_probabilities, tables.rewards, tables.possible_actions
        )
        discrete = isinstance(gym_env.observation_space, gym.spaces.Discrete)
    finally:
        gym_env.close()
    if env_id == "GridWorld-v0":
        state_names = tuple(
            [f"({s // gridworld.SIZE},{s % gridworld.SIZE})" for s in range(gridworld.NUM_CELLS)]
            + ["END"]
        )
        action_names, grid_size = gridworld.ACTION_NAMES, gridworld.SIZE
    else:
        state_names = tuple(f"s{s}" for s in range(mdp.NUM_STATES))
        action_names, grid_size = tuple(f"a{a}" for a in range(mdp.NUM_ACTIONS)), None
    return TabularEnv(
        env_id=env_id,
        transitions=transitions,
        rewards=rewards,
        possible=possible,
        terminal=_terminal_states(transitions, rewards, possible),
        state_names=state_names,
        action_names=action_names,
        state_of=int if discrete else gridworld.state_of,
        grid_size=grid_size,
    )


def _dense_tables(transitions, rewards, possible_actions) -> Tuple[np.ndarray, ...]:
    """Arrays from the envs' [s][a][s'] tables, where None marks an impossible action."""
    num_states = len(transitions)
    num_actions = max(len(row) for row in transitions)
    dense_transitions = np.zeros((num_states, num_actions, num_states))
    dense_rewards = np.zeros((num_states, num_actions, num_states))
    possible = np.zeros((num_states, num_actions), dtype=bool)
    for state in range(num_states):
        for action in possible_actions[state]:
            possible[state, action] = True
            dense_transitions[state, action] = transitions[state][action]
            dense_rewards[state, action] = rewards[state][action]
    return dense_transitions, dense_rewards, possible


def _terminal_states(
    transitions: np.ndarray, rewards: np.ndarray, possible: np.ndarray
) -> np.ndarray:
    """States whose value is 0 whatever the policy does: absorbing ones without reward, and
    those every action leaves at once, without reward, for an absorbing one."""
    states = np.arange(transitions.shape[0])

    def leads_only_to(state: int, targets: np.ndarray) -> bool:
        actions = np.flatnonzero(possible[state])
        reached = transitions[state, actions] > 0
        return bool(
            (~reached | targets[None, :]).all() and (rewards[state, actions][reached] == 0).all()
        )

    absorbing = np.array([leads_only_to(s, states == s) for s in states])
    return np.array([absorbing[s] or leads_only_to(s, absorbing) for s in states])


def episode_env(env_id: str, seed: int):
    """The environment model-free algorithms play: envs.load's TF-Agents PyEnvironment, where a
    terminated step has discount 0 and a time-limit truncation discount 1."""
    return envs.load(env_id, seed=seed)
