"""Damaged or missing checkpoint files: the run resumes from the newest readable checkpoint and
says so in one line, or is refused in one line; it never trains again from zero over itself."""

import glob
import json
import os

import pipeline_cli
import pytest
from conftest import copy_run

CLASSIC = pipeline_cli.CLASSIC  # checkpoints at env steps ~300 and ~600, both kept


def _prefixes(root_dir: str):
    """The run's checkpoint prefixes, oldest first."""
    indexes = glob.glob(os.path.join(root_dir, "checkpoints", "ckpt-*.index"))
    return sorted((path[: -len(".index")] for path in indexes), key=pipeline_cli.checkpoint_step)


def _truncate_data(prefix: str) -> None:
    (data,) = glob.glob(prefix + ".data-*")
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 2)


DAMAGE = {
    "state_file_deleted": lambda root, _newest: os.remove(
        os.path.join(root, "checkpoints", "checkpoint")
    ),
    "newest_data_truncated": lambda _root, newest: _truncate_data(newest),
    "newest_index_deleted": lambda _root, newest: os.remove(newest + ".index"),
}


@pytest.fixture(scope="module")
def damaged_resumes(finished_run, tmp_path_factory):
    """case -> (root_dir, the two prefixes before, Result) of a resume with a larger budget."""
    started = {}
    for case, damage in DAMAGE.items():
        root = copy_run(finished_run("cartpole_dqn"), tmp_path_factory.mktemp(case) / "run")
        prefixes = _prefixes(root)
        damage(root, prefixes[-1])
        started[case] = (
            root,
            prefixes,
            pipeline_cli.Background("cartpole_dqn", root, dict(CLASSIC, num_env_steps=900)),
        )
    return {
        case: (root, prefixes, command.result(timeout=300))
        for case, (root, prefixes, command) in started.items()
    }


def test_a_missing_state_file_resumes_from_the_newest_checkpoint(damaged_resumes):
    root, prefixes, result = damaged_resumes["state_file_deleted"]
    assert result.returncode == 0, result.stderr
    newest = os.path.basename(prefixes[-1])
    assert (
        f"checkpoints: the state file {os.path.join(root, 'checkpoints', 'checkpoint')} is "
        f"missing; resuming from {newest}"
    ) in result.stdout
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == pipeline_cli.checkpoint_step(prefixes[-1])
    assert summary["env_steps"] >= 900


@pytest.mark.parametrize("case", ["newest_data_truncated", "newest_index_deleted"])
def test_a_damaged_newest_checkpoint_falls_back_to_the_one_before(damaged_resumes, case):
    root, prefixes, result = damaged_resumes[case]
    assert result.returncode == 0, result.stderr
    older, newest = (os.path.basename(prefix) for prefix in prefixes[-2:])
    lines = [line for line in result.stdout.splitlines() if line.startswith("checkpoints:")]
    assert len(lines) == 1 and f"{newest} is unreadable (" in lines[0]
    assert lines[0].endswith(f"; resuming from {older}")
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] == pipeline_cli.checkpoint_step(prefixes[-2])
    assert summary["env_steps"] >= 900


def test_no_readable_checkpoint_is_refused_in_one_line(finished_run, tmp_path):
    root = copy_run(finished_run("cartpole_dqn"), tmp_path / "run")
    for prefix in _prefixes(root):
        _truncate_data(prefix)
    before = pipeline_cli.snapshot(root)
    result = pipeline_cli.run("cartpole_dqn", root, CLASSIC)  # the run's own command
    line = pipeline_cli.error_line(result)
    assert line.startswith(
        f"error: no readable checkpoint in {os.path.join(root, 'checkpoints')}: "
    )
    assert "is unreadable (" in line and "Traceback" not in result.stderr
    assert pipeline_cli.snapshot(root) == before


def test_a_trained_run_without_checkpoints_is_not_trained_again_from_zero(finished_run, tmp_path):
    root = copy_run(finished_run("cartpole_dqn"), tmp_path / "run")
    for path in glob.glob(os.path.join(root, "checkpoints", "*")):
        os.remove(path)
    before = pipeline_cli.snapshot(root)
    result = pipeline_cli.run("cartpole_dqn", root, CLASSIC)
    assert pipeline_cli.error_line(result) == (
        f"error: {root} holds a run that has trained (summary.json and "
        f"{os.path.join('policies', 'greedy_policy')}) but no checkpoint in "
        f"{os.path.join(root, 'checkpoints')}; refusing to train it again from zero over it: "
        "use another --root_dir"
    )
    assert pipeline_cli.snapshot(root) == before


