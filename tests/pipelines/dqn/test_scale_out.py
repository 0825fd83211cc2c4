"""--role=replay|collect|train: a Reverb server, two collectors and a learner as separate processes
on loopback, with the faults a scaled-out run must survive."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pipeline_cli
import pytest
import reverb

from benchmarks import fault_checks
from pipelines.common import scale_out
from pipelines.dqn import collect_role, step_reports

# Tiny CartPole sizes: a few hundred train steps, checkpoints every 500 env steps.
# update_period is pinned: the fault tests need a learner that trains often enough (~1,350 train
# steps) for the collectors to report many weight versions, whatever the preset's ratio.
SIZES = dict(
    pipeline_cli.CLASSIC,
    num_env_steps=3000,
    initial_collect_steps=300,
    checkpoint_interval=500,
    eval_interval=0,
    weights_sync_period=200,
    replay_capacity=5000,
    batch_size=16,
    summary_interval=500,
    update_period=2,
)


def _role(name: str, log_dir: str, root_dir: str, *extra: str) -> pipeline_cli.RoleProcess:
    return pipeline_cli.RoleProcess(
        name, log_dir, pipeline_cli.command("cartpole_dqn", root_dir, SIZES, *extra)
    )


@pytest.fixture
def roles(tmp_path):
    started = []

    def start(name, *extra):
        role = _role(name, str(tmp_path), str(tmp_path / "run"), *extra)
        started.append(role)
        return role

    yield start
    for role in started:
        role.kill()


def wait_for_checkpoint(
    learner: pipeline_cli.RoleProcess, run_dir: str, timeout: float = 240
) -> None:
    """Until the learner has checkpointed past the warm-up, and is still running.

    A file, not a progress line: progress prints every 10 s, and on a quiet machine the whole tiny
    run can finish between two lines."""
    checkpoints = os.path.join(run_dir, "checkpoints")
    deadline = time.monotonic() + timeout
    while True:
        names = os.listdir(checkpoints) if os.path.isdir(checkpoints) else []
        steps = [int(m.group(1)) for m in map(re.compile(r"ckpt-(\d+)\.index$").match, names) if m]
        if steps and max(steps) >= SIZES["checkpoint_interval"]:
            break
        assert learner.process.poll() is None, learner.output()
        assert time.monotonic() < deadline, f"no checkpoint within {timeout} s:\n{learner.output()}"
        time.sleep(0.2)
    assert learner.process.poll() is None, "the run ended before the fault:\n" + learner.output()


def test_server_two_collectors_and_a_learner_survive_kills(roles):
    server = roles("replay", "--role=replay")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    assert set(
        pipeline_cli.listening_addresses(port)
    ) <= pipeline_cli.LOOPBACK and pipeline_cli.listening_addresses(port), (
        "the Reverb port must listen on loopback only"
    )
    address = f"--replay_server=localhost:{port}"
    collectors = [
        roles(f"collector{task}", "--role=collect", address, f"--task={task}") for task in range(2)
    ]
    learner = roles("learner", "--role=train", address)

    # A checkpoint past the warm-up, then the learner and one collector die at once.
    wait_for_checkpoint(learner, os.path.join(os.path.dirname(server.log), "run"))
    learner.kill()
    collectors[1].kill()

    # The learner resumes from its checkpoint; collector 0 goes on alone and the run completes.
    learner = roles("learner", "--role=train", address)
    assert learner.exit_code(300) == 0, learner.output()
    assert collectors[0].exit_code(60) == 0, collectors[0].output()
    assert "the learner has finished" in collectors[0].output()

    summary = pipeline_cli.read_json(
        os.path.join(os.path.dirname(server.log), "run", "summary.json")
    )
    assert summary["resumed_from_env_step"] >= 500
    assert summary["env_steps"] >= SIZES["num_env_steps"]
    per_collector = summary["env_steps_per_collector"]
    assert set(per_collector) == {"0", "1"} and min(per_collector.values()) > 0
    assert sum(per_collector.values()) == summary["env_steps"]
    assert per_collector["0"] > per_collector["1"]  # collector 1 stopped half-way
    assert summary["train_steps"] > 100

    # The surviving collector acted with weights the learner pushed, later and later ones.
    collector_0 = os.path.join(os.path.dirname(server.log), "run", collect_role.folder(0))
    events = pipeline_cli.scalar_events(os.path.join(collector_0, "train"))
    versions = [value for _, value in events["Metrics/WeightsTrainStep"]]
    assert versions and versions[-1] > versions[0] and max(versions) > 100

    # The server checkpoints itself when stopped.
    server.kill(signal.SIGTERM)
    assert server.exit_code(60) == 0
    assert re.search(r"replay server stopped \(.*\); checkpoint", server.output())


def test_a_killed_learner_loses_no_env_step(roles, tmp_path):
    """The server counts the collectors' step reports, so that the reports that arrive while the
    learner is dead, and those since its last checkpoint, are each counted once: at the end the
    server's count is every env step the collectors wrote."""
    server = roles("replay", "--role=replay")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    address = f"--replay_server=localhost:{port}"
    collectors = [
        roles(f"collector{task}", "--role=collect", address, f"--task={task}") for task in range(2)
    ]
    learner = roles("learner", "--role=train", address)
    wait_for_checkpoint(learner, str(tmp_path / "run"))
    time.sleep(3)  # reports the learner's checkpoint does not hold
    learner.kill()
    time.sleep(3)  # reports while no learner runs
    learner = roles("learner-restarted", "--role=train", address)
    assert learner.exit_code(300) == 0, learner.output()
    written = 0
    for collector in collectors:
        assert collector.exit_code(60) == 0, collector.output()
        found = re.search(r"wrote ([\d,]+) env steps", collector.output())
        written += int(found.group(1).replace(",", ""))
    server.kill(signal.SIGTERM)
    assert server.exit_code(60) == 0, server.output()
    counted = re.search(r"replay server stopped \(([\d,]+) env steps counted\)", server.output())
    assert counted, server.output()
    assert int(counted.group(1).replace(",", "")) == written
    # Reverb's own count of items against the reports (fault_checks.insert_slack says why they
    # may differ a little).
    inserted = re.search(
        r"Reverb counts ([\d,]+) transitions inserted in this run, the reports ([\d,]+) env steps",
        server.output(),
    )
    assert inserted, server.output()
    items, reported = (int(group.replace(",", "")) for group in inserted.groups())
    assert reported == written
    assert abs(reported - items) <= fault_checks.insert_slack(
        len(collectors), SIZES["num_parallel_envs"]
    )
    summary = pipeline_cli.read_json(str(tmp_path / "run" / "summary.json"))
    assert SIZES["num_env_steps"] <= summary["env_steps"] <= written
    assert sum(summary["env_steps_per_collector"].values()) == summary["env_steps"]


