"""User mistakes end in one `error: ...` line on stderr, exit status 2, no traceback, and leave
any existing run as it was."""

import fcntl
import os
import re
import shutil
import subprocess

import pipeline_cli
import pytest
from conftest import copy_run, skip_outside_ci

CLASSIC = pipeline_cli.CLASSIC


@pytest.fixture(scope="module", autouse=True)
def unreachable_server_run(tmp_path_factory):
    """Started with the module's first test: it waits out a 30 s connection timeout while the
    other tests run."""
    root_dir = str(tmp_path_factory.mktemp("unreachable") / "run")
    background = pipeline_cli.Background(
        "cartpole_dqn", root_dir, CLASSIC, "--replay_server=localhost:1"
    )
    yield root_dir, background
    background.stop()


@pytest.mark.parametrize(
    "overrides, extra, message",
    [
        (
            {"learning_rat": 0.1},
            [],
            "error: unknown config field 'learning_rat'; "
            "did you mean 'learning_rate' or 'learning_rate_end'?",
        ),
        (
            {"batch_size": "abc"},
            [],
            "error: flag --config.batch_size=abc: invalid literal for int() with base 10: 'abc'",
        ),
        (
            {"anneal_learning_rate": "false"},
            [],
            "error: config.anneal_learning_rate is no more: set config.learning_rate_end, the "
            "rate at num_env_steps (0.0 anneals to 0; learning_rate's own value keeps it fixed)",
        ),
        (
            {"learning_rate_end": 2},
            [],
            "error: config.learning_rate_end must be in [0, 1), got 2.0",
        ),
        ({"num_env_steps": 0}, [], "error: config.num_env_steps must be > 0, got 0"),
        ({"num_env_steps": -5}, [], "error: config.num_env_steps must be > 0, got -5"),
        (
            {"optimizer_epsilon": float("nan")},
            [],
            "error: config.optimizer_epsilon must be a finite number, got nan",
        ),
        (
            {"num_parallel_envs": 100_000},
            [],
            "error: config.num_parallel_envs must be at most 10,000 (each environment has its "
            "own replay writer and threads), got 100,000",
        ),
        (
            {"env_id": "Breakout-v9"},
            [],
            "error: unknown environment 'Breakout-v9'; "
            "did you mean 'BreakoutNoFrameskip-v4' or 'ALE/Breakout-v5'?",
        ),
        ({}, ["stray"], "error: unexpected arguments: stray"),
        (
            {"env_backend": "bogus"},
            [],
            "error: config.env_backend must be 'python' or 'ale_vector', got 'bogus'",
        ),
        (
            {"env_backend": "ale_vector"},
            [],
            "error: the ale_vector backend runs Atari games only, and 'CartPole-v1' is not one",
        ),
        (
            {"clip_rewards": True},
            [],
            "error: config.clip_rewards is for Atari games, and "
            "'CartPole-v1' is not one: set config.clip_rewards=false",
        ),
        (
            {"terminal_on_life_loss": True},
            [],
            "error: config.terminal_on_life_loss is for Atari "
            "games, and 'CartPole-v1' is not one: set "
            "config.terminal_on_life_loss=false",
        ),
    ],
    ids=[
        "unknown_field",
        "wrong_type",
        "renamed_field",
        "learning_rate_end_range",
        "zero_budget",
        "negative_budget",
        "nan_value",
        "too_many_envs",
        "unknown_env",
        "positional_argument",
        "unknown_env_backend",
        "ale_vector_not_atari",
        "clip_rewards_not_atari",
        "life_loss_not_atari",
    ],
)
def test_bad_command_line(tmp_path, overrides, extra, message):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run(
        "cartpole_dqn", str(root_dir), dict(CLASSIC, **overrides), *extra, timeout=60
    )
    assert pipeline_cli.error_line(result) == message
    assert not root_dir.exists()


@pytest.mark.parametrize(
    "address, problem",
    [
        ("notaport", "expected host:port, like localhost:8000"),
        ("localhost:99999", "port 99999 is outside 1-65535"),
        ("localhost:", "expected host:port, like localhost:8000"),
    ],
)
def test_a_malformed_replay_server_address_is_refused_at_once(tmp_path, address, problem):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run(
        "cartpole_dqn", str(root_dir), CLASSIC, f"--replay_server={address}", timeout=60
    )
    assert pipeline_cli.error_line(result) == f"error: --replay_server={address}: {problem}"
    assert result.seconds < 30  # before TensorFlow loads; a connection attempt takes 30 s
    assert not root_dir.exists()


@pytest.mark.parametrize(
    "overrides, extra",
    [
        ({"replay_capacity": 10**9}, []),
        ({"replay_capacity": 10**9}, ["--role=replay"]),
    ],
    ids=["replay", "replay_server"],
)
def test_a_run_that_cannot_fit_in_memory_is_refused_at_once(tmp_path, overrides, extra):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run(
        "breakout_dqn", str(root_dir), dict(pipeline_cli.ATARI, **overrides), *extra, timeout=60
    )
    line = pipeline_cli.error_line(result)
    assert re.fullmatch(
        r"error: [\d,]+ environments( and a replay of [\d,]+ transitions)? of "
        r"BreakoutNoFrameskip-v4 need at least [\d.]+ GiB of memory, more than the [\d.]+ GiB "
        r"this machine has: lower config\.num_parallel_envs( or config\.replay_capacity)?",
        line,
    ), line
    assert result.seconds < 30  # before TensorFlow loads
    assert not root_dir.exists()