def _damage_newest_replay(root: str, silently: bool = False) -> str:
    """Damages the newest replay checkpoint; returns its folder. Truncating the items file
    (compressed) makes Reverb fail, or, when the cut lands where a compressed block ends, load
    the first items and say nothing: `silently` stands for the second by noting more
    transitions beside the checkpoint than it holds."""
    newest = max(glob.glob(os.path.join(root, "replay", "*", "DONE")))
    folder = os.path.dirname(newest)
    if silently:
        noted = os.path.join(folder, "transitions.json")
        transitions = pipeline_cli.read_json(noted)["transitions"]
        with open(noted, "w") as f:
            json.dump({"transitions": transitions + 100}, f)
        return folder
    (items,) = glob.glob(os.path.join(folder, "*items*"))
    with open(items, "r+b") as f:
        f.truncate(os.path.getsize(items) // 2 + 3)
    return folder


def _transitions(folder: str) -> int:
    """What the run noted beside the replay checkpoint: the transitions it held (some, at least)."""
    transitions = pipeline_cli.read_json(os.path.join(folder, "transitions.json"))["transitions"]
    assert transitions > 0
    return transitions


@pytest.fixture(scope="module")
def replay_run(tmp_path_factory) -> str:
    """A tiny CartPole run that checkpoints its replay, finished."""
    root = str(tmp_path_factory.mktemp("replay_run") / "run")
    result = pipeline_cli.run("cartpole_dqn", root, dict(CLASSIC, checkpoint_replay=True))
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("silently", [False, True], ids=["unreadable", "short"])
def test_a_damaged_replay_checkpoint_is_refused_in_one_line_and_nothing_changes(
    replay_run, tmp_path, silently
):
    root = pipeline_cli.copy_run(replay_run, tmp_path / "run")
    folder = _damage_newest_replay(root, silently)
    before = pipeline_cli.snapshot(root)
    overrides = dict(CLASSIC, checkpoint_replay=True, num_env_steps=900)  # a resume that trains
    result = pipeline_cli.run("cartpole_dqn", root, overrides)
    line = pipeline_cli.error_line(result)
    assert line.startswith(f"error: the replay checkpoint {folder} cannot be restored (")
    if silently:
        assert "it gave back " in line, line
    assert line.endswith(
        "rerun with --discard_damaged_replay to set it aside and refill the replay "
        f"({_transitions(folder):,} transitions lost; the networks' checkpoint is kept)"
    ), line
    assert "Traceback" not in result.stderr
    after = pipeline_cli.snapshot(root)
    config_before, config_after = (
        json.loads(files.pop("config.json")) for files in (before, after)
    )
    assert after == before
    assert dict(config_after, num_env_steps=600) == config_before  # only the budget, resumable


def test_discard_damaged_replay_sets_it_aside_and_the_run_resumes(replay_run, tmp_path):
    root = pipeline_cli.copy_run(replay_run, tmp_path / "run")
    folder = _damage_newest_replay(root)
    trained_to = pipeline_cli.read_json(os.path.join(root, "summary.json"))["env_steps"]
    overrides = dict(CLASSIC, checkpoint_replay=True, num_env_steps=900)
    result = pipeline_cli.run("cartpole_dqn", root, overrides, "--discard_damaged_replay")
    assert result.returncode == 0, result.stderr
    aside = os.path.join(root, "replay_damaged")
    assert f"the replay checkpoint {folder} cannot be restored (" in result.stdout
    lost = _transitions(os.path.join(aside, os.path.basename(folder)))
    assert f"moved to {aside}; {lost:,} transitions lost, the replay refills" in result.stdout
    assert os.listdir(aside) == [os.path.basename(folder)]
    summary = pipeline_cli.read_json(os.path.join(root, "summary.json"))
    assert summary["resumed_from_env_step"] >= trained_to - 300  # the networks were kept
    assert summary["env_steps"] >= 900


@pytest.mark.parametrize(
    "saved,opened",
    [
        ({"w": [0.0, 0.0]}, {"v": [0.0, 0.0]}),  # a variable the checkpoint has no value for
        ({"v": [0.0, 0.0]}, {"v": [0.0, 0.0, 0.0]}),  # a value of another shape
    ],
)
def test_a_checkpoint_of_other_networks_is_refused_in_one_line(saved, opened, tmp_path):
    """Restoring leaves a variable the checkpoint does not hold as initialised: refused, not
    trained on from fresh weights."""
    import tensorflow as tf

    from pipelines.common import checkpoints
    from pipelines.common.cli import UserError

    directory = str(tmp_path / "checkpoints")
    old = checkpoints.Checkpointer(directory, **{k: tf.Variable(v) for k, v in saved.items()})
    old.save(100)
    with pytest.raises(UserError, match="ckpt-100 in .* does not hold this run's networks"):
        checkpoints.open_checkpointer(directory, **{k: tf.Variable(v) for k, v in opened.items()})