def test_with_exit_when_finished_every_role_ends_by_itself(roles):
    """As Kubernetes Jobs need: the learner ends at its budget, the collectors when they see it,
    and the server (--exit_when_finished) after its grace, checkpointing on the way out."""
    server = roles("replay", "--role=replay", "--exit_when_finished")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    address = f"--replay_server=localhost:{port}"
    collectors = [
        roles(f"collector{task}", "--role=collect", address, f"--task={task}") for task in range(2)
    ]
    learner = roles("learner", "--role=train", address)
    assert learner.exit_code(300) == 0, learner.output()
    for collector in collectors:
        assert collector.exit_code(60) == 0, collector.output()
    assert server.exit_code(90) == 0, server.output()
    assert "the learner has finished; the server stops in 30 s" in server.output()
    assert re.search(r"replay server stopped \(.*\); checkpoint", server.output())

    # Restarted on the finished run, the server offers the learner's weights without its
    # `finished` flag: collectors started before the next learner must not stop at once.
    server = roles("replay-restarted", "--role=replay")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    assert _shared_finished_flag(f"localhost:{port}") is False


def _shared_finished_flag(address: str) -> bool:
    """The `finished` leaf of the variables item, read as a collector would, in flattening order
    (env_step, finished, policy..., train_step)."""
    item = next(iter(reverb.Client(address).sample(scale_out.VARIABLES_TABLE, num_samples=1)))
    flag = item[0].data[1]
    assert flag.dtype == bool and flag.shape == ()
    return bool(flag)


