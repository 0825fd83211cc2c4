"""pipelines.evaluate: an exported policy plays from its SavedModel and env.json alone, prints a
table and a JSON line, records MP4/GIF videos, and refuses what it cannot play. The command runs
end to end for each kind of outcome; the many argument checks are called directly.

Two exports: the tiny CartPole run's (conftest), and a Space Invaders policy made here whose Q
network always prefers FIRE, so its game score is known in advance and exceeds its clipped sum.
"""

import json
import os
import shutil

import imageio.v3 as iio
import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf

import envs
from pipelines import evaluate as evaluate_command
from pipelines.common import cli, environments, export
from pipelines.dqn import presets as dqn_presets
from pipelines.dqn.agent import make_agent
from pipelines.dqn.networks import make_q_network
from pipelines.tools import play

pytestmark = pytest.mark.filterwarnings("ignore:Encoding a StructuredValue")  # export
FIRE = 1  # Space Invaders' action set: NOOP, FIRE, RIGHT, LEFT, RIGHTFIRE, LEFTFIRE
ATARI_STEPS = 200  # max_episode_steps of the FIRE export: about 4 s of play, a few hits


def evaluate(*args: str) -> pipeline_cli.Background:
    """`python -m pipelines.evaluate ARGS`, started at once; .result(timeout) waits for it."""
    return pipeline_cli.Background("evaluate", None, {}, *args)


def summary_line(result: pipeline_cli.Result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def table_rows(result: pipeline_cli.Result):
    """(episode, return, length) of each table row."""
    lines = result.stdout.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.split()[:3] == ["episode", "return", "length"]
    )
    rows = []
    for line in lines[start + 1 :]:
        fields = line.split()
        if len(fields) != 3 or not fields[0].isdigit():
            break
        rows.append((int(fields[0]), float(fields[1]), int(fields[2])))
    return rows


@pytest.fixture(scope="session")
def cartpole_policy(finished_run) -> str:
    run = finished_run("cartpole_dqn")
    assert run.result.returncode == 0, run.result.stderr
    return os.path.join(run.root_dir, "policies", "greedy_policy")


@pytest.fixture(scope="session")
def fire_policy(tmp_path_factory) -> str:
    """A Space Invaders export as training writes it (agent.policy, env.json with the
    evaluation options of the preset), its Q network rigged to always prefer FIRE."""
    config = dqn_presets.nature2015("SpaceInvadersNoFrameskip-v4", "spaceinvaders_dqn")
    env = environments.make_environments(config, 1, seed=0, training=False)[0]
    q_network = make_q_network(
        env.observation_spec(),
        env.action_spec(),
        config.conv_layer_params,
        config.fc_layer_params,
        config.dueling,
    )
    train_step = tf.Variable(0, dtype=tf.int64)
    agent = make_agent(
        config, env.time_step_spec(), env.action_spec(), q_network, train_step, epsilon=lambda: 0.0
    )
    kernel, bias = q_network.trainable_variables[-2:]  # the Q value layer
    assert bias.shape == (6,)
    kernel.assign(tf.zeros_like(kernel))
    bias.assign(tf.one_hot(FIRE, 6))
    env_metadata = {
        "env_id": config.env_id,
        "env_options": environments.env_options(config, training=False),
        "max_episode_steps": ATARI_STEPS,
        "config_name": config.name,
    }
    policy_dir = str(tmp_path_factory.mktemp("fire") / "greedy_policy")
    export.export_policy(agent.policy, train_step, policy_dir, env_metadata)
    return policy_dir


def always_fire(env_id: str, options: dict, seed: int):
    """(raw score, clipped score, policy steps, first RGB frame) of one FIRE-only episode."""
    env = envs.load(
        env_id, seed=seed, max_episode_steps=ATARI_STEPS, render_mode="rgb_array", **options
    )
    time_step = env.reset()
    first_frame = env.render()
    rewards = []
    while not time_step.is_last():
        time_step = env.step(np.int64(FIRE))
        rewards.append(float(time_step.reward))
    return sum(rewards), float(np.sum(np.sign(rewards))), len(rewards), first_frame


