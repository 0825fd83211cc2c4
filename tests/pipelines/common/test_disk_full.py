"""A full disk mid-run: one line naming what is kept, no half-written files left, and the same
command resumes once space is freed. The disk is a small tmpfs, so the test needs the right to
mount one (root, as in CI's container); elsewhere it is skipped and says why."""

import os
import subprocess

import pipeline_cli
import pytest
from conftest import copy_run, skip_outside_ci

from pipelines.common import run_dir

CLASSIC = pipeline_cli.CLASSIC
LEFT_KB = 100  # room for config.json and the event files, not for a new checkpoint


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        skip_outside_ci(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield str(mount_point)
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def _fill(mount_point: str, leave_kb: int) -> str:
    filler = os.path.join(mount_point, "filler")
    stats = os.statvfs(mount_point)
    free = stats.f_bavail * stats.f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(free - leave_kb * 1024, 0))
    return filler


def test_a_full_disk_is_one_line_and_the_same_command_resumes(finished_run, small_disk):
    root = copy_run(finished_run("cartpole_dqn"), os.path.join(small_disk, "run"))
    before = pipeline_cli.latest_checkpoint(root)
    filler = _fill(small_disk, LEFT_KB)
    bigger = dict(CLASSIC, num_env_steps=1500)

    full = pipeline_cli.run("cartpole_dqn", root, bigger, timeout=300)
    assert full.returncode == 1, (full.stdout, full.stderr)
    assert "Traceback" not in full.stderr, full.stderr
    (line,) = [line for line in full.stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith(f"error: no space left on device while writing to {root}"), line
    assert f"env step {pipeline_cli.checkpoint_step(before):,} is intact" in line, line
    assert run_dir.temporaries(root) == []
    assert pipeline_cli.latest_checkpoint(root) == before  # still named, still readable
    pipeline_cli.train_step(before)

    os.remove(filler)
    resumed = pipeline_cli.run("cartpole_dqn", root, bigger, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == pipeline_cli.checkpoint_step(before)
    assert summary["env_steps"] >= 1500
