"""envs.load_vector: ale-py's C++ vector env as one batched PyEnvironment, on real ROMs."""

import numpy as np
import pytest
from tf_agents.environments import batched_py_environment
from tf_agents.trajectories import time_step as ts

import envs
from pipelines.common.environments import GameScores

BREAKOUT = "BreakoutNoFrameskip-v4"
FIRST, MID, LAST = ts.StepType.FIRST, ts.StepType.MID, ts.StepType.LAST
NOOP, FIRE, RIGHT = 0, 1, 2  # Breakout's minimal action set: NOOP, FIRE, RIGHT, LEFT
TRAINING = dict(clip_rewards=True, terminal_on_life_loss=True)


def _steps(env, actions):
    """Steps `env` through `actions` (one row per step); returns the time steps, reset first."""
    time_steps = [env.reset()]
    for action in actions:
        time_steps.append(env.step(np.asarray(action, np.int64)))
    return time_steps


def test_specs_match_envs_load_batched():
    vector = envs.load_vector(BREAKOUT, 3, seed=0, **TRAINING)
    batched = batched_py_environment.BatchedPyEnvironment(
        [envs.load(BREAKOUT, seed=i, **TRAINING) for i in range(3)], multithreading=False
    )
    try:
        assert vector.batched and vector.batch_size == 3
        assert vector.time_step_spec() == batched.time_step_spec()
        assert vector.action_spec() == batched.action_spec()
        first, second = vector.reset(), vector.step(np.full(3, FIRE, np.int64))
        assert first.observation.shape == (3, 84, 84, 4)
        assert first.observation.dtype == np.uint8
        assert list(first.step_type) == [FIRST] * 3 and list(second.step_type) == [MID] * 3
        for frame in range(1, 4):  # a reset stacks its frame 4 times
            np.testing.assert_array_equal(first.observation[..., frame], first.observation[..., 0])
        # Oldest frame first: the stack shifts left by one frame per step.
        np.testing.assert_array_equal(second.observation[..., :3], first.observation[..., 1:])
    finally:
        vector.close()
        batched.close()


def test_a_lost_life_ends_the_episode_but_not_the_game():
    env = envs.load_vector(BREAKOUT, 1, seed=0, **TRAINING)  # Breakout preset: auto_fire
    try:
        env.reset()
        kinds, lives, games_ended = [], [], 0
        for _ in range(150):
            kinds.append(int(env.step(np.asarray([NOOP], np.int64)).step_type[0]))
            lives.append(int(env.get_info()["lives"][0]))
            games_ended += int(env.get_info()["_episode"][0])
        end = kinds.index(LAST)
        assert kinds[end + 1] == FIRST and FIRST not in kinds[:end]
        # The game went on: one life fewer, and no game ended or started.
        assert lives[:end] == [5] * end and lives[end] == lives[end + 1] == 4
        # AutoFire's FIRE on that FIRST served the ball again: with NOOPs only, all five lives
        # are lost (ALE's own fire reset only fires when a game starts).
        assert kinds.count(LAST) >= 5 and 1 in lives and games_ended >= 1
    finally:
        env.close()


def test_game_over_reports_the_raw_score_and_starts_a_new_game():
    env = envs.load_vector(BREAKOUT, 2, seed=1, **TRAINING)
    scores = GameScores([env])
    rng = np.random.default_rng(0)
    try:
        env.reset()
        for _ in range(2000):
            time_step = env.step(rng.integers(4, size=2))
            scores(None)
            info = env.get_info()
            if info["_episode"].any():
                break
        ended = info["_episode"]
        assert ended.any(), "no game ended in 2000 random steps"
        assert np.all(time_step.step_type[ended] == LAST)
        assert np.all(time_step.discount[ended] == 0.0)
        assert scores.lengths == list(info["episode"]["l"][ended]) and scores.lengths[0] > 0
        assert scores.scores == list(info["episode"]["r"][ended])
        after = env.step(np.zeros(2, np.int64))
        assert np.all(after.step_type[ended] == FIRST)
        assert np.all(env.get_info()["lives"][ended] == 5)  # a new game
        assert not env.get_info()["_episode"].any()
    finally:
        env.close()


