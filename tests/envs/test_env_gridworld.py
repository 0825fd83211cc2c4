"""GridWorld-v0: rewards, endings, observation, and tables that match the dynamics."""

import numpy as np
import pytest

import envs
from envs import gridworld

UP, DOWN, LEFT, RIGHT = range(4)


def _run(actions):
    env = envs.load("GridWorld-v0")
    first = env.reset()
    return first, [env.step(np.int64(a)) for a in actions]


def test_goal_path_pays_ten_and_terminates():
    _, steps = _run([DOWN, DOWN, DOWN, RIGHT, RIGHT, RIGHT])
    assert [float(s.reward) for s in steps] == [0.0] * 5 + [10.0]
    assert [s.is_last() for s in steps] == [False] * 5 + [True]
    assert float(steps[-1].discount) == 0.0


@pytest.mark.parametrize("actions", [[UP], [LEFT], [RIGHT] * 4, [DOWN] * 4])
def test_off_grid_costs_one_and_terminates(actions):
    _, steps = _run(actions)
    assert float(steps[-1].reward) == -1.0
    assert steps[-1].is_last() and float(steps[-1].discount) == 0.0
    assert not any(s.is_last() for s in steps[:-1])


def test_observation_is_one_hot_at_the_agent():
    first, (step,) = _run([RIGHT])
    assert first.observation.dtype == np.int64 and first.observation.sum() == 1
    assert first.observation[0, 0] == 1 and step.observation[0, 1] == 1
    assert gridworld.state_of(step.observation) == gridworld.state_index(0, 1) == 1


def test_truncates_after_100_steps():
    _, steps = _run([RIGHT, LEFT] * 50)
    assert [s.is_last() for s in steps] == [False] * 99 + [True]
    assert float(steps[-1].discount) == 1.0


def test_tables_match_the_dynamics():
    env = envs.load("GridWorld-v0").gym_env
    tables = env.unwrapped
    assert tables.transition_probabilities.shape == (17, 4, 17)
    for row in range(4):
        for col in range(4):
            if (row, col) == gridworld.GOAL:
                continue
            state = gridworld.state_index(row, col)
            for action in range(4):
                env.reset()
                env.unwrapped.position = (row, col)
                observation, reward, terminated, _, _ = env.step(action)
                (next_state,) = np.flatnonzero(tables.transition_probabilities[state][action])
                assert tables.rewards[state][action][next_state] == reward
                ended = next_state in (gridworld.END, gridworld.state_index(*gridworld.GOAL))
                assert terminated == ended
                if next_state != gridworld.END:
                    assert gridworld.state_of(observation) == next_state


def test_value_iteration_on_the_tables_finds_the_shortest_path():
    transitions, rewards, gamma = gridworld.TRANSITION_PROBABILITIES, gridworld.REWARDS, 0.9
    q = np.zeros((gridworld.NUM_STATES, gridworld.NUM_ACTIONS))
    for _ in range(50):
        q = np.sum(transitions * (rewards + gamma * q.max(axis=1)), axis=2)
    assert q[gridworld.state_index(0, 0)].max() == pytest.approx(10 * gamma**5)
    env = envs.load("GridWorld-v0")
    step = env.reset()
    for _ in range(6):
        step = env.step(np.int64(q[gridworld.state_of(step.observation)].argmax()))
    assert step.is_last() and float(step.reward) == 10.0
