"""The fault suite: damaged files, a full disk, bad values, unwritable outputs, kill -9 at random
moments of every process, and a soak of the launcher, each tried as a user would meet it.

    python -m benchmarks.faults [--work_dir=runs/faults] [--kills=5] [--soak_minutes=30]
        [--only=case,...] [--out=benchmarks/faults_results.jsonl]
    python -m benchmarks.faults --report_only      # docs/reliability.md from the results

Every case runs the real entry points on a tiny CartPole DQN run (the soak also on Breakout) and
prints one JSON line: the case, the outcome it must have (`recovered`: the run goes on to its
budget with nothing lost and a new export; `refused`: one `error:` line, exit status not 0,
nothing changed), the outcome it had, whether any process crashed (a traceback, a C++ abort or
check failure, a fatal signal, in the output of every process of the case, the killed ones
included), whether anything of the previous run was lost, and the commit. The lines are appended
to --out and docs/reliability.md is rewritten from that file (benchmarks/faults_page.py).
"""

import glob
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

from absl import app, flags

from benchmarks import fault_checks, faults_page, processes, report
from benchmarks.fault_checks import LEAK_MB_PER_MINUTE, crashes, growth_per_process, slope

WORK_DIR = flags.DEFINE_string("work_dir", "runs/faults", "Where the runs go (emptied first).")
OUT = flags.DEFINE_string(
    "out", os.path.join("benchmarks", "faults_results.jsonl"), "JSON-lines results file."
)
PAGE = flags.DEFINE_string("page", os.path.join("docs", "reliability.md"), "The page to write.")
KILLS = flags.DEFINE_integer("kills", 5, "kill -9 trials per process kind.", lower_bound=1)
SOAK_MINUTES = flags.DEFINE_float(
    "soak_minutes", 30.0, "Length of the launcher soak (0: no soak).", lower_bound=0.0
)
ONLY = flags.DEFINE_list("only", [], "Run only these cases (default: all).")
SEED = flags.DEFINE_integer("seed", 0, "Seed of the kill moments.")
REPORT_ONLY = flags.DEFINE_boolean("report_only", False, "Only rewrite the page from --out.")

PYTHON = sys.executable
MACHINE: Dict = {}
COMMIT: List[str] = []
# A few hundred env steps: two checkpoints, evaluations, a replay checkpoint and an export.
TINY = {
    "num_env_steps": 600,
    "initial_collect_steps": 200,
    "eval_interval": 300,
    "eval_episodes": 2,
    "checkpoint_interval": 300,
    "summary_interval": 200,
    "replay_capacity": 2000,
    "batch_size": 16,
    "num_parallel_envs": 2,
    "checkpoint_replay": True,
}
# A run long enough to be killed at random moments of its training.
KILLABLE = dict(TINY, num_env_steps=60_000, checkpoint_interval=5000, eval_interval=20_000)
# Breakout's soak checkpoints its replay, as the CartPole preset does (the Atari presets do not):
# a smaller one, so that each save stays short.
SOAK_BREAKOUT = dict(
    checkpoint_replay=True,
    replay_capacity=20_000,
    checkpoint_interval=20_000,
    eval_interval=50_000,
    eval_episodes=2,
)
# What a refused command must leave as it was: everything a resume or an evaluation reads.
KEPT = ("checkpoints", "policies", "replay", "summary.json", "config.json")


