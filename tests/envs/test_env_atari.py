"""The Atari stack on real ROMs: frame stack, seeding, auto-fire, skip-start, life loss, scores."""

import numpy as np
import pytest

import envs

NOOP = np.int64(0)


def _ale(env):
    return env.gym_env.unwrapped.ale


def test_observation_is_a_channels_last_uint8_stack_newest_last():
    env = envs.load("BreakoutNoFrameskip-v4", seed=0)
    previous = env.reset().observation
    assert previous.shape == (84, 84, 4) and previous.dtype == np.uint8
    assert all(np.array_equal(previous[..., 0], previous[..., i]) for i in range(4))  # padded
    right = np.int64(env.gym_env.unwrapped.get_action_meanings().index("RIGHT"))
    for _ in range(6):
        step = env.step(right)
        assert np.array_equal(step.observation[..., :-1], previous[..., 1:])
        previous = step.observation
    assert not np.array_equal(previous[..., 0], previous[..., -1])  # the paddle moved


def test_options_shape_the_observation():
    env = envs.load("PongNoFrameskip-v4", screen_size=42, frame_stack=2)
    assert env.observation_spec().shape == (42, 42, 2)
    assert env.reset().observation.shape == (42, 42, 2)


def test_render_is_the_full_rgb_screen():
    env = envs.load("ALE/Breakout-v5", seed=0, render_mode="rgb_array")
    env.reset()
    frame = env.render()
    assert frame.shape == (210, 160, 3) and frame.dtype == np.uint8


def test_one_agent_step_is_frame_skip_frames_for_v4_and_v5_ids():
    for env_id, sticky in (("BreakoutNoFrameskip-v4", 0.0), ("ALE/Breakout-v5", 0.25)):
        env = envs.load(env_id, seed=0, frame_skip=3)
        env.reset()
        start = env.get_info()["episode_frame_number"]
        env.step(NOOP)
        assert env.get_info()["episode_frame_number"] - start == 3, env_id  # no double skipping
        assert _ale(env).getFloat("repeat_action_probability") == pytest.approx(sticky), env_id


def _play(env_id, seed, actions, **options):
    env = envs.load(env_id, seed=seed, **options)
    steps = [env.reset()] + [env.step(np.int64(a)) for a in actions]
    return [(s.observation.copy(), float(s.reward), int(s.step_type)) for s in steps]


def test_same_seed_same_actions_same_atari_trajectory():
    actions = np.random.default_rng(0).integers(0, 6, 150)
    first = _play("ALE/SpaceInvaders-v5", 7, actions)  # sticky actions: seeded too
    second = _play("ALE/SpaceInvaders-v5", 7, actions)
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]
    assert sum(step[1] for step in first) > 0  # the trajectory did something worth comparing


def test_noop_reset_differs_between_seeds():
    # Seaquest animates from its first frame (Pong and Breakout stand still then), so a different
    # number of NOOP frames shows.
    starts = [_play("SeaquestNoFrameskip-v4", seed, [])[0][0] for seed in range(3)]
    assert not all(np.array_equal(starts[0], start) for start in starts[1:])


def test_auto_fire_lets_a_noop_only_breakout_game_end():
    env = envs.load("BreakoutNoFrameskip-v4", seed=0, noop_max=0, frame_stack=1)
    assert envs.atari_options_for("BreakoutNoFrameskip-v4")["auto_fire"]  # from the preset
    env.reset()
    for _ in range(400):  # measured: 120 agent steps (5 lives, each served by a FIRE)
        if env.step(NOOP).is_last():
            break
    assert env.current_time_step().is_last()
    assert _ale(env).lives() == 0


def test_without_auto_fire_a_noop_only_breakout_game_never_starts():
    env = envs.load("BreakoutNoFrameskip-v4", seed=0, noop_max=0, frame_stack=1, auto_fire=False)
    env.reset()
    rewards = [float(env.step(NOOP).reward) for _ in range(1000)]
    assert not any(rewards)
    assert _ale(env).lives() == 5


def test_auto_fire_needs_a_fire_action():
    with pytest.raises(ValueError, match="FIRE"):
        envs.load("MsPacmanNoFrameskip-v4", auto_fire=True)