def test_a_restarted_server_is_rejoined(roles, tmp_path):
    server = roles("replay", "--role=replay")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    address = f"--replay_server=localhost:{port}"
    collector = roles("collector0", "--role=collect", address, "--task=0")
    learner = roles("learner", "--role=train", address)
    wait_for_checkpoint(learner, str(tmp_path / "run"))

    server.kill(signal.SIGTERM)  # saves the replay and the weights
    steps_before = _own_steps(collector.output())
    server = roles("replay-restarted", "--role=replay", f"--port={port}")
    restored = int(
        server.wait_for(r"\(([\d,]+) transitions restored", 120).group(1).replace(",", "")
    )
    assert restored > 0

    # Both clients carry on with the new server (gRPC reconnects them) and the run completes.
    assert learner.exit_code(300) == 0, learner.output()
    assert collector.exit_code(60) == 0, collector.output()
    written = int(
        re.search(r"wrote ([\d,]+) env steps", collector.output()).group(1).replace(",", "")
    )
    assert written > steps_before + 500


def test_a_killed_server_then_a_killed_learner_lose_no_env_step_unannounced(roles, tmp_path):
    """The replay server killed long after its last checkpoint (its newer checkpoints taken away),
    then the learner killed: the replay and the counts went back together, the server says per
    collector how many env steps it lost, the learner says its count went back, and at the end
    the env steps the collectors wrote are exactly the server's count plus the announced loss."""
    longer = "--config.num_env_steps=10000"  # still running when the server goes back
    server = roles("replay", "--role=replay", longer)
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    address = f"--replay_server=localhost:{port}"
    collectors = [
        roles(f"collector{task}", "--role=collect", address, f"--task={task}", longer)
        for task in range(2)
    ]
    learner = roles("learner", "--role=train", address, longer)
    wait_for_checkpoint(learner, str(tmp_path / "run"))
    server.kill(signal.SIGTERM)  # a checkpoint at its stop: the one restored below
    assert server.exit_code(60) == 0, server.output()
    replay = tmp_path / "run" / "replay_server" / "checkpoint"
    kept = tmp_path / "kept"
    shutil.copytree(replay, kept)
    server = roles("replay-2", "--role=replay", f"--port={port}", longer)
    counted = int(server.wait_for(r"([\d,]+) env steps counted", 120).group(1).replace(",", ""))
    # The run goes on until the server has counted well past the kept checkpoint, and the
    # learner has read its counts since.
    client = reverb.Client(f"localhost:{port}")
    deadline = time.monotonic() + 180
    while _counted(client) <= counted + 500:
        assert time.monotonic() < deadline and learner.process.poll() is None, learner.output()
        time.sleep(0.5)
    time.sleep(2)
    server.kill()
    shutil.rmtree(replay)
    shutil.copytree(kept, replay)
    server = roles("replay-3", "--role=replay", f"--port={port}", longer)
    assert server.wait_for(r"([\d,]+) env steps counted", 120).group(1).replace(",", "") == str(
        counted
    )
    # The learner dies too, once the server has counted past what it restored.
    deadline = time.monotonic() + 180
    while _counted(client) <= counted + 300:
        assert time.monotonic() < deadline and learner.process.poll() is None, learner.output()
        time.sleep(0.5)
    learner.kill()
    said_by_learner = re.search(
        r"learner: the replay server came back from its checkpoint with ([\d,]+) env steps "
        r"counted; the ([\d,]+) counted since were lost with it",
        learner.output(),
    )
    assert said_by_learner, learner.output()
    assert int(said_by_learner.group(1).replace(",", "")) >= counted
    learner = roles("learner-restarted", "--role=train", address, longer)
    assert learner.exit_code(300) == 0, learner.output()

    written = 0
    for collector in collectors:
        assert collector.exit_code(60) == 0, collector.output()
        written += _number(r"wrote ([\d,]+) env steps", collector.output())
    server.kill(signal.SIGTERM)
    assert server.exit_code(60) == 0, server.output()
    lost_per_collector = [
        int(n.replace(",", ""))
        for n in re.findall(r"replay server: ([\d,]+) env steps collector \d wrote after",
                            server.output())
    ]  # fmt: skip
    assert lost_per_collector and sum(lost_per_collector) > 0, server.output()
    final = re.search(
        r"replay server stopped \(([\d,]+) env steps counted, ([\d,]+) lost with a restore\)",
        server.output(),
    )
    assert final, server.output()
    counted_at_end, lost = (int(group.replace(",", "")) for group in final.groups())
    assert lost == sum(lost_per_collector)
    assert written == counted_at_end + lost
    # Reverb's item count went back with its checkpoint too. Each collector wrote through three
    # servers, each time from a new writer with its episodes restarted.
    items = re.findall(r"Reverb counts ([\d,]+) transitions inserted in this run", server.output())
    assert items, server.output()
    assert abs(int(items[-1].replace(",", "")) - counted_at_end) <= fault_checks.insert_slack(
        3 * len(collectors), SIZES["num_parallel_envs"]
    )
    summary = pipeline_cli.read_json(str(tmp_path / "run" / "summary.json"))
    assert summary["env_steps_lost"] == lost
    assert 10000 <= summary["env_steps"] <= counted_at_end