def _flag(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def command(root_dir: str, overrides: Dict, *extra: str, pipeline="cartpole_dqn") -> List[str]:
    args = [PYTHON, "-m", f"pipelines.{pipeline}", f"--root_dir={root_dir}"]
    return args + [f"--config.{k}={_flag(v)}" for k, v in overrides.items()] + list(extra)


class Done:
    """A finished command: exit status, output and wall time."""

    def __init__(self, args: List[str], env: Optional[Dict] = None, timeout: float = 600):
        started = time.monotonic()
        try:
            done = subprocess.run(
                args, cwd=processes.REPO, capture_output=True, text=True, timeout=timeout, env=env
            )
            self.code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            self.code = None
            self.stdout = _text(expired.stdout)
            self.stderr = _text(expired.stderr) + f"\n(timed out after {timeout:.0f} s)"
        self.seconds = time.monotonic() - started

    @property
    def crashed(self) -> bool:
        return bool(crashes(self.stdout + self.stderr))

    @property
    def error_lines(self) -> List[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]

    @property
    def refused(self) -> bool:
        """One `error:` line, a non-zero exit, no crash."""
        return self.code not in (0, None) and len(self.error_lines) == 1 and not self.crashed

    def tail(self) -> str:
        if self.error_lines:
            return self.error_lines[-1]
        lines = [
            line
            for line in (self.stdout + "\n" + self.stderr).splitlines()
            if line.strip() and not line.startswith("[reverb")  # Reverb's own C++ log
        ]
        done = [line for line in lines if "done: " in line]  # the run's own last word
        return (done or lines or [""])[-1]


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def fingerprint(root_dir: str) -> Dict[str, str]:
    """path -> content hash of everything in KEPT."""
    found = {}
    for kept in KEPT:
        path = os.path.join(root_dir, kept)
        files = [path] if os.path.isfile(path) else glob.glob(f"{path}/**", recursive=True)
        for name in files:
            if os.path.isfile(name):
                with open(name, "rb") as f:
                    content = f.read()
                if os.path.basename(name) == "config.json":
                    content = _settings(content)
                found[os.path.relpath(name, root_dir)] = hashlib.sha1(content).hexdigest()
    return found


def _settings(config_json: bytes) -> bytes:
    """A config.json without the run controls a resume may change (the budget, intervals)."""
    from pipelines.common import run_dir

    try:
        values = json.loads(config_json)
    except ValueError:
        return config_json
    if not isinstance(values, dict):
        return config_json
    kept = {k: v for k, v in values.items() if k not in run_dir.RESUMABLE_CHANGES}
    return json.dumps(kept, sort_keys=True).encode()


def summary(root_dir: str) -> Dict:
    try:
        with open(os.path.join(root_dir, "summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def checkpoint_steps(root_dir: str) -> List[int]:
    names = glob.glob(os.path.join(root_dir, "checkpoints", "ckpt-*.index"))
    return sorted(int(name.rsplit("ckpt-", 1)[1].split(".")[0]) for name in names)


def _policy(root_dir: str) -> str:
    return os.path.join(root_dir, "policies", "greedy_policy")


def export_loads(root_dir: str) -> bool:
    """The export plays a game through pipelines.evaluate."""
    policy = _policy(root_dir)
    done = Done([PYTHON, "-m", "pipelines.evaluate", f"--policy_dir={policy}", "--num_episodes=1"])
    return done.code == 0


def export_written_since(root_dir: str, moment: float) -> bool:
    """Whether the export was (re)written after `moment` (time.time())."""
    try:
        return os.path.getmtime(os.path.join(_policy(root_dir), "saved_model.pb")) > moment
    except OSError:
        return False


def record(
    case: str,
    expected: str,
    outcome: str,
    done: Optional[Done],
    lost: bool,
    logs: str = "",
    **detail,
):
    """One case's JSON line, on stdout and appended to --out. `logs`: the output of the case's
    other processes (a killed launcher's, its roles'), scanned for crashes with done's."""
    found = crashes(logs + (done.stdout + done.stderr if done else ""))
    line = {
        "case": case,
        "expected": expected,
        "outcome": outcome,
        "as_expected": outcome == expected,
        "exit_code": done.code if done else None,
        "crashed": bool(found),
        "crashes": found,
        "lost": lost,
        "seconds": round(done.seconds, 1) if done else None,
        "message": (done.tail() if done else "")[:300],
    }
    line.update(detail)
    line["machine"] = MACHINE
    line["commit"] = COMMIT[0] if COMMIT else None
    print(json.dumps(line), flush=True)
    with open(OUT.value, "a") as f:
        f.write(json.dumps(line) + "\n")
    return line


def refusal(case: str, done: Done, before: Dict[str, str], root_dir: str, **detail) -> Dict:
    """A case that must be refused: one line, nothing in KEPT changed."""
    lost = fingerprint(root_dir) != before
    return record(case, "refused", _refusal_outcome(done), done, lost, **detail)


def _refusal_outcome(done: Done) -> str:
    return "refused" if done.refused else ("crashed" if done.crashed else "ran")


def resumed(
    case: str, done: Done, root_dir: str, floor: int, budget: int, since: float, **detail
) -> Dict:
    """A case that must recover: the run reaches its budget from a checkpoint no older than
    `floor` (the newest intact one), with an export written after the fault (`since`,
    time.time()) that plays a game."""
    result = summary(root_dir)
    start = result.get("resumed_from_env_step", 0) if done.code == 0 else None
    lost = done.code == 0 and (start is None or start < floor)
    new_export = export_written_since(root_dir, since)
    ok = (
        done.code == 0
        and result.get("env_steps", 0) >= budget
        and new_export
        and export_loads(root_dir)
    )
    outcome = "recovered" if ok and not lost else ("crashed" if done.crashed else "failed")
    return record(
        case, "recovered", outcome, done, lost, resumed_from=start, new_export=new_export, **detail
    )


class Suite:
    def __init__(self, work_dir: str):
        self.work_dir = work_dir
        self._base: Optional[str] = None

    def fresh(self, name: str) -> str:
        path = os.path.join(self.work_dir, name)
        shutil.rmtree(path, ignore_errors=True)
        return path

    def base_copy(self, name: str) -> str:
        """A copy of a finished tiny run (checkpoints at ~300 and ~600, replay, export)."""
        if self._base is None:
            self._base = self.fresh("base")
            done = Done(command(self._base, TINY))
            if done.code != 0:
                raise RuntimeError(f"the base run failed: {done.stderr[-2000:]}")
        path = self.fresh(name)
        shutil.copytree(self._base, path, ignore=shutil.ignore_patterns(".lock"))
        return path

    # Damaged files: the resume with a larger budget.
    def damaged(self, case: str, damage: Callable[[str, List[int]], Optional[int]], *extra):
        root = self.base_copy(case)
        steps = checkpoint_steps(root)
        floor = damage(root, steps)
        before = fingerprint(root)
        since = time.time()
        done = Done(command(root, dict(TINY, num_env_steps=900), *extra))
        if floor is None:
            return refusal(case, done, before, root)
        return resumed(case, done, root, floor, 900, since)

    def disk_full(self) -> List[Dict]:
        mount = self.fresh("disk")
        os.makedirs(mount)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mount], capture_output=True
        )
        if mounted.returncode != 0:
            return [record("disk_full", "refused", "skipped (cannot mount a tmpfs)", None, False)]
        try:
            root = os.path.join(mount, "run")
            shutil.copytree(self.base_copy("disk_base"), root)
            steps = checkpoint_steps(root)
            stats = os.statvfs(mount)
            filler = os.path.join(mount, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * (stats.f_bavail * stats.f_frsize - 100 * 1024))
            before = fingerprint(root)
            bigger = dict(TINY, num_env_steps=1500)
            done = Done(command(root, bigger))
            leftovers = _temporaries(root)
            lost = checkpoint_steps(root)[-1:] != steps[-1:] or any(
                before[name] != digest
                for name, digest in fingerprint(root).items()
                if name.startswith("checkpoints") and name in before
            )
            outcome = "refused" if done.refused and not leftovers else "failed"
            first = record(
                "disk_full",
                "refused",
                outcome,
                done,
                lost,
                leftovers=[os.path.basename(p) for p in leftovers],
            )
            os.remove(filler)
            since = time.time()
            again = Done(command(root, bigger))
            second = resumed("disk_full_then_freed", again, root, steps[-1], 1500, since)
            return [first, second]
        finally:
            subprocess.run(["umount", "-l", mount])

    def bad_value_then_corrected(self) -> List[Dict]:
        root = self.fresh("nan_value")
        done = Done(command(root, dict(TINY, optimizer_epsilon=float("nan"))))
        first = record("nan_value", "refused", _refusal_outcome(done), done, False)
        since = time.time()
        again = Done(command(root, TINY))
        second = resumed("nan_value_then_corrected", again, root, 0, TINY["num_env_steps"], since)
        return [first, second]

    def refused_at_start(self, case: str, overrides: Dict, *extra, pipeline="cartpole_dqn"):
        """A bad value on a new run: refused before anything heavy loads."""
        root = self.fresh(case)
        done = Done(command(root, dict(TINY, **overrides), *extra, pipeline=pipeline))
        return record(case, "refused", _refusal_outcome(done), done, False)

    def busy_root_dir(self) -> Dict:
        root = self.base_copy("busy")
        first = subprocess.Popen(
            command(root, dict(TINY, num_env_steps=100_000)),
            cwd=processes.REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while not _locked(root) and time.monotonic() < deadline:
                time.sleep(0.5)
            before = fingerprint(root)
            before = {
                k: v for k, v in before.items() if not k.startswith(("checkpoints", "replay"))
            }
            done = Done(command(root, dict(TINY, num_env_steps=100_000)))
            after = {k: v for k, v in fingerprint(root).items() if k in before}
            outcome = "refused" if done.refused else "ran"
            return record("busy_root_dir", "refused", outcome, done, after != before)
        finally:
            first.kill()
            first.wait()

    def rerun_finished(self) -> Dict:
        root = self.base_copy("rerun_finished")
        before = fingerprint(root)
        done = Done(command(root, TINY))
        outcome = "recovered" if done.code == 0 and not done.crashed else "failed"
        return record("rerun_finished", "recovered", outcome, done, fingerprint(root) != before)

    def unwritable_outputs(self) -> List[Dict]:
        root = self.base_copy("outputs")
        policy = os.path.join(root, "policies", "greedy_policy")
        before = fingerprint(root)
        video = Done(
            [PYTHON, "-m", "pipelines.evaluate", f"--policy_dir={policy}", "--num_episodes=1",
             "--video=/proc/game.mp4"]
        )  # fmt: skip
        plot = Done([PYTHON, "-m", "pipelines.plot", f"--root_dir={root}", "--out=/proc/x.png"])
        home = dict(os.environ, HOME="/proc/no-home")
        shim_root = self.fresh("read_only_home")
        since = time.time()
        shim = Done(command(shim_root, TINY), env=home)
        return [
            refusal("video_unwritable", video, before, root),
            refusal("plot_unwritable", plot, before, root),
            resumed("home_unwritable", shim, shim_root, 0, TINY["num_env_steps"], since),
        ]

    # kill -9 at a random moment, then the same command to the budget.
    def kill_single_process(self, trial: int, rng: random.Random) -> Dict:
        root = self.fresh(f"kill9_single_{trial}")
        args = command(root, KILLABLE)
        log_path = os.path.join(self.work_dir, f"kill9_single_{trial}.log")
        with open(log_path, "w") as log:
            process = subprocess.Popen(args, cwd=processes.REPO, stdout=log, stderr=log)
            started = time.time()
            moment = rng.uniform(8.0, 45.0)  # from TensorFlow's start-up to late in training
            died_by_itself = _sleep_unless_done(process, moment)
            process.kill()
            process.wait()
        steps = checkpoint_steps(root)
        done = Done(args)
        return resumed(
            f"kill9_single_process_{trial}", done, root,
            0 if died_by_itself or not steps else steps[-1],
            KILLABLE["num_env_steps"], started + moment, logs=_read(log_path),
            killed_at_seconds=round(moment, 1), finished_before_kill=died_by_itself,
            checkpoint_before=steps[-1] if steps else None,
        )  # fmt: skip

    def kill_role(self, role: str, trial: int, rng: random.Random) -> Dict:
        root = self.fresh(f"kill9_{role}_{trial}")
        budget = 60_000
        args = [PYTHON, "-m", "pipelines.launch", "--pipeline=cartpole_dqn",
                f"--root_dir={root}", "--collectors=2"]  # fmt: skip
        args += [
            f"--config.{k}={_flag(v)}" for k, v in dict(KILLABLE, num_env_steps=budget).items()
        ]
        log_path = os.path.join(self.work_dir, f"kill9_{role}_{trial}.log")
        log = open(log_path, "w")
        launcher = subprocess.Popen(args, cwd=processes.REPO, stdout=log, stderr=log)
        started = time.time()
        moment = rng.uniform(20.0, 60.0)  # the roles start in ~15 s
        # A run whose learner has finished is over, though its collectors may still be on their
        # way out: a kill then strikes no run, and the export rightly predates it.
        finished_early = _sleep_unless_done(launcher, moment) or os.path.exists(
            os.path.join(root, "summary.json")
        )
        victim = None if finished_early else _role_pid(root, role)
        if victim:
            os.kill(victim, signal.SIGKILL)
        try:
            first_code = launcher.wait(timeout=300)
        except subprocess.TimeoutExpired:
            launcher.kill()
            first_code = launcher.wait()
        log.close()
        steps = checkpoint_steps(root)
        done = Done(args, timeout=900)  # the same command: finishes or resumes the run
        floor = steps[-1] if steps and first_code != 0 else 0  # 0: the run finished anyway
        return resumed(
            f"kill9_{role}_{trial}", done, root, floor, budget,
            started + moment if victim else started, logs=_read(log_path),
            killed_at_seconds=round(moment, 1), killed=bool(victim),
            launcher_exit_after_kill=first_code,
        )  # fmt: skip

    def soak(
        self, case: str, pipeline: str, minutes: float, rng: random.Random, **overrides
    ) -> Dict:
        """The launcher with two collectors: a random collector killed every minute, the learner
        once at the midpoint (then the same command resumes it with a budget that ends near the
        soak's end); resident memory of every process sampled all along, and each process's
        growth fitted over its own lifetime (a fit across restarts would hide a leak). No env
        step may be lost, and Reverb's count of inserted items must match the env steps the
        replay server counted within fault_checks.insert_slack."""
        import psutil

        root = self.fresh(case)
        log_path = os.path.join(self.work_dir, f"{case}.log")
        base = [PYTHON, "-m", "pipelines.launch", f"--pipeline={pipeline}",
                f"--root_dir={root}", "--collectors=2", "--collector_restarts=1000"]  # fmt: skip
        # No stop rule: the learner must run to its budget, not stop once CartPole is solved.
        overrides = dict(
            dict(checkpoint_interval=5000, eval_interval=20000, eval_episodes=5),
            stop_at_eval_return=0,
            **overrides,
        )
        started = time.monotonic()
        end = started + minutes * 60
        budget = 10_000_000  # until the learner is killed; then set from the measured rate
        kills = {"collector": 0, "learner": 0}
        samples: List[tuple] = []  # (seconds, resident bytes of the whole run)
        lifetimes: Dict[int, List[tuple]] = {}  # pid -> [(seconds, resident bytes)]
        names: Dict[int, str] = {}
        log = open(log_path, "w")
        codes = []
        while True:
            args = base + [f"--config.{k}={_flag(v)}" for k, v in overrides.items()]
            args.append(f"--config.num_env_steps={budget}")
            launcher = subprocess.Popen(args, cwd=processes.REPO, stdout=log, stderr=log)
            next_kill = time.monotonic() + 60
            while launcher.poll() is None:
                time.sleep(5)
                now = time.monotonic()
                samples.append((now - started, _tree_rss(psutil, launcher.pid, lifetimes, names)))
                if now >= next_kill:
                    next_kill = now + 60
                    victim = _role_pid(root, rng.choice(["collector-0", "collector-1"]))
                    if victim:
                        os.kill(victim, signal.SIGKILL)
                        kills["collector"] += 1
                if not kills["learner"] and now - started >= minutes * 30:
                    victim = _role_pid(root, "learner")
                    if victim:
                        os.kill(victim, signal.SIGKILL)
                        kills["learner"] += 1
            codes.append(launcher.returncode)
            if kills["learner"] and len(codes) == 1:
                # The env steps so far: the server's count at its stop (the learner's last
                # checkpoint may be long before the kill, or not yet written).
                log.flush()
                counted = fault_checks.accounting(_read(log_path), 1, 1)[
                    "env_steps_counted_by_server"
                ]
                steps = checkpoint_steps(root)
                done_steps = max(counted or 0, steps[-1] if steps else 0)
                rate = done_steps / max(time.monotonic() - started, 1)
                budget = int(done_steps + max(rate * max(end - time.monotonic(), 60), 1000))
                continue
            break
        log.close()
        result = summary(root)
        per_collector = result.get("env_steps_per_collector", {})
        counted = sum(per_collector.values()) if isinstance(per_collector, dict) else None
        later = [(t / 60, rss / 2**20) for t, rss in samples if t > 120 and rss]
        tree_slope = slope(later)
        growth = growth_per_process(lifetimes, names)
        worst = max(growth, key=lambda g: g["mb_per_minute"], default=None)
        leak = worst is not None and worst["mb_per_minute"] > LEAK_MB_PER_MINUTE
        output = _read(log_path)
        found = crashes(output)
        accounting = fault_checks.accounting(
            output,
            collector_processes=2 * len(codes) + kills["collector"],
            num_parallel_envs=_config_field(root, "num_parallel_envs"),
        )
        ok = (
            codes[-1] == 0
            and result.get("env_steps", 0) >= budget
            and not leak
            and not found
            and not accounting["env_steps_lost_announced"]
            and accounting["items_within_slack"]
            and export_loads(root)
        )
        line = {
            "case": case, "pipeline": pipeline, "expected": "recovered",
            "outcome": "recovered" if ok else "failed",
            "as_expected": ok, "exit_code": codes[-1], "crashed": bool(found), "crashes": found,
            "lost": bool(accounting["env_steps_lost_announced"]), **accounting,
            "seconds": round(time.monotonic() - started, 1), "message": "",
            "minutes": minutes, "collector_kills": kills["collector"],
            "learner_kills": kills["learner"], "launcher_exits": codes,
            "budget": budget, "env_steps": result.get("env_steps"),
            "env_steps_per_collector": per_collector, "env_steps_counted": counted,
            "rss_mb_first": round(later[0][1]) if later else None,
            "rss_mb_last": round(later[-1][1]) if later else None,
            "rss_mb_per_minute": round(tree_slope, 2) if tree_slope is not None else None,
            "growth_per_process": growth, "leak_bound_mb_per_minute": LEAK_MB_PER_MINUTE,
            "machine": MACHINE, "commit": COMMIT[0] if COMMIT else None,
        }  # fmt: skip
        print(json.dumps(line), flush=True)
        with open(OUT.value, "a") as f:
            f.write(json.dumps(line) + "\n")
        return line


def _read(path: str) -> str:
    with open(path, errors="replace") as f:
        return f.read()


def _temporaries(root: str) -> List[str]:
    from pipelines.common import run_dir

    return run_dir.temporaries(root)


def _locked(root: str) -> bool:
    """Whether a running job holds the run directory's lock."""
    from pipelines.common import run_dir
    from pipelines.common.cli import UserError

    try:
        run_dir.check_not_busy(root)
    except UserError:
        return True
    return False


def _sleep_unless_done(process: subprocess.Popen, seconds: float) -> bool:
    """Sleeps `seconds`, or less if the process ends first; whether it ended."""
    try:
        process.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _role_pid(root: str, role: str) -> Optional[int]:
    """The pid of a running role of the run at `root`: replay, learner, collector-N."""
    wanted = {
        "server": "--role=replay",
        "learner": "--role=train",
        "collector": "--role=collect",
        "collector-0": "--task=0",
        "collector-1": "--task=1",
    }[role]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if f"--root_dir={root}" in args and wanted in args:
            if role.startswith("collector-") and "--role=collect" not in args:
                continue
            return int(pid)
    return None


def _tree_rss(psutil, pid: int, lifetimes: Dict[int, List[tuple]], names: Dict[int, str]) -> int:
    """Resident bytes of `pid` and its descendants; each one's also appended to lifetimes."""
    now = time.monotonic()
    total = 0
    try:
        parent = psutil.Process(pid)
        family = [parent] + parent.children(recursive=True)
    except psutil.Error:
        return 0
    for process in family:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue  # exited, not yet reaped: no memory of its own left to sample
            rss = process.memory_info().rss
            if process.pid not in names:
                names[process.pid] = _role_name(process.cmdline())
        except psutil.Error:
            continue
        total += rss
        lifetimes.setdefault(process.pid, []).append((now, rss))
    return total


def _config_field(root: str, field: str):
    with open(os.path.join(root, "config.json")) as f:
        return json.load(f)[field]


def _role_name(args: List[str]) -> str:
    roles = [a.split("=", 1)[1] for a in args if a.startswith("--role=")]
    tasks = [a.split("=", 1)[1] for a in args if a.startswith("--task=")]
    if roles:
        return roles[0] + (f"-{tasks[0]}" if tasks else "")
    return "launcher" if "pipelines.launch" in args else os.path.basename(args[0] if args else "?")


def _truncate(path: str) -> None:
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def _data(root: str, step: int) -> str:
    (path,) = glob.glob(os.path.join(root, "checkpoints", f"ckpt-{step}.data-*"))
    return path


def _replay_items(root: str) -> str:
    (path,) = glob.glob(os.path.join(root, "replay", "*", "items.tfrecord"))
    return path


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def cases(suite: Suite, rng: random.Random) -> Dict[str, Callable[[], object]]:
    config = lambda root: os.path.join(root, "config.json")  # noqa: E731
    table: Dict[str, Callable[[], object]] = {
        "state_file_deleted": lambda: suite.damaged(
            "state_file_deleted",
            lambda root, steps: (
                os.remove(os.path.join(root, "checkpoints", "checkpoint")) or steps[-1]
            ),
        ),
        "newest_data_truncated": lambda: suite.damaged(
            "newest_data_truncated",
            lambda root, steps: _truncate(_data(root, steps[-1])) or steps[0],
        ),
        "newest_index_deleted": lambda: suite.damaged(
            "newest_index_deleted",
            lambda root, steps: (
                os.remove(os.path.join(root, "checkpoints", f"ckpt-{steps[-1]}.index")) or steps[0]
            ),
        ),
        "every_checkpoint_damaged": lambda: suite.damaged(
            "every_checkpoint_damaged",
            lambda root, steps: [_truncate(_data(root, step)) for step in steps] and None,
        ),
        "config_garbage": lambda: suite.damaged(
            "config_garbage", lambda root, _: _write(config(root), b"\xff\xfe\x00garbage")
        ),
        "config_truncated": lambda: suite.damaged(
            "config_truncated", lambda root, _: _write(config(root), b'{"name": "cartpole_dq')
        ),
        "config_a_list": lambda: suite.damaged(
            "config_a_list", lambda root, _: _write(config(root), b"[1, 2, 3]")
        ),
        "replay_truncated": lambda: suite.damaged(
            "replay_truncated", lambda root, _: _truncate(_replay_items(root))
        ),
        "replay_truncated_discarded": lambda: suite.damaged(
            "replay_truncated_discarded",
            lambda root, steps: _truncate(_replay_items(root)) or steps[-1],
            "--discard_damaged_replay",
        ),
        "disk_full": suite.disk_full,
        "nan_value": suite.bad_value_then_corrected,
        "too_many_envs": lambda: suite.refused_at_start(
            "too_many_envs", {"num_parallel_envs": 100_000}
        ),
        "atari_field_on_cartpole": lambda: suite.refused_at_start(
            "atari_field_on_cartpole", {"clip_rewards": True}
        ),
        "replay_server_not_an_address": lambda: suite.refused_at_start(
            "replay_server_not_an_address", {}, "--role=train", "--replay_server=notaport"
        ),
        "replay_server_port_out_of_range": lambda: suite.refused_at_start(
            "replay_server_port_out_of_range", {}, "--role=train", "--replay_server=localhost:99999"
        ),
        "busy_root_dir": suite.busy_root_dir,
        "rerun_finished": suite.rerun_finished,
        "unwritable_outputs": suite.unwritable_outputs,
    }
    for trial in range(KILLS.value):
        table[f"kill9_single_process_{trial}"] = lambda trial=trial: suite.kill_single_process(
            trial, rng
        )
    for role in ("server", "learner", "collector"):
        for trial in range(max(1, KILLS.value // 2)):
            table[f"kill9_{role}_{trial}"] = lambda role=role, trial=trial: suite.kill_role(
                role, trial, rng
            )
    if SOAK_MINUTES.value:
        table["soak"] = lambda: suite.soak("soak", "cartpole_dqn", SOAK_MINUTES.value, rng)
        table["soak_breakout"] = lambda: suite.soak(
            "soak_breakout", "breakout_dqn", SOAK_MINUTES.value, rng, **SOAK_BREAKOUT
        )
    return table


def main(argv):
    del argv
    if not REPORT_ONLY.value:
        work_dir = os.path.abspath(WORK_DIR.value)
        os.makedirs(work_dir, exist_ok=True)
        suite = Suite(work_dir)
        table = cases(suite, random.Random(SEED.value))
        unknown = [name for name in ONLY.value if name not in table]
        if unknown:
            sys.exit(f"error: unknown case(s) {', '.join(unknown)}; the cases: {', '.join(table)}")
        MACHINE.update(report.machine())
        COMMIT.append(report.commit())
        for name, run_case in table.items():
            if not ONLY.value or name in ONLY.value:
                run_case()
    with open(OUT.value) as f:
        records = [json.loads(line) for line in f if line.strip()]
    with open(PAGE.value, "w") as f:
        f.write(faults_page.page(records))
    print(f"wrote {PAGE.value}", file=sys.stderr)


if __name__ == "__main__":
    app.run(main)
