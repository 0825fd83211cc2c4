"""A scaled-out run on this machine: one replay server, N collectors and one learner (DQN or
IMPALA).

    python -m pipelines.launch --pipeline=cartpole_dqn --root_dir=runs/cartpole_x2 --collectors=2 \
        [--preset=NAME] [--config.<field>=value ...]

Each role is the pipeline's own entry point in its own process (`--role=replay|collect|train`),
exactly as on several machines; their output is prefixed with the role. The launcher finishes
when the learner does, then stops the server (which checkpoints itself). A collector that dies is
restarted; a server that dies ends the run (exit status 1, the same command resumes it); Ctrl-C
stops everything, each role saving its checkpoint. A server that fails on its way out is reported
and fails the launcher too.
"""

import re
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

from absl import app, flags

from pipelines import registry
from pipelines.common import cli, config_flag
from pipelines.common.root_dir_flag import ROOT_DIR

PIPELINE = flags.DEFINE_string(
    "pipeline",
    "cartpole_dqn",
    "DQN or IMPALA entry point under pipelines/, e.g. cartpole_dqn or cartpole_impala.",
)
COLLECTORS = flags.DEFINE_integer(
    "collectors", 2, "Collector processes.", lower_bound=1, upper_bound=64
)
PORT = flags.DEFINE_integer(
    "port", 0, "Replay server port (0 picks a free one).", lower_bound=0, upper_bound=65535
)
RESTARTS = flags.DEFINE_integer(
    "collector_restarts", 3, "Times a dead collector is restarted.", lower_bound=0
)

# The entry points whose runs split into replay, collect and train roles.
_SCALABLE_PIPELINES = tuple(p.name for p in registry.PIPELINES.values() if p.scales_out)
_SERVER_START_SECONDS = 180.0


class _Role:
    """One child process, its output forwarded line by line with a prefix."""

    def __init__(self, name: str, command: List[str], on_line=None):
        self.name, self.command = name, command
        # A session of its own: Ctrl-C reaches the launcher alone, which stops each role once.
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=_end_with_the_launcher,
        )
        self.last_line = ""
        self._on_line = on_line
        self._thread = threading.Thread(target=self._forward, daemon=True)
        self._thread.start()

    def _forward(self) -> None:
        for line in self.process.stdout:
            if line.startswith("[reverb/cc/"):
                continue  # Reverb's own C++ log lines: the server's state is printed by the roles
            self.last_line = line.rstrip()
            sys.stdout.write(f"[{self.name}] {line}")
            sys.stdout.flush()
            if self._on_line:
                self._on_line(line)

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._thread.join(5)
        return code

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)


def _end_with_the_launcher() -> None:
    """In each child before it runs: SIGTERM (its stop request) when the launcher dies, even by
    SIGKILL. Roles run in sessions of their own, so nothing else would reach them, and a role
    left alive keeps its folder's lock."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop_on_sigterm(signum, frame) -> None:
    """`kill` or a job scheduler's SIGTERM stops the launcher as Ctrl-C does: each role saves."""
    raise KeyboardInterrupt


def _pipeline_command(role: str, config_args: List[str], *extra: str) -> List[str]:
    return (
        [
            sys.executable,
            "-m",
            f"pipelines.{PIPELINE.value}",
            f"--role={role}",
            f"--root_dir={ROOT_DIR.value}",
        ]
        + list(extra)
        + config_args
    )


def _start_server(config_args: List[str]) -> tuple:
    """The replay role, and the port it reports once it serves."""
    port: Dict[str, int] = {}
    ready = threading.Event()

    def watch(line: str) -> None:
        match = re.match(r"replay server on port (\d+)", line)
        if match:
            port["value"] = int(match.group(1))
            ready.set()

    server = _Role(
        "replay", _pipeline_command("replay", config_args, f"--port={PORT.value}"), on_line=watch
    )
    deadline = time.monotonic() + _SERVER_START_SECONDS
    while not ready.wait(0.5):
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            server.wait(10)
            cli.fail(f"the replay server did not start: {server.last_line or 'no output'}")
    return server, port["value"]


