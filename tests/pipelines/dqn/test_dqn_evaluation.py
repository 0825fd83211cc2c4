"""The Atari DQN presets evaluate whole games at the raw score, while training episodes end at
each lost life with clipped rewards."""

import numpy as np
import pytest
from tf_agents.policies import random_py_policy

from pipelines import registry
from pipelines.common import config_flag, environments, evaluation
from pipelines.dqn import presets as dqn_presets


def _lives(env) -> int:
    return env.gym_env.unwrapped.ale.lives()


@pytest.mark.parametrize("preset", ["fast", "nature2015"])
def test_evaluation_plays_whole_breakout_games(preset):
    config = config_flag.choose_preset(dqn_presets.presets("breakout_dqn"), preset)
    assert config.terminal_on_life_loss and config.clip_rewards  # training's shaping
    eval_env = environments.make_environments(config, 1, seed=3, training=False)[0]
    policy = random_py_policy.RandomPyPolicy(
        eval_env.time_step_spec(), eval_env.action_spec(), outer_dims=(1,), seed=3
    )
    result = evaluation.evaluate(policy, [eval_env], max_steps=config.max_episode_steps)
    assert _lives(eval_env) == 0  # the game ended, not a life
    assert result["mean"] == eval_env.get_info()["episode"]["r"]  # the raw game score

    train_env = environments.make_environments(config, 1, seed=3, training=True, backend="python")[
        0
    ]
    time_step, steps = train_env.reset(), 0
    while not time_step.is_last():
        time_step = train_env.step(np.int64(np.random.default_rng(steps).integers(4)))
        steps += 1
    assert _lives(train_env) == 4 and steps < result["mean_length"]


def test_the_fast_presets_evaluate_at_their_documented_epsilon_and_cap():
    for entry in registry.of_algorithm("dqn", atari=True):
        config = config_flag.choose_preset(entry.presets(), "fast")
        assert config.eval_epsilon == 0.005
        assert config.max_episode_steps == 27_000  # 108k frames per evaluation game