def test_max_episode_steps_counts_agent_steps_and_truncates_with_discount_one():
    env = envs.load_vector(BREAKOUT, 2, seed=0, max_episode_steps=15, **TRAINING)
    try:
        env.reset()
        kinds = []
        for step in range(1, 18):
            time_step = env.step(np.full(2, RIGHT, np.int64))
            kinds.append(list(time_step.step_type))
            if step == 15:
                assert list(time_step.discount) == [1.0, 1.0]
                assert list(env.get_info()["_episode"]) == [True, True]
                assert list(env.get_info()["episode"]["l"]) == [15, 15]
        assert kinds == [[MID, MID]] * 14 + [[LAST, LAST], [FIRST, FIRST], [MID, MID]]
        assert list(env.get_info()["lives"]) == [5, 5]
    finally:
        env.close()


def test_same_seed_same_trajectories():
    actions = np.random.default_rng(0).integers(4, size=(80, 2))

    def run(seed):
        env = envs.load_vector(BREAKOUT, 2, seed=seed, **TRAINING)
        try:
            steps = _steps(env, actions)
        finally:
            env.close()
        return (
            np.stack([t.observation for t in steps]),
            np.stack([t.reward for t in steps]),
            np.stack([t.step_type for t in steps]),
        )

    first, again, other = run(7), run(7), run(8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])  # other no-op starts


def _both_stacks(actions):
    """The same actions through envs.load and envs.load_vector, from the same start: one no-op
    frame, no auto-fire (ALE's fire reset is one frame inside the reset, ours an agent step)."""
    options = dict(noop_max=1, auto_fire=False, terminal_on_life_loss=True)
    python = envs.load(BREAKOUT, seed=0, **options)
    vector = envs.load_vector(BREAKOUT, 1, seed=0, **options)
    try:
        theirs, ours = _steps(python, actions), _steps(vector, np.asarray(actions)[:, None])
    finally:
        python.close()
        vector.close()
    for field in ("step_type", "reward", "discount"):
        np.testing.assert_array_equal(
            [getattr(t, field)[0] for t in ours], [getattr(t, field) for t in theirs]
        )
    difference = np.abs(
        np.stack([t.observation[0] for t in ours]).astype(np.float32)
        - np.stack([t.observation for t in theirs])
    )
    return [int(t.step_type) for t in theirs], difference


def test_the_same_frames_as_the_python_stack_before_the_serve():
    # The paddle moves, the ball is not served: max-pool, resize and stacking alone differ.
    _, difference = _both_stacks(np.random.default_rng(1).choice([NOOP, RIGHT, 3], size=60))
    assert difference.max() <= 1  # OpenCV's INTER_AREA and our AreaResize round apart
    assert np.mean(difference > 0) < 0.001


def test_the_same_lives_and_episodes_as_the_python_stack():
    # A still paddle under served balls: both lose every life on the same steps. (With a moving
    # paddle the games part at the first serve: ALE's vector env serves the ball elsewhere.)
    kinds, difference = _both_stacks(np.random.default_rng(3).integers(2, size=400))
    assert kinds.count(LAST) >= 10 and kinds.count(FIRST) == kinds.count(LAST) + 1
    assert difference.mean() < 0.2, difference.mean()


@pytest.mark.parametrize(
    "env_id, options, message",
    [
        ("SpaceInvadersNoFrameskip-v4", {}, "cannot skip the start of a game (skip_start=40)"),
        (BREAKOUT, {"terminal_on_life_loss": False}, "auto_fire needs terminal_on_life_loss=True"),
        ("CartPole-v1", {}, "runs Atari games only, and 'CartPole-v1' is not one"),
        (BREAKOUT, {"noop_maks": 3}, "unknown option 'noop_maks'; did you mean 'noop_max'?"),
        (
            "PongNoFrameskip-v4",
            {"auto_fire": True, "terminal_on_life_loss": True, "frame_stack": 0},
            "frame_stack must be >= 1, not 0",
        ),
    ],
)
def test_refuses_what_it_cannot_honour(env_id, options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        envs.load_vector(env_id, 2, seed=0, **options)


def test_rom_names_come_from_the_registry():
    for env_id, actions in [("SpaceInvadersNoFrameskip-v4", 6), ("ALE/Breakout-v5", 4)]:
        options = dict(skip_start=0, auto_fire=False)  # as the Python stack can have them
        vector = envs.load_vector(env_id, 1, seed=0, **options)
        python = envs.load(env_id, seed=0, **options)
        try:
            assert vector.action_spec().maximum == actions - 1
            assert vector.action_spec() == python.action_spec()
            assert vector.reset().observation[0].shape == python.reset().observation.shape
        finally:
            vector.close()
            python.close()