@pytest.fixture(scope="module")
def commands(cartpole_policy, fire_policy, tmp_path_factory):
    """Every command of this module, started at once (each mostly loads TensorFlow): name ->
    (result, policy dir, output file)."""
    work = tmp_path_factory.mktemp("commands")
    corrupt = str(work / "corrupt")
    shutil.copytree(cartpole_policy, corrupt)
    with open(os.path.join(corrupt, "saved_model.pb"), "wb") as f:
        f.write(b"\x08\x01 not a SavedModel")
    empty = work / "empty"
    empty.mkdir()
    cases = {
        "missing": (str(work / "missing"), ["--num_episodes=1"], None),
        "empty": (str(empty), ["--num_episodes=1"], None),
        "atari_gif": (fire_policy, ["--num_episodes=1"], str(work / "fire.gif")),
        "cartpole_mp4": (
            cartpole_policy,
            ["--num_episodes=3", "--seed=5"],
            str(work / "cartpole.mp4"),
        ),
        "corrupt": (corrupt, ["--num_episodes=1"], None),
        "cartpole_on_lunarlander": (cartpole_policy, ["--env=LunarLander-v3"], None),
    }
    started = {
        name: evaluate(f"--policy_dir={policy_dir}", *extra, *([f"--video={out}"] if out else []))
        for name, (policy_dir, extra, out) in cases.items()
    }
    return {
        name: (run.result(timeout=300), cases[name][0], cases[name][2])
        for name, run in started.items()
    }


def test_atari_policy_plays_the_env_json_game_with_the_raw_score(fire_policy, commands):
    result, _, gif = commands["atari_gif"]
    frames = iio.imread(gif, index=None)  # the game as played: many frames, and they change
    assert frames.ndim == 4 and len(frames) > 10 and frames.shape[1] >= 160
    assert not np.array_equal(frames[0], frames[-1])
    metadata = export.read_env_metadata(fire_policy)
    assert metadata["env_options"]["clip_rewards"] is False  # evaluation options, not training's
    raw, clipped, steps, _ = always_fire(metadata["env_id"], metadata["env_options"], seed=0)
    assert raw > clipped > 0  # the game paid more than 1 for some hit: clipping would show
    summary = summary_line(result)
    assert "on SpaceInvadersNoFrameskip-v4 (from env.json)" in result.stdout
    assert summary["episodes"] == 1
    assert summary["mean"] == summary["min"] == summary["max"] == raw
    assert summary["std"] == 0
    assert summary["mean_length"] == steps  # env.json's max_episode_steps, skip_start counted


def test_the_score_is_the_raw_game_score_even_with_clipped_rewards(fire_policy):
    """The library evaluate runs on: an env whose options clip rewards still reports the game's
    score (info["episode"]["r"]), not the sum of clipped rewards."""
    metadata = export.read_env_metadata(fire_policy)
    options = dict(metadata["env_options"], clip_rewards=True)
    raw, clipped, steps, _ = always_fire(
        metadata["env_id"], dict(options, clip_rewards=False), seed=0
    )
    env = envs.load(metadata["env_id"], seed=0, max_episode_steps=ATARI_STEPS, **options)
    episode = play.play_episode(play.ExportedPolicy(fire_policy), env)
    assert raw > clipped
    assert (episode.score, episode.length) == (raw, steps)


def test_cartpole_table_json_and_mp4(commands):
    result, _, mp4 = commands["cartpole_mp4"]
    summary = summary_line(result)
    assert set(summary) >= {
        "mean",
        "std",
        "min",
        "max",
        "episodes",
        "mean_length",
    }
    rows = table_rows(result)
    assert [row[0] for row in rows] == [1, 2, 3] and summary["episodes"] == 3
    returns = np.array([row[1] for row in rows])
    assert summary["mean"] == pytest.approx(returns.mean(), abs=0.05)
    assert summary["std"] == pytest.approx(returns.std(), abs=0.05)
    assert (summary["min"], summary["max"]) == (returns.min(), returns.max())
    assert summary["mean_length"] == pytest.approx(np.mean([row[2] for row in rows]))
    assert all(row[1] == row[2] for row in rows)  # CartPole pays 1 per step
    assert 1 <= summary["min"] <= summary["max"] <= 500
    assert "on CartPole-v1 (from env.json)" in result.stdout
    frames = iio.imread(mp4, index=None, plugin="FFMPEG")
    assert len(frames) == rows[0][2] + 1  # the first episode only
    assert frames.shape[1] >= 400 and frames.shape[2] >= 600  # pygame's 600x400 picture