def _counted(client: reverb.Client) -> int:
    counts = step_reports.read_counts(client)
    return counts.total if counts else 0


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def _own_steps(collector_output: str) -> int:
    counts = re.findall(r"own env steps ([\d,]+)", collector_output)
    return int(counts[-1].replace(",", "")) if counts else 0


def _launch_command(root_dir: str, budget: int):
    """`python -m pipelines.launch` of a CartPole run with two collectors at the tiny SIZES."""
    return [
        pipeline_cli.PYTHON, "-m", "pipelines.launch", "--pipeline=cartpole_dqn",
        f"--root_dir={root_dir}", "--collectors=2",
    ] + [
        f"--config.{key}={pipeline_cli._flag_value(value)}"
        for key, value in dict(SIZES, num_env_steps=budget).items()
    ]  # fmt: skip


def _run_launcher(root_dir: str, budget: int = 1500) -> subprocess.CompletedProcess:
    """The launcher run to its end: a whole tiny run, or the rest of one."""
    return subprocess.run(
        _launch_command(root_dir, budget),
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=400,
    )


def _start_launcher(root_dir: str, budget: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        _launch_command(root_dir, budget),
        cwd=pipeline_cli.REPO,
        stdout=log,
        stderr=log,
        # Ctrl-C must reach it even when this session ignores SIGINT (run in the background).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_a_checkpoint(launcher: subprocess.Popen, root_dir: str, deadline: float) -> None:
    while not os.path.exists(os.path.join(root_dir, "checkpoints", "checkpoint")):
        assert launcher.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)


def _end_after_a_failure(launcher: subprocess.Popen, root_dir: str) -> None:
    """In a test's finally: the launcher never outlives it, nor, after a failed check, a role."""
    if launcher.poll() is None:
        launcher.kill()
        launcher.wait()
    if sys.exc_info()[0] is not None:
        for pid, _ in _run_processes(root_dir):
            os.kill(pid, signal.SIGKILL)