def test_skip_start_skips_agent_steps_at_reset():
    skipped = envs.load("SpaceInvadersNoFrameskip-v4", seed=0, noop_max=0)
    plain = envs.load("SpaceInvadersNoFrameskip-v4", seed=0, noop_max=0, skip_start=0)
    assert not np.array_equal(skipped.reset().observation, plain.reset().observation)
    assert skipped.get_info()["episode_frame_number"] == 40 * 4  # preset 40, 4 frames per step
    assert plain.get_info()["episode_frame_number"] == 0


@pytest.mark.parametrize("terminal_on_life_loss", [False, True])
def test_skip_start_skips_agent_steps_after_a_lost_life(terminal_on_life_loss):
    env = envs.load(
        "SpaceInvadersNoFrameskip-v4",
        seed=0,
        frame_stack=1,
        terminal_on_life_loss=terminal_on_life_loss,
    )
    env.reset()
    for _ in range(400):  # NOOP-only: the first life goes after ~175 agent steps
        before = env.get_info()["episode_frame_number"]
        step = env.step(NOOP)
        if env.get_info()["lives"] < 3:
            break
    assert env.get_info()["lives"] == 2
    assert env.get_info()["episode_frame_number"] - before == (1 + 40) * 4
    assert step.is_last() == terminal_on_life_loss


def test_rewards_of_skipped_steps_are_added_to_the_step():
    # NOOP-only Atlantis scores while losing installations (its lives): with 150 steps skipped
    # after each lost life, all its score lands inside skips.
    env = envs.load("AtlantisNoFrameskip-v4", seed=0, noop_max=0, skip_start=150, frame_stack=1)
    env.reset()
    total = 0.0
    for _ in range(1000):
        step = env.step(NOOP)
        total += float(step.reward)
        if step.is_last():
            break
    assert total == env.get_info()["episode"]["r"] > 0


def test_episodic_life_ends_the_episode_but_not_the_game():
    env = envs.load("BreakoutNoFrameskip-v4", seed=0, noop_max=0, terminal_on_life_loss=True)
    env.reset()
    lives_at_last, frames_at_last = [], []
    for _ in range(400):
        step = env.step(NOOP)
        if step.is_last():
            assert float(step.discount) == 0.0
            lives_at_last.append(_ale(env).lives())
            frames_at_last.append(env.get_info()["episode_frame_number"])
            if "episode" in env.get_info():
                break
    # One agent episode per life; the game carried on (AutoFire served after each life loss).
    assert lives_at_last == [4, 3, 2, 1, 0]
    assert frames_at_last == sorted(frames_at_last)
    first = env.step(NOOP)  # a real game over: now the game resets
    assert first.is_first() and _ale(env).lives() == 5


def test_episode_score_is_raw_and_sums_all_lives_while_rewards_are_clipped():
    actions = np.random.default_rng(1).integers(0, 6, 5000)

    def game(clip_rewards):
        env = envs.load(
            "SpaceInvadersNoFrameskip-v4",
            seed=1,
            frame_stack=1,
            terminal_on_life_loss=True,
            clip_rewards=clip_rewards,
        )
        env.reset()
        rewards, lasts = [], 0
        for action in actions:
            step = env.step(np.int64(action))
            rewards.append(float(step.reward))
            lasts += int(step.is_last())
            if "episode" in env.get_info():
                return rewards, lasts, env.get_info()["episode"]
        raise AssertionError("the game did not end")

    raw, lasts, episode = game(clip_rewards=False)
    clipped, _, clipped_episode = game(clip_rewards=True)
    assert lasts == 3  # one agent episode per life
    assert episode["r"] == sum(raw) > sum(clipped)
    assert max(clipped) == 1.0 and max(raw) > 1.0
    assert clipped_episode["r"] == episode["r"]
    assert clipped_episode["l"] == episode["l"] >= len(raw)


def test_max_episode_steps_counts_agent_steps():
    env = envs.load("PongNoFrameskip-v4", seed=0, max_episode_steps=10)
    env.reset()
    steps = [env.step(NOOP) for _ in range(10)]
    assert [s.is_last() for s in steps] == [False] * 9 + [True]
    assert float(steps[-1].discount) == 1.0
    assert env.get_info()["episode"]["l"] == 10
