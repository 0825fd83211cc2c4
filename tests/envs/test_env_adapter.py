"""The gymnasium -> TF-Agents adapter: specs, step types, discounts, seeding, info, render."""

import numpy as np
import pytest
from tf_agents.environments import utils
from tf_agents.trajectories import time_step as ts

import envs
from envs import mdp


def _mdp_action_mask(observation):
    # The random policy of validate_py_environment must only pick actions possible in the state.
    mask = np.zeros(mdp.NUM_ACTIONS, dtype=np.int32)
    mask[mdp.POSSIBLE_ACTIONS[int(observation)]] = 1
    return observation, mask


@pytest.mark.parametrize(
    "env_id, kwargs, episodes, splitter",
    [
        ("CartPole-v1", {}, 3, None),
        ("BreakoutNoFrameskip-v4", {"max_episode_steps": 30}, 2, None),
        ("GridWorld-v0", {}, 5, None),
        ("ThreeStateMDP-v0", {"max_episode_steps": 20}, 2, _mdp_action_mask),
    ],
)
def test_validate_py_environment(env_id, kwargs, episodes, splitter):
    env = envs.load(env_id, seed=0, **kwargs)
    utils.validate_py_environment(
        env, episodes=episodes, observation_and_action_constraint_splitter=splitter
    )


def test_specs_keep_gymnasium_dtypes_and_bounds():
    cartpole = envs.load("CartPole-v1")
    assert cartpole.observation_spec().shape == (4,)
    assert cartpole.observation_spec().dtype == np.float32
    action = cartpole.action_spec()
    assert (action.shape, action.dtype, action.minimum, action.maximum) == ((), np.int64, 0, 1)
    breakout = envs.load("BreakoutNoFrameskip-v4").observation_spec()
    assert (breakout.shape, breakout.dtype) == ((84, 84, 4), np.uint8)
    assert (breakout.minimum, breakout.maximum) == (0, 255)
    states = envs.load("ThreeStateMDP-v0").observation_spec()
    assert (states.shape, states.dtype, states.minimum, states.maximum) == ((), np.int64, 0, 2)


def test_truncation_is_last_with_discount_one():
    env = envs.load("CartPole-v1", seed=0, max_episode_steps=5)
    assert env.reset().is_first()
    steps = [env.step(np.int64(action)) for action in (0, 1, 0, 1, 0)]
    assert [int(step.step_type) for step in steps] == [ts.StepType.MID] * 4 + [ts.StepType.LAST]
    assert [float(step.discount) for step in steps] == [1.0] * 5
    assert all(step.reward.dtype == np.float32 for step in steps)
    assert env.get_info()["episode"]["l"] == 5
    assert env.get_info()["episode"]["r"] == 5.0
    assert env.step(np.int64(0)).is_first()  # auto-reset after LAST


def test_termination_is_last_with_discount_zero():
    env = envs.load("CartPole-v1", seed=0)
    env.reset()
    for count in range(1, 100):  # always pushing right tips the pole over within ~10 steps
        step = env.step(np.int64(1))
        if step.is_last():
            break
    assert step.is_last() and count < 100
    assert float(step.discount) == 0.0
    assert env.get_info()["episode"]["l"] == count


def _trajectory(env, actions):
    steps = [env.reset()] + [env.step(np.int64(action)) for action in actions]
    return [(s.observation.copy(), float(s.reward), int(s.step_type)) for s in steps]


def _same(first, second):
    return all(
        np.array_equal(a[0], b[0]) and a[1:] == b[1:] for a, b in zip(first, second, strict=True)
    )


def test_same_seed_same_actions_same_trajectory():
    actions = np.random.default_rng(0).integers(0, 2, 60)  # spans several CartPole episodes
    first = _trajectory(envs.load("CartPole-v1", seed=3), actions)
    second = _trajectory(envs.load("CartPole-v1", seed=3), actions)
    other = _trajectory(envs.load("CartPole-v1", seed=4), actions)
    assert _same(first, second)
    assert not np.array_equal(first[0][0], other[0][0])


def test_later_resets_continue_the_random_generator():
    env = envs.load("CartPole-v1", seed=3)
    assert not np.array_equal(env.reset().observation, env.reset().observation)


def test_only_discrete_actions():
    with pytest.raises(ValueError, match="only Discrete actions"):
        envs.load("Pendulum-v1")


def test_render_needs_rgb_array_mode():
    with pytest.raises(ValueError, match="render_mode='rgb_array'"):
        envs.load("CartPole-v1").render()
