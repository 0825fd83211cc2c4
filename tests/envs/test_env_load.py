"""envs.load's ids and options: suggestions for unknown ids, checks before anything is built."""

import json

import gymnasium
import pytest

import envs
from envs.options import ATARI_DEFAULTS

BREAKOUT = "BreakoutNoFrameskip-v4"


@pytest.fixture
def nothing_is_built(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an environment was built before the arguments were checked")

    monkeypatch.setattr(gymnasium, "make", refuse)


def _error(env_id, **kwargs):
    with pytest.raises(ValueError) as caught:
        envs.load(env_id, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_unknown_id_suggests_the_recommended_atari_ids(nothing_is_built):
    assert _error("Breakout-v9") == (
        "unknown environment 'Breakout-v9';"
        " did you mean 'BreakoutNoFrameskip-v4' or 'ALE/Breakout-v5'?"
    )


@pytest.mark.parametrize(
    "env_id, suggested",
    [
        ("cartpole-v1", "'CartPole-v1'"),  # case
        ("CartPole-v3", "'CartPole-v1'"),  # version
        ("LunarLander-v2", "'LunarLander-v3'"),
        ("Breakot-v4", "'BreakoutNoFrameskip-v4'"),  # typo
        ("ALE/spaceinvaders-v5", "'ALE/SpaceInvaders-v5'"),
        ("gridworld", "'GridWorld-v0'"),  # ours
    ],
)
def test_unknown_id_names_it_and_suggests_close_ids(nothing_is_built, env_id, suggested):
    message = _error(env_id)
    assert message.startswith(f"unknown environment '{env_id}'; did you mean ")
    assert suggested in message


def test_unknown_id_without_close_match():
    assert "did you mean" not in _error("Zzyzx-v0")


@pytest.mark.parametrize(
    "env_id, kwargs, expected",
    [
        (BREAKOUT, {"frame_stak": 4}, "unknown option 'frame_stak'; did you mean 'frame_stack'?"),
        ("CartPole-v1", {"max_episode_step": 5}, "did you mean 'max_episode_steps'?"),
        ("CartPole-v1", {"frame_stack": 4}, "'frame_stack' is for Atari games, and 'CartPole-v1'"),
        (BREAKOUT, {"skip_start": -1}, "skip_start must be >= 0, not -1"),
        (BREAKOUT, {"noop_max": -5}, "noop_max must be >= 0, not -5"),
        (BREAKOUT, {"frame_stack": 0}, "frame_stack must be >= 1, not 0"),
        (BREAKOUT, {"frame_skip": 0}, "frame_skip must be >= 1, not 0"),
        (BREAKOUT, {"frame_skip": "4"}, "frame_skip must be an int, not '4'"),
        (BREAKOUT, {"frame_stack": 4.0}, "frame_stack must be an int, not 4.0"),
        (BREAKOUT, {"screen_size": True}, "screen_size must be an int, not True"),
        (BREAKOUT, {"auto_fire": "yes"}, "auto_fire must be True or False, not 'yes'"),
        ("CartPole-v1", {"seed": -1}, "seed must be >= 0, not -1"),
        ("CartPole-v1", {"max_episode_steps": 0}, "max_episode_steps must be >= 1, not 0"),
        ("CartPole-v1", {"render_mode": "rgb"}, "render_mode 'rgb' is not supported by"),
    ],
)
def test_bad_options_raise_before_building(nothing_is_built, env_id, kwargs, expected):
    assert expected in _error(env_id, **kwargs)


def test_is_atari():
    assert envs.is_atari("BreakoutNoFrameskip-v4") and envs.is_atari("ALE/Pong-v5")
    assert not envs.is_atari("CartPole-v1") and not envs.is_atari("GridWorld-v0")
    with pytest.raises(ValueError, match="unknown environment"):
        envs.is_atari("Breakout-v9")


def test_atari_options_for_resolves_presets_and_overrides():
    breakout = envs.atari_options_for("BreakoutNoFrameskip-v4")
    assert breakout == {**ATARI_DEFAULTS, "auto_fire": True}
    assert envs.atari_options_for("ALE/Breakout-v5") == breakout  # one row per game
    assert envs.atari_options_for("SpaceInvadersNoFrameskip-v4")["skip_start"] == 40
    assert envs.atari_options_for("PongNoFrameskip-v4") == ATARI_DEFAULTS
    overridden = envs.atari_options_for("BreakoutNoFrameskip-v4", auto_fire=False, frame_stack=2)
    assert (overridden["auto_fire"], overridden["frame_stack"]) == (False, 2)
    assert json.loads(json.dumps(overridden)) == overridden  # stored beside exported policies
    assert envs.atari_options_for("CartPole-v1") == {}
    with pytest.raises(ValueError, match="is for Atari games"):
        envs.atari_options_for("CartPole-v1", clip_rewards=True)


def test_resolved_options_rebuild_the_same_env():
    options = envs.atari_options_for("BreakoutNoFrameskip-v4", frame_stack=2, auto_fire=False)
    env = envs.load("BreakoutNoFrameskip-v4", **options)
    wrappers = str(env.gym_env)
    assert env.observation_spec().shape == (84, 84, 2)
    assert "AutoFire" not in wrappers


def test_game_options_name_real_games_and_valid_options():
    for game, options in envs.GAME_OPTIONS.items():
        env_id = f"ALE/{game}-v5"
        assert envs.game_name(env_id) == game
        assert envs.atari_options_for(env_id) == {**ATARI_DEFAULTS, **options}


def test_atari_wrapper_order():
    env = envs.load(
        "BreakoutNoFrameskip-v4",
        max_episode_steps=100,
        skip_start=2,
        terminal_on_life_loss=True,
        clip_rewards=True,
    )
    names, layer = [], env.gym_env
    while isinstance(layer, gymnasium.Wrapper):
        names.append(type(layer).__name__)
        layer = layer.env
    ours = [n for n in names if n not in ("OrderEnforcing", "PassiveEnvChecker")]
    assert ours[::-1] == [  # inner to outer
        "NoopReset",
        "MaxAndSkipObservation",
        "AreaResize",
        "TimeLimit",
        "RecordEpisodeStatistics",
        "SkipStart",
        "AutoFire",
        "EpisodicLife",
        "ClipReward",
        "FrameStackObservation",
        "ChannelsLast",
    ]


def test_every_env_reports_episode_statistics():
    env = envs.load("GridWorld-v0")
    env.reset()
    env.step(0)  # up, off the grid
    assert env.get_info()["episode"]["r"] == -1.0