def test_ale_vector_cannot_skip_space_invaders_start(tmp_path):
    root_dir = tmp_path / "run"
    result = pipeline_cli.run(
        "spaceinvaders_dqn",
        str(root_dir),
        dict(pipeline_cli.ATARI, env_backend="ale_vector"),
        timeout=60,
    )
    assert pipeline_cli.error_line(result) == (
        "error: config.env_backend=ale_vector cannot skip the idle start of "
        "SpaceInvadersNoFrameskip-v4 (40 agent steps at reset and after each lost life): use "
        "config.env_backend=python"
    )
    assert not root_dir.exists()


def test_missing_root_dir(tmp_path):
    result = pipeline_cli.run("cartpole_dqn", None, CLASSIC, timeout=60, cwd=str(tmp_path))
    assert pipeline_cli.error_line(result) == "error: --root_dir is required"
    assert os.listdir(tmp_path) == []  # nothing written to the working directory instead


def test_root_dir_is_a_file(tmp_path):
    path = tmp_path / "run"
    path.write_text("not a run\n")
    result = pipeline_cli.run("cartpole_dqn", str(path), CLASSIC, timeout=60)
    assert pipeline_cli.error_line(result) == f"error: --root_dir {path} is a file, not a directory"
    assert path.read_text() == "not a run\n"


@pytest.fixture
def unwritable_dir(tmp_path):
    """A directory this process cannot write to. Root ignores permission bits, so as root the
    directory is made immutable (chattr +i) instead of read-only."""
    path = tmp_path / "locked"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o500)
        yield path
        path.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        skip_outside_ci("running as root and cannot make a directory immutable (chattr +i)")
    try:
        yield path
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_root_dir_unwritable(unwritable_dir):
    with pytest.raises(OSError):  # the setup really is unwritable, even for this process
        (unwritable_dir / "probe").write_text("")
    result = pipeline_cli.run("cartpole_dqn", str(unwritable_dir), CLASSIC, timeout=60)
    line = pipeline_cli.error_line(result)
    assert line.startswith(f"error: cannot write to --root_dir {unwritable_dir}: ")
    assert os.listdir(unwritable_dir) == []


def test_root_dir_not_empty_without_a_run(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    result = pipeline_cli.run("cartpole_dqn", str(tmp_path), CLASSIC, timeout=60)
    assert pipeline_cli.error_line(result) == (
        f"error: --root_dir {tmp_path} is not empty and holds no run; "
        "choose an empty or new directory"
    )
    assert pipeline_cli.snapshot(str(tmp_path)) == {"notes.txt": b"mine\n"}


def test_root_dir_holding_another_pipelines_run(finished_run, tmp_path):
    root_dir = copy_run(finished_run("cartpole_dqn"), tmp_path / "run")
    before = pipeline_cli.snapshot(root_dir)
    result = pipeline_cli.run("lunarlander_dqn", root_dir, pipeline_cli.LUNAR, timeout=60)
    assert pipeline_cli.error_line(result) == (
        "error: --root_dir holds a 'cartpole_dqn' run, not 'lunarlander_dqn'; "
        "use another --root_dir"
    )
    assert pipeline_cli.snapshot(root_dir) == before


def test_root_dir_in_use_by_another_job(tmp_path):
    root_dir = tmp_path / "run"
    root_dir.mkdir()
    with open(root_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running job holds it
        results = [
            pipeline_cli.run(pipeline, str(root_dir), overrides, timeout=60)
            for pipeline, overrides in (("cartpole_dqn", CLASSIC), ("cartpole_reinforce", {}))
        ]
    for result in results:
        assert pipeline_cli.error_line(result) == (
            f"error: --root_dir {root_dir} is in use by another running job"
        )
        assert result.seconds < 15  # before TensorFlow and the environments load
    assert pipeline_cli.snapshot(str(root_dir)) == {}


def test_unreachable_replay_server(unreachable_server_run):
    root_dir, background = unreachable_server_run
    result = background.result(timeout=90)
    assert pipeline_cli.error_line(result) == (
        "error: no Reverb server answered at localhost:1 within 30 s"
    )
    # The 30 s connection timeout plus start-up, bounded generously (TensorFlow's import alone
    # can take 30 s on a loaded two-core machine): what matters is that it does not hang.
    assert result.seconds < 85, result.seconds
    assert not os.path.exists(root_dir)


def test_a_test_that_cannot_run_here_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and this test cannot run here"):
        skip_outside_ci("no tmpfs")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no tmpfs"):
        skip_outside_ci("no tmpfs")
