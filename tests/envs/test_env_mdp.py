"""ThreeStateMDP-v0: the book's tables, impossible actions, truncation, value iteration."""

import numpy as np
import pytest

import envs
from envs import mdp


def test_tables_are_the_books():
    assert mdp.TRANSITION_PROBABILITIES == [
        [[0.7, 0.3, 0.0], [1.0, 0.0, 0.0], [0.8, 0.2, 0.0]],
        [[0.0, 1.0, 0.0], None, [0.0, 0.0, 1.0]],
        [None, [0.8, 0.1, 0.1], None],
    ]
    assert mdp.REWARDS == [
        [[+10, 0, 0], [0, 0, 0], [0, 0, 0]],
        [[0, 0, 0], [0, 0, 0], [0, 0, -50]],
        [[0, 0, 0], [+40, 0, 0], [0, 0, 0]],
    ]
    assert mdp.POSSIBLE_ACTIONS == [[0, 1, 2], [0, 2], [1]]
    unwrapped = envs.load("ThreeStateMDP-v0").gym_env.unwrapped
    assert unwrapped.transition_probabilities is mdp.TRANSITION_PROBABILITIES
    assert unwrapped.rewards is mdp.REWARDS and unwrapped.possible_actions is mdp.POSSIBLE_ACTIONS


def test_steps_follow_the_tables_and_truncate_at_100():
    env = envs.load("ThreeStateMDP-v0", seed=0)
    step = env.reset()
    assert int(step.observation) == 0
    visited = set()
    for count in range(1, 101):
        state = int(step.observation)
        action = mdp.POSSIBLE_ACTIONS[state][count % len(mdp.POSSIBLE_ACTIONS[state])]
        step = env.step(np.int64(action))
        next_state = int(step.observation)
        visited.add(next_state)
        assert mdp.TRANSITION_PROBABILITIES[state][action][next_state] > 0
        assert float(step.reward) == mdp.REWARDS[state][action][next_state]
        assert step.is_last() == (count == 100)
    assert float(step.discount) == 1.0 and visited == {0, 1, 2}


def test_impossible_action_names_state_and_action():
    env = envs.load("ThreeStateMDP-v0", seed=0)
    step = env.reset()
    while int(step.observation) != 1:
        step = env.step(np.int64(0))  # from 0, action 0 reaches state 1 with probability 0.3
    with pytest.raises(ValueError, match="action 1 is impossible in state 1"):
        env.step(np.int64(1))


def test_value_iteration_gives_the_books_policy():
    q = np.full((3, 3), -np.inf)
    for state, actions in enumerate(mdp.POSSIBLE_ACTIONS):
        q[state, actions] = 0.0
    for _ in range(50):
        previous = q.copy()
        for s in range(3):
            for a in mdp.POSSIBLE_ACTIONS[s]:
                q[s, a] = sum(
                    mdp.TRANSITION_PROBABILITIES[s][a][sp]
                    * (mdp.REWARDS[s][a][sp] + 0.90 * previous[sp].max())
                    for sp in range(3)
                )
    assert list(q.argmax(axis=1)) == [0, 0, 1]  # the book's optimal policy for discount 0.90