def test_cartpole_episodes_repeat_with_the_seed(cartpole_policy):
    """What the command plays, replayed here with the same seed: same returns."""
    metadata = export.read_env_metadata(cartpole_policy)
    policy = play.ExportedPolicy(cartpole_policy)
    env = envs.load(metadata["env_id"], seed=5, **metadata["env_options"])
    first = [play.play_episode(policy, env).score for _ in range(3)]
    env = envs.load(metadata["env_id"], seed=5, **metadata["env_options"])
    assert [play.play_episode(policy, env).score for _ in range(3)] == first


@pytest.mark.parametrize(
    "name, words",
    [
        ("missing", "does not exist"),
        ("empty", "is empty"),
        ("corrupt", "cannot load the SavedModel"),
        ("cartpole_on_lunarlander", "does not fit 'LunarLander-v3'"),
    ],
)
def test_command_refuses_in_one_line(commands, name, words):
    """A refusal at each stage: the export's files, loading, the env check. The other argument
    checks raise the same UserError and are tested directly below."""
    result, policy_dir, _ = commands[name]
    line = pipeline_cli.error_line(result)
    assert words in line and policy_dir in line
    assert result.stdout == ""  # refused before playing anything
    if name == "cartpole_on_lunarlander":
        assert "float32 (4,)" in line and "float32 (8,)" in line and "0..3" in line


