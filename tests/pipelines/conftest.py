"""Finished tiny runs of the entry points, made once per session and shared read-only."""

import dataclasses
import fcntl
import json
import os
import pathlib
from typing import Callable, Dict

import pipeline_cli
import pytest

# Run name -> (entry point, overrides, extra flags...). Each is run at most once per session, on
# first use.
RUNS = {name: (name, overrides) for name, overrides in pipeline_cli.TINY.items()}
RUNS["cartpole_double_dueling"] = (
    "cartpole_dqn",
    dict(pipeline_cli.CLASSIC, double_dqn=True, dueling=True, video_interval=300),
)
RUNS["breakout_python_backend"] = ("breakout_dqn", dict(pipeline_cli.ATARI, env_backend="python"))
RUNS["breakout_nature2015"] = ("breakout_dqn", dict(pipeline_cli.ATARI), "--preset=nature2015")


@dataclasses.dataclass
class FinishedRun:
    pipeline: str
    overrides: Dict
    root_dir: str
    result: pipeline_cli.Result


def shared_temp(tmp_path_factory) -> pathlib.Path:
    """A folder every pytest-xdist worker of this session sees (each has its own base temp below
    one shared parent); the session's base temp when the tests run in one process."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> Callable[[str], FinishedRun]:
    """finished_run(name) -> that run of RUNS, made on first use by whichever worker needs it
    first (the others wait on its lock and read its result). Tests must not write to it: copy it
    with `copy_run` first."""
    runs = shared_temp(tmp_path_factory) / "finished_runs"
    runs.mkdir(exist_ok=True)
    cache: Dict[str, FinishedRun] = {}

    def get(name: str) -> FinishedRun:
        if name not in cache:
            pipeline, overrides, *extra = RUNS[name]
            (runs / name).mkdir(exist_ok=True)
            root_dir, result_file = runs / name / "run", runs / name / "result.json"
            with open(runs / f"{name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if result_file.exists():
                    result = pipeline_cli.Result(**json.loads(result_file.read_text()))
                else:
                    result = pipeline_cli.run(
                        pipeline, str(root_dir), overrides, *extra, timeout=300
                    )
                    result_file.write_text(json.dumps(dataclasses.asdict(result)))
            cache[name] = FinishedRun(pipeline, overrides, str(root_dir), result)
        return cache[name]

    return get


def copy_run(run: FinishedRun, destination) -> str:
    """A private copy of a finished run (its lock file left behind)."""
    return pipeline_cli.copy_run(run.root_dir, destination)


@pytest.fixture
def cartpole_copy(finished_run, tmp_path) -> str:
    """A copy of the finished tiny CartPole run, free to be resumed or refused."""
    return copy_run(finished_run("cartpole_dqn"), tmp_path / "cartpole_run")


def skip_outside_ci(reason: str) -> None:
    """Skips a test this machine cannot run (no tmpfs mount, no chattr as root); under CI=true
    it fails instead, so that CI cannot pass on tests it never ran."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true and this test cannot run here: {reason}")
    pytest.skip(reason)
