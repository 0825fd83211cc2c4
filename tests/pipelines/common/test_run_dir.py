"""The run directory's rules, without training: a damaged config.json is named in one line, an
attempt that never trained does not lock in its config, and files get the umask's mode."""

import dataclasses
import json
import os
import stat

import pytest

from pipelines.common import run_dir
from pipelines.common.cli import UserError
from pipelines.dqn import presets as dqn_presets


def _config(**changes):
    return dataclasses.replace(dqn_presets.cartpole(), **changes)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"\xff\xfe\x00garbage", "is damaged ('utf-8' codec can't decode byte 0xff"),
        (b'{"name": "cartpole_dqn", "batch', "is damaged (Unterminated string starting at"),
        (b"[1, 2, 3]", "is damaged (a JSON list, not an object of config fields)"),
    ],
    ids=["garbage", "truncated", "a_list"],
)
def test_a_damaged_config_json_is_named_in_one_line(tmp_path, content, problem):
    (tmp_path / "config.json").write_bytes(content)
    with pytest.raises(UserError) as raised:
        run_dir.RunDir(str(tmp_path), _config())
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'config.json'} {problem}") and "\n" not in message
    assert (tmp_path / "config.json").read_bytes() == content


def test_an_attempt_that_never_trained_does_not_lock_in_its_config(tmp_path):
    """A first attempt that failed before its first checkpoint (say optimizer_epsilon=nan) left
    only config.json: the corrected command starts the run afresh."""
    first = run_dir.RunDir(str(tmp_path / "run"), _config(optimizer_epsilon=float("nan")))
    del first  # its process ended
    run_dir.RunDir(str(tmp_path / "run"), _config())
    with open(tmp_path / "run" / "config.json") as f:
        assert json.load(f)["optimizer_epsilon"] == dqn_presets.cartpole().optimizer_epsilon


def test_a_run_that_trained_still_refuses_a_changed_setting(tmp_path):
    root = tmp_path / "run"
    run_dir.RunDir(str(root), _config())
    (root / "checkpoints").mkdir()
    (root / "checkpoints" / "ckpt-300.index").write_bytes(b"")
    with pytest.raises(
        UserError, match="refusing to resume: config.learning_rate was 0.00025, now 0.001"
    ):
        run_dir.RunDir(str(root), _config(learning_rate=1e-3))


def test_a_run_may_resume_in_another_compute_precision(tmp_path):
    root = tmp_path / "run"
    run_dir.RunDir(str(root), _config(compute_dtype="float32"))
    (root / "checkpoints").mkdir()
    (root / "checkpoints" / "ckpt-300.index").write_bytes(b"")
    assert run_dir.RunDir(str(root), _config(compute_dtype="auto")).resuming


def test_json_files_get_the_mode_of_any_new_file(tmp_path):
    old_mask = os.umask(0o022)
    try:
        run = run_dir.RunDir(str(tmp_path / "run"), _config())
        run_dir.write_json_atomically(run.join("summary.json"), {"env_steps": 1})
    finally:
        os.umask(old_mask)
    for name in ("config.json", "summary.json"):
        assert stat.S_IMODE(os.stat(tmp_path / "run" / name).st_mode) == 0o644


def test_opening_a_run_removes_what_a_cut_short_write_left(tmp_path):
    run_dir.RunDir(str(tmp_path), _config())  # a run's config.json
    leftovers = [
        tmp_path / "tmpab12cd.tmp",
        tmp_path / "checkpoints" / "ckpt-900_temp" / "part-00000-of-00001.data-00000-of-00001",
        tmp_path / "policies" / ".export-x1" / "saved_model.pb",
        tmp_path / "policies" / ".retired-x2" / "policy" / "saved_model.pb",
        tmp_path / "replay" / "2026-12-02T02:03:47" / "items.tfrecord",
    ]
    kept = [
        tmp_path / "checkpoints" / "ckpt-600.index",
        tmp_path / "policies" / "greedy_policy" / "saved_model.pb",
        tmp_path / "replay" / "2026-12-02T02:00:00" / "DONE",
    ]
    for path in leftovers + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    assert len(run_dir.temporaries(str(tmp_path))) == len(leftovers)
    run_dir.RunDir(str(tmp_path), _config())
    assert run_dir.temporaries(str(tmp_path)) == []
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in kept)
