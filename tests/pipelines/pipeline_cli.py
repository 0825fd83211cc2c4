"""Runs the entry points as a user does (`python -m pipelines.X`) and reads what they write."""

import dataclasses
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from pipelines.common import config_flag
from pipelines.dqn import presets as dqn_presets

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = sys.executable

DQN_PIPELINES = ("cartpole_dqn", "lunarlander_dqn", "breakout_dqn", "spaceinvaders_dqn", "pong_dqn")


def default_presets(presets_of, pipelines) -> Dict:
    """pipeline -> a factory of its default preset's config, as the entry point makes it."""

    def factory(pipeline):
        table = presets_of(pipeline)
        return lambda: config_flag.choose_preset(table, next(iter(table)))

    return {pipeline: factory(pipeline) for pipeline in pipelines}


PRESETS = default_presets(dqn_presets.presets, DQN_PIPELINES)

# A few hundred env steps: enough for a checkpoint, an evaluation, train summaries and an export.
CLASSIC = {
    "num_env_steps": 600,
    "initial_collect_steps": 200,
    "eval_interval": 300,
    "eval_episodes": 2,
    "checkpoint_interval": 300,
    "summary_interval": 200,
    "replay_capacity": 2000,
    "batch_size": 16,
    "num_parallel_envs": 2,
}
# An untrained lander can hover for the whole default 1000-step episode.
LUNAR = dict(CLASSIC, max_episode_steps=200)
ATARI = dict(
    CLASSIC,
    num_env_steps=300,
    initial_collect_steps=100,
    summary_interval=100,
    batch_size=8,
    replay_capacity=1000,
    eval_episodes=1,
    max_episode_steps=100,
)
TINY = {
    "cartpole_dqn": CLASSIC,
    "lunarlander_dqn": LUNAR,
    "breakout_dqn": ATARI,
    "spaceinvaders_dqn": ATARI,
    "pong_dqn": ATARI,
}

SUMMARY_KEYS = {
    "config_name",
    "preset",
    "env_steps",
    "train_steps",
    "wall_seconds",
    "env_steps_per_second",
    "final_eval",
    "resumed_from_env_step",
    "reached_stop_return",
}
# On-policy runs (REINFORCE, PPO, A2C) have the same keys, their stop rule included.
ON_POLICY_SUMMARY_KEYS = SUMMARY_KEYS


@dataclasses.dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def command(pipeline: str, root_dir: Optional[str], overrides: Dict, *extra: str) -> List[str]:
    """`python -m pipelines.<pipeline> --root_dir=... --config.<k>=<v> ...`."""
    args = [PYTHON, "-m", f"pipelines.{pipeline}"]
    if root_dir is not None:
        args.append(f"--root_dir={root_dir}")
    args += [f"--config.{key}={_flag_value(value)}" for key, value in overrides.items()]
    return args + list(extra)