@pytest.fixture
def broken_exports(cartpole_policy, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    no_env_json = str(tmp_path / "no_env_json")
    shutil.copytree(cartpole_policy, no_env_json)
    os.remove(os.path.join(no_env_json, export.ENV_FILE))
    bad_env_json = str(tmp_path / "bad_env_json")
    shutil.copytree(cartpole_policy, bad_env_json)
    with open(os.path.join(bad_env_json, export.ENV_FILE), "w") as f:
        f.write('{"env_id": ')
    no_specs = str(tmp_path / "no_specs")
    shutil.copytree(cartpole_policy, no_specs)
    os.remove(os.path.join(no_specs, "policy_specs.pbtxt"))
    return {
        "missing": str(tmp_path / "missing"),
        "empty": str(empty),
        "no_env_json": no_env_json,
        "bad_env_json": bad_env_json,
        "no_specs": no_specs,
        "run_dir": os.path.dirname(os.path.dirname(cartpole_policy)),
    }


@pytest.mark.parametrize(
    "case, words",
    [
        (dict(policy_dir="missing"), "does not exist"),
        (dict(policy_dir="empty"), "is empty"),
        (dict(policy_dir="run_dir"), "did you mean"),
        (dict(policy_dir="no_specs"), "has no policy_specs.pbtxt"),
        (dict(policy_dir="no_env_json"), "has no env.json"),
        (dict(policy_dir="bad_env_json"), "env.json is not valid"),
        (dict(policy_dir=None), "--policy_dir is required"),
        (dict(num_episodes=0), "--num_episodes must be at least 1"),
        (dict(video_path="clip.avi"), "'.avi'"),
        (dict(video_path="no/such/dir/clip.mp4"), "does not exist"),
        (dict(video_episodes=0), "--video_episodes must be at least 1"),
    ],
)
def test_arguments_refused_before_loading(
    cartpole_policy, broken_exports, monkeypatch, tmp_path, case, words
):
    """The checks the command runs before any environment or model loads (UserError: one
    line, exit status 2, as the command tests above show)."""
    monkeypatch.chdir(tmp_path)
    arguments = dict(policy_dir=cartpole_policy, env_id=None, num_episodes=1)
    arguments.update(case)
    if arguments["policy_dir"] in broken_exports:
        arguments["policy_dir"] = broken_exports[arguments["policy_dir"]]
    with pytest.raises(cli.UserError) as raised:
        evaluate_command.check_arguments(**arguments)
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_env_flag_replaces_a_missing_env_json(broken_exports):
    assert evaluate_command.check_arguments(broken_exports["no_env_json"], "CartPole-v1", 1) is None


def test_atari_policy_does_not_fit_cartpole(fire_policy):
    line = play.spec_mismatch(export.read_policy_specs(fire_policy), envs.load("CartPole-v1"))
    assert "uint8 (84, 84, 4)" in line and "float32 (4,)" in line
    assert (
        play.spec_mismatch(
            export.read_policy_specs(fire_policy), envs.load("SpaceInvadersNoFrameskip-v4")
        )
        is None
    )


def test_epsilon_takes_random_actions_and_is_refused_out_of_range(fire_policy):
    metadata = export.read_env_metadata(fire_policy)
    env = envs.load(metadata["env_id"], seed=0, max_episode_steps=200, **metadata["env_options"])
    policy = play.ExportedPolicy(fire_policy)
    actions = []

    def record(step):
        if step.action is not None:
            actions.append(step.action)

    env.render = lambda: None  # the recorder only reads the actions
    play.play_episode(policy, env, recorder=record)
    assert set(actions) == {FIRE}
    actions.clear()
    play.play_episode(policy, env, recorder=record, epsilon=1.0, rng=np.random.default_rng(0))
    assert len(set(actions)) == 6  # uniformly random: every action of the game
    with pytest.raises(cli.UserError, match=r"--epsilon must be in \[0, 1\], got 1.5"):
        evaluate_command.check_arguments(fire_policy, None, 1, epsilon=1.5)


def test_random_policy_scores_the_raw_game_in_the_same_json():
    """--policy=random: no export, any env id; whole Breakout games (five lives, so longer than
    one life's auto-fire-and-miss) in the same JSON form, naming the policy 'random'."""
    cartpole = evaluate("--policy=random", "--env=CartPole-v1", "--num_episodes=3")
    breakout = evaluate(
        "--policy=random", "--env=BreakoutNoFrameskip-v4", "--num_episodes=2", "--seed=1"
    )
    line = summary_line(cartpole.result(timeout=120))
    assert line["policy"] == "random" and line["episodes"] == 3
    assert line["env_id"] == "CartPole-v1" and line["epsilon"] == 0.0
    assert 8 <= line["min"] <= line["mean"] <= line["max"] < 100
    result = breakout.result(timeout=120)
    line = summary_line(result)
    assert line["policy"] == "random" and line["seed"] == 1
    assert [length for _, _, length in table_rows(result)] and line["mean_length"] > 100
    assert line["mean"] >= 0


@pytest.mark.parametrize(
    "case,words",
    [
        (dict(policy_dir="x"), "give --policy_dir or --policy=random, not both"),
        (dict(env_id=None), "--policy=random needs --env, the game to play"),
        (dict(epsilon=0.1), "--epsilon has no meaning for --policy=random"),
    ],
)
def test_random_policy_arguments_refused(case, words):
    arguments = dict(policy_dir=None, env_id="CartPole-v1", num_episodes=1, policy="random")
    arguments.update(case)
    with pytest.raises(cli.UserError, match=words.replace("-", r"\-").replace("=", "=")):
        evaluate_command.check_arguments(**arguments)


def test_random_policy_of_an_unknown_game_suggests_close_names():
    result = evaluate("--policy=random", "--env=Breakou").result(timeout=120)
    assert result.returncode != 0
    assert (
        "unknown environment 'Breakou'; did you mean 'BreakoutNoFrameskip-v4'"
        in pipeline_cli.error_line(result)
    )


def test_an_unwritable_video_path_is_refused_before_loading(cartpole_policy):
    with pytest.raises(cli.UserError, match=r"--video=/proc/clip.mp4: cannot write to /proc: "):
        evaluate_command.check_arguments(cartpole_policy, None, 1, video_path="/proc/clip.mp4")