def test_the_launcher_runs_a_whole_scaled_out_run(tmp_path):
    root_dir = str(tmp_path / "run")
    done = _run_launcher(root_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    for role in ("[replay]", "[learner]", "[collector 0]", "[collector 1]"):
        assert role in done.stdout
    summary = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    assert set(summary["env_steps_per_collector"]) == {"0", "1"}
    assert os.path.isdir(os.path.join(root_dir, "policies", "greedy_policy"))


def test_a_finished_scaled_out_run_extends_with_a_larger_budget(tmp_path):
    """The same command with a larger num_env_steps trains on from the finished run: the server
    must not bring back `finished`, or the collectors stop at once and the learner waits."""
    root_dir = str(tmp_path / "run")
    first = _run_launcher(root_dir, budget=1500)
    assert first.returncode == 0, first.stdout + first.stderr
    before = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    extended = _run_launcher(root_dir, budget=3000)
    assert extended.returncode == 0, extended.stdout + extended.stderr
    after = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    assert before["env_steps"] < 3000 <= after["env_steps"]
    assert after["train_steps"] > before["train_steps"]


def test_collect_and_train_roles_need_a_server_address(tmp_path):
    for role in ("collect", "train"):
        result = pipeline_cli.run("cartpole_dqn", str(tmp_path / role), SIZES, f"--role={role}")
        assert "--replay_server=host:port" in pipeline_cli.error_line(result)


# The learner role under MirroredStrategy, as on a multi-GPU host: here over two logical CPUs,
# which must be configured before TensorFlow starts, hence a process of its own.
_MIRRORED_LEARNER = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from pipelines.dqn import presets as dqn_presets, learner_role
config = dqn_presets.cartpole()
for key, value in {sizes}.items():
    setattr(config, key, value)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
assert strategy.num_replicas_in_sync == 2
learner_role.learn(config, sys.argv[1], sys.argv[2], strategy=strategy)
"""


def test_the_learner_trains_on_several_replicas(roles, tmp_path):
    sizes = dict(SIZES, num_env_steps=1500)
    server = roles("replay", "--role=replay")
    port = int(server.wait_for(r"replay server on port (\d+)", 120).group(1))
    roles("collector0", "--role=collect", f"--replay_server=localhost:{port}", "--task=0")
    done = subprocess.run(
        [
            pipeline_cli.PYTHON,
            "-c",
            _MIRRORED_LEARNER.format(sizes=sizes),
            str(tmp_path / "run"),
            f"localhost:{port}",
        ],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = pipeline_cli.read_json(str(tmp_path / "run" / "summary.json"))
    assert summary["env_steps"] >= 1500 and summary["train_steps"] > 100


def _run_processes(root_dir: str):
    """pids of the processes started for the run at root_dir (the launcher's roles)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if f"--root_dir={root_dir}" in args and any(a.startswith("--role=") for a in args):
            found.append((int(pid), args))
    return found


def test_a_killed_learner_ends_the_launcher_and_every_role_and_the_same_command_resumes(tmp_path):
    """Collectors blocked on the replay's rate limiter never see a stop request: the launcher
    must still end them, or a live one keeps its folder's lock and the rerun's collector is
    refused."""
    root_dir = str(tmp_path / "run")

    with open(tmp_path / "launch.log", "w") as log:
        launcher = _start_launcher(root_dir, 200_000, log)
        try:
            deadline = time.monotonic() + 240
            _wait_for_a_checkpoint(launcher, root_dir, deadline)
            (learner,) = [p for p, args in _run_processes(root_dir) if "--role=train" in args]
            os.kill(learner, signal.SIGKILL)
            assert launcher.wait(timeout=150) != 0
        finally:
            _end_after_a_failure(launcher, root_dir)
    assert _run_processes(root_dir) == []
    resumed = _run_launcher(root_dir)  # a budget that ends the run soon (or at once)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "in use by another running job" not in resumed.stdout
    assert os.path.isdir(os.path.join(root_dir, "policies", "greedy_policy"))


def test_a_killed_replay_server_ends_the_launcher_in_one_line_and_the_same_command_resumes(
    tmp_path,
):
    """Nothing restarts a dead server here: the learner and collectors would wait for it forever."""
    root_dir = str(tmp_path / "run")
    log_path = tmp_path / "launch.log"
    with open(log_path, "w") as log:
        launcher = _start_launcher(root_dir, 200_000, log)
        try:
            deadline = time.monotonic() + 240
            _wait_for_a_checkpoint(launcher, root_dir, deadline)
            (server,) = [p for p, args in _run_processes(root_dir) if "--role=replay" in args]
            os.kill(server, signal.SIGKILL)
            killed = time.monotonic()
            assert launcher.wait(timeout=150) == 1
            # The learner, blocked inside Reverb, ends on the launcher's stop request, not
            # after the whole reconnect wait.
            assert time.monotonic() - killed < scale_out.RECONNECT_SECONDS
        finally:
            _end_after_a_failure(launcher, root_dir)
    assert "[launch] the replay server exited with -9" in log_path.read_text()
    assert "rerun the same command to resume" in log_path.read_text()
    assert _run_processes(root_dir) == []
    resumed = _run_launcher(root_dir)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert os.path.isdir(os.path.join(root_dir, "policies", "greedy_policy"))


def test_a_taken_port_is_refused_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = pipeline_cli.run(
            "cartpole_dqn", str(tmp_path / "run"), SIZES, "--role=replay", f"--port={port}"
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: the replay server cannot listen on port {port}: another program uses it (or "
        "it is not allowed); choose another --port, or --port=0 for a free one"
    )


def test_the_launcher_restarts_a_dead_collector_and_ctrl_c_stops_every_role(tmp_path):
    root_dir = str(tmp_path / "run")

    log_path = tmp_path / "launch.log"
    with open(log_path, "w") as log:
        launcher = _start_launcher(root_dir, 200_000, log)
        try:
            deadline = time.monotonic() + 240
            _wait_for_a_checkpoint(launcher, root_dir, deadline)
            (collector,) = [p for p, args in _run_processes(root_dir) if "--task=0" in args]
            os.kill(collector, signal.SIGKILL)
            while "collector 0 exited with -9; restarting it" not in log_path.read_text():
                assert launcher.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
            launcher.send_signal(signal.SIGINT)
            assert launcher.wait(timeout=150) == 130
        finally:
            _end_after_a_failure(launcher, root_dir)
    assert "[launch] stopping: each role saves its checkpoint" in log_path.read_text()
    assert "Traceback" not in log_path.read_text()  # not even from a role still starting up
    assert _run_processes(root_dir) == []
    resumed = _run_launcher(root_dir)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert os.path.isdir(os.path.join(root_dir, "policies", "greedy_policy"))


def test_roles_end_with_a_killed_launcher(tmp_path):
    """Roles run in sessions of their own, which a terminal's signals do not reach: when the
    launcher dies, even by SIGKILL, each gets SIGTERM (PR_SET_PDEATHSIG) and ends."""
    root_dir = str(tmp_path / "run")
    with open(tmp_path / "launch.log", "w") as log:
        launcher = _start_launcher(root_dir, 200_000, log)
    try:
        deadline = time.monotonic() + 240
        while len(_run_processes(root_dir)) < 4:  # the server, the learner, two collectors
            assert launcher.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        launcher.kill()
        launcher.wait()
        deadline = time.monotonic() + 120
        while _run_processes(root_dir):
            assert time.monotonic() < deadline, _run_processes(root_dir)
            time.sleep(1)
    finally:
        for pid, _ in _run_processes(root_dir):
            os.kill(pid, signal.SIGKILL)