def run(
    pipeline: str,
    root_dir: Optional[str],
    overrides: Dict,
    *extra: str,
    timeout: float = 120,
    cwd: str = REPO,
) -> Result:
    started = time.monotonic()
    done = subprocess.run(
        command(pipeline, root_dir, overrides, *extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def start(
    pipeline: str, root_dir: Optional[str], overrides: Dict, *extra: str, log_dir: str
) -> subprocess.Popen:
    """Starts a run in the background, output to files (a full pipe would stall it). Ctrl-C
    reaches it even when this test session ignores SIGINT (started with nohup, in the background),
    as a run started in a terminal does."""
    with (
        open(os.path.join(log_dir, f"{pipeline}.stdout"), "w") as out,
        open(os.path.join(log_dir, f"{pipeline}.stderr"), "w") as err,
    ):  # the child keeps its own copies of the files; ours close here
        return subprocess.Popen(
            command(pipeline, root_dir, overrides, *extra),
            cwd=REPO,
            stdout=out,
            stderr=err,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


class Background:
    """A command run to completion on a thread, for one that mostly waits (a network timeout)."""

    def __init__(self, pipeline: str, root_dir: Optional[str], overrides: Dict, *extra: str):
        self._started = time.monotonic()
        self._process = subprocess.Popen(
            command(pipeline, root_dir, overrides, *extra),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._result: Optional[Result] = None
        self._thread = threading.Thread(target=self._wait, daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        stdout, stderr = self._process.communicate()
        self._result = Result(
            self._process.returncode, stdout, stderr, time.monotonic() - self._started
        )

    def result(self, timeout: float) -> Result:
        self._thread.join(timeout)
        if self._result is None:
            self.stop()  # a timed-out command is not left running
            raise AssertionError(f"still running after {timeout} s")
        return self._result

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._thread.join()


def _flag_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def error_line(result: Result) -> str:
    """The one `error: ...` line a refused command prints; Reverb's own log lines are ignored."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not line.startswith("[reverb")
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def expected_config(pipeline: str, overrides: Dict, presets: Optional[Dict] = None) -> Dict:
    """config.json as it must read: the preset (of `presets`, DQN's by default) with the
    overrides applied, tuples as lists."""
    values = dataclasses.asdict((presets or PRESETS)[pipeline]())
    values.update(overrides)
    return json.loads(json.dumps(values))


def copy_run(root_dir: str, destination) -> str:
    """A private copy of a finished run (its lock file left behind)."""
    destination = str(destination)
    shutil.copytree(root_dir, destination, ignore=shutil.ignore_patterns(".lock"))
    return destination


def train_step(checkpoint: str) -> int:
    """The train_step counter saved in a checkpoint."""
    return int(
        tf.train.load_checkpoint(checkpoint).get_tensor("train_step/.ATTRIBUTES/VARIABLE_VALUE")
    )


def read_json(path: str) -> Dict:
    with open(path) as f:
        return json.load(f)


def latest_checkpoint(root_dir: str) -> Optional[str]:
    return tf.train.latest_checkpoint(os.path.join(root_dir, "checkpoints"))


def checkpoint_step(path: str) -> int:
    return int(path.rsplit("ckpt-", 1)[1])


def scalar_events(log_dir: str) -> Dict[str, List[Tuple[int, float]]]:
    """Every scalar of the TensorBoard event files in log_dir: tag -> [(step, value)] in order."""
    scalars: Dict[str, List[Tuple[int, float]]] = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append(
                    (event.step, float(tf.make_ndarray(value.tensor)))
                )
    return scalars


def snapshot(root: str) -> Dict[str, bytes]:
    """Every file under root (relative path -> bytes), to show a refused command changed nothing.

    The empty .lock file is left out: taking the lock is how a command starts looking.
    """
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name == ".lock":
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = f.read()
    return files


def run_side_by_side(presets: Dict, overrides: Dict, tmp_path_factory) -> Dict:
    """pipeline -> (root_dir, Result) of a run of each preset with the overrides, side by side."""
    roots = {name: str(tmp_path_factory.mktemp(name) / "run") for name in presets}
    started = {name: Background(name, roots[name], overrides) for name in presets}
    return {name: (roots[name], started[name].result(timeout=240)) for name in presets}


def check_on_policy_run(
    root: str, result: Result, pipeline: str, overrides: Dict, presets: Dict
) -> Tuple[Dict, Dict]:
    """What every finished on-policy run shows; returns its (summary, config)."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "env steps" in result.stdout and "done:" in result.stdout
    summary = read_json(os.path.join(root, "summary.json"))
    assert set(summary) == ON_POLICY_SUMMARY_KEYS
    config = read_json(os.path.join(root, "config.json"))
    assert config == expected_config(pipeline, overrides, presets)
    assert summary["config_name"] == pipeline
    return summary, config


class RoleProcess:
    """One role's process; its output goes to a file (a full pipe would stall it)."""

    def __init__(self, name: str, log_dir: str, command: List[str]):
        self.log = os.path.join(log_dir, f"{name}.log")
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )

    def output(self) -> str:
        with open(self.log) as f:
            return f.read()

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output())
            if match:
                return match
            assert self.process.poll() is None, self.output()
            time.sleep(0.5)
        raise AssertionError(f"no '{pattern}' within {timeout} s:\n{self.output()}")

    def exit_code(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"still running after {timeout} s:\n{self.output()}")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(60)


def listening_addresses(port: int):
    """Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


# ::ffff:127.0.0.1 and 127.0.0.1 as /proc/net prints them (little-endian words).
LOOPBACK = {"0000000000000000FFFF00000100007F", "0100007F"}


def export_holds_the_final_weights(root_dir: str) -> None:
    """Asserts that every variable of the run's export equals a tensor of its newest checkpoint,
    and that the checkpoint before it (which the training since changed) does not match: the
    comparison can tell weights apart."""
    import tensorflow_probability  # noqa: F401  (registers the policies' distribution types)

    policy = tf.saved_model.load(os.path.join(root_dir, "policies", "greedy_policy"))
    exported = [variable.numpy() for variable in policy.model_variables]
    checkpoints = sorted(
        (path[: -len(".index")] for path in glob.glob(f"{root_dir}/checkpoints/ckpt-*.index")),
        key=checkpoint_step,
    )

    def tensors(prefix):
        reader = tf.train.load_checkpoint(prefix)
        found = (reader.get_tensor(name) for name in reader.get_variable_to_shape_map())
        return [tensor for tensor in found if isinstance(tensor, np.ndarray)]  # not the graph

    def all_found(arrays, pool):
        return all(
            any(other.shape == array.shape and np.array_equal(other, array) for other in pool)
            for array in arrays
        )

    assert exported and len(checkpoints) >= 2
    assert all_found(exported, tensors(checkpoints[-1]))
    assert not all_found(exported, tensors(checkpoints[-2]))