def main(config_args: List[str]) -> int:
    if PIPELINE.value not in _SCALABLE_PIPELINES:
        cli.fail(
            f"--pipeline must be one of {', '.join(_SCALABLE_PIPELINES)}, got '{PIPELINE.value}'"
        )
    if not ROOT_DIR.value:
        cli.fail("--root_dir is required")
    server, port = _start_server(config_args)
    address = f"--replay_server=localhost:{port}"
    learner = _Role("learner", _pipeline_command("train", config_args, address))
    collectors = [
        _Role(
            f"collector {task}",
            _pipeline_command("collect", config_args, address, f"--task={task}"),
        )
        for task in range(COLLECTORS.value)
    ]
    restarts = [0] * len(collectors)
    code = None
    server_died = None
    try:
        while code is None:
            code = learner.wait(1.0)
            server_died = server.process.poll() if code is None else None
            if server_died is not None:
                # Nothing restarts it here, and the learner and collectors would wait for it
                # forever: end the run; each role saves, and the same command resumes it.
                print(
                    f"[launch] the replay server exited with {server_died} "
                    f"({server.last_line or 'no output'}); stopping the run: rerun the same "
                    "command to resume",
                    flush=True,
                )
                learner.stop()
                code = learner.wait(120)
                break
            for task, collector in enumerate(collectors):
                died = collector.process.poll()
                if code is None and died not in (None, 0) and restarts[task] < RESTARTS.value:
                    restarts[task] += 1
                    # Started before it is announced: a Ctrl-C after the line finds it in the
                    # list of roles to stop.
                    collectors[task] = _Role(collector.name, collector.command)
                    print(
                        f"[launch] collector {task} exited with {died}; restarting it", flush=True
                    )
    except KeyboardInterrupt:
        print("[launch] stopping: each role saves its checkpoint", flush=True)
        # The learner first, while the collectors still feed it: without them its next batch
        # would wait on the replay's rate limiter, and it would never reach its next step.
        # SIGTERM, not SIGINT: a role still starting up ends without a KeyboardInterrupt trace.
        learner.stop()
        code = learner.wait(120)
    if code != 0:  # the learner died or was stopped: collectors would wait for it in vain
        for collector in collectors:
            collector.stop()
    for collector in collectors:  # they stop on their own once the learner has finished
        if collector.wait(60 if code == 0 else 15) is None:
            collector.stop()
            if collector.wait(10) is None:
                # Blocked on the replay's rate limiter, it never reaches its next step; a
                # collector holds nothing of the run, and a live one would hold its folder's lock.
                collector.stop(signal.SIGKILL)
                collector.wait(10)
    server.stop()
    server_code = server.wait(120)
    if server_code is None:
        server.stop(signal.SIGKILL)
        server.wait(10)
        print("[launch] the replay server did not end within 120 s of SIGTERM: killed", flush=True)
    elif server_code != 0 and server_died is None:
        print(f"[launch] the replay server exited with {server_code}", flush=True)
    if code is None:
        return 130
    if server_died is not None or server_code != 0:
        return code or 1
    return code


def _split_config_args(argv: List[str]) -> tuple:
    """--preset=NAME and --config.* go to every role untouched; the rest are the launcher's own
    flags."""

    def passed_on(arg: str) -> bool:
        return arg.startswith(("--config.", "--preset="))

    config_args = [arg for arg in argv[1:] if passed_on(arg)]
    return [argv[0]] + [arg for arg in argv[1:] if not passed_on(arg)], config_args


if __name__ == "__main__":
    config_flag.show_in_help(ROOT_DIR)
    own_argv, passed_on = _split_config_args(sys.argv)

    def run_launcher(argv):
        if len(argv) > 1:
            cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        sys.exit(main(passed_on))

    app.run(run_launcher, argv=own_argv, flags_parser=cli.parse_flags)
