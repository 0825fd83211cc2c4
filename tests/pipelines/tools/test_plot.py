"""pipelines.plot: learning curves read from real event files (a finished CartPole run, and runs
written here with tf.summary as training writes them), drawn into a PNG."""

import os

import numpy as np
import pipeline_cli
import pytest
import tensorflow as tf
from PIL import Image

from pipelines.tools import curves


def write_run(root_dir: str, eval_points=(), loss_points=(), score_points=()) -> str:
    """A run directory with eval/ and train/ event files holding the given (step, value)s."""
    for sub, tag, points in (
        ("eval", curves.EVAL_RETURN[1], eval_points),
        ("train", curves.LOSS[1], loss_points),
        ("train", curves.TRAIN_SCORE[1], score_points),
    ):
        if not points:
            continue
        writer = tf.summary.create_file_writer(os.path.join(root_dir, sub))
        with writer.as_default():
            for step, value in points:
                tf.summary.scalar(tag, value, step=step)
        writer.close()
    return root_dir


def plot(*args: str) -> pipeline_cli.Background:
    return pipeline_cli.Background("plot", None, {}, *args)


@pytest.fixture(scope="module")
def plotted(finished_run, tmp_path_factory):
    """The CartPole run and a second run overlaid in one PNG; a run without events refused:
    both commands at once."""
    cartpole = finished_run("cartpole_dqn")
    assert cartpole.result.returncode == 0, cartpole.result.stderr
    work = tmp_path_factory.mktemp("plot")
    other = write_run(
        str(work / "other"),
        eval_points=[(300, 20.0), (600, 80.0)],
        loss_points=[(200, 3.0), (400, 1.5), (600, 0.7)],
    )
    no_events = work / "no_events"
    (no_events / "eval").mkdir(parents=True)
    png = str(work / "curves.png")
    started = (
        plot(f"--root_dir={cartpole.root_dir}", f"--root_dir={other}", f"--out={png}"),
        plot(f"--root_dir={no_events}", f"--out={work / 'never.png'}"),
    )
    ok, refused = (command.result(timeout=240) for command in started)
    return cartpole.root_dir, ok, refused, png, work


def test_two_runs_in_one_png(plotted):
    root_dir, result, _, png, _ = plotted
    assert result.returncode == 0, result.stderr
    with Image.open(png) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width >= 800 and height >= 500
    # The legend names, with as many points as the event files hold (read independently).
    evals = pipeline_cli.scalar_events(os.path.join(root_dir, "eval"))["Metrics/AverageReturn"]
    losses = pipeline_cli.scalar_events(os.path.join(root_dir, "train"))["Losses/loss"]
    assert len(evals) >= 1 and len(losses) >= 1
    assert f"run: {len(evals)} eval points" in result.stdout
    assert f"{len(losses)} loss points" in result.stdout.splitlines()[0]
    assert "other: 2 eval points, 0 game-score points, 3 loss points" in result.stdout
    assert result.stdout.strip().endswith(f"wrote {png}")


def test_run_without_event_files_refused_in_one_line(plotted):
    _, _, refused, _, work = plotted
    line = pipeline_cli.error_line(refused)
    assert "no_events" in line and "no TensorBoard event files" in line
    assert not os.path.exists(work / "never.png")


def test_read_run_returns_what_was_logged(tmp_path):
    run = curves.read_run(
        write_run(
            str(tmp_path / "a"),
            eval_points=[(100, 1.0), (200, 5.0)],
            loss_points=[(50, 2.0), (150, 1.0)],
        ),
        "a",
    )
    assert run.eval_return[0].tolist() == [100, 200] and run.eval_return[1].tolist() == [1, 5]
    assert run.loss[0].tolist() == [50, 150] and run.loss[1].tolist() == [2, 1]
    assert len(run.train_score[0]) == 0


def test_a_resumed_run_replaces_the_replayed_steps(tmp_path):
    """Killed at step 400 after a checkpoint at 200, resumed: the steps from 200 on count from
    the newer file, as in TensorBoard."""
    root = str(tmp_path / "resumed")
    write_run(root, eval_points=[(100, 1.0), (200, 2.0), (300, 3.0), (400, 4.0)])
    write_run(root, eval_points=[(200, 20.0), (300, 30.0)])
    assert len(curves.event_files(os.path.join(root, "eval"))) == 2
    steps, values = curves.read_run(root, "r").eval_return
    assert steps.tolist() == [100, 200, 300] and values.tolist() == [1, 20, 30]


def test_a_file_being_written_is_read_up_to_its_last_whole_record(tmp_path):
    root = write_run(str(tmp_path / "live"), eval_points=[(100, 1.0), (200, 2.0)])
    [path] = curves.event_files(os.path.join(root, "eval"))
    with open(path, "rb") as f:
        whole = f.read()
    with open(path, "ab") as f:
        f.write(whole[-30:-10])  # the middle of a record: what a reader may see mid-write
    assert curves.read_run(root, "live").eval_return[1].tolist() == [1, 2]


def test_figure_overlays_runs_with_their_names(tmp_path):
    runs = [
        curves.read_run(
            write_run(
                str(tmp_path / "a"),
                eval_points=[(1, 1.0), (2, 2.0)],
                loss_points=[(1, 1.0), (2, 0.5)],
            ),
            "a",
        ),
        curves.read_run(
            write_run(
                str(tmp_path / "b"),
                score_points=[(1, 7.0), (2, 9.0)],
                loss_points=[(1, 4.0), (2, 3.0)],
            ),
            "b",
        ),
    ]
    figure = curves.make_figure(runs, smoothing=0)
    top, bottom = figure.axes
    assert [line.get_label() for line in top.get_lines()] == ["a", "b (training game score)"]
    assert top.get_lines()[1].get_ydata().tolist() == [7, 9]
    assert [line.get_label() for line in bottom.get_lines()] == ["a", "b"]
    assert "env steps" in bottom.get_xlabel() and top.get_ylabel() and bottom.get_ylabel()
    assert [t.get_text() for t in top.get_legend().get_texts()] == ["a", "b (training game score)"]
    width, height = figure.get_size_inches() * figure.dpi
    assert width >= 800 and height >= 500


def test_smoothing_is_tensorboards_debiased_average():
    assert curves.smooth(np.array([2.0, 2.0, 2.0]), 0.9).tolist() == pytest.approx([2, 2, 2])
    assert curves.smooth(np.array([0.0, 10.0]), 0.5).tolist() == pytest.approx([0, 10 * 0.5 / 0.75])


def test_run_names_tell_same_named_runs_apart():
    assert curves.run_names(["runs/a", "runs/b"]) == ["a", "b"]
    assert curves.run_names(["x/seed0", "y/seed0"]) == ["x/seed0", "y/seed0"]


def test_an_unwritable_out_is_refused_in_one_line(tmp_path):
    run = write_run(str(tmp_path / "a"), eval_points=[(100, 1.0)])
    result = plot(f"--root_dir={run}", "--out=/proc/curves.png").result(timeout=120)
    assert pipeline_cli.error_line(result).startswith(
        "error: --out=/proc/curves.png: cannot write to /proc: "
    )
    assert "Traceback" not in result.stderr


def test_title_and_reference_lines(tmp_path):
    """A run with both eval points and training game scores: eval markers, the training games
    dashed beside them, and each --reference a labelled line across the return panel."""
    run = curves.read_run(
        write_run(
            str(tmp_path / "a"),
            eval_points=[(1, -21.0), (2, 5.0)],
            score_points=[(1, -20.0), (2, 0.0)],
            loss_points=[(1, 1.0)],
        ),
        "a",
    )
    figure = curves.make_figure(
        [run], smoothing=0, title="Pong, fast, seed 0", references=[(-20.2, "random play")]
    )
    top = figure.axes[0]
    lines = {line.get_label(): line for line in top.get_lines()}
    assert lines["a"].get_ydata().tolist() == [-21, 5]
    assert list(lines["random play"].get_ydata()) == [-20.2, -20.2]
    assert [-20, 0] in [list(line.get_ydata()) for line in top.get_lines()]
    assert figure._suptitle.get_text() == "Pong, fast, seed 0"


def test_a_bad_reference_is_refused_in_one_line(tmp_path):
    run = write_run(str(tmp_path / "a"), eval_points=[(100, 1.0)])
    out = str(tmp_path / "c.png")
    result = plot(f"--root_dir={run}", f"--out={out}", "--reference=random:-20").result(120)
    assert pipeline_cli.error_line(result).startswith("error: --reference=random:-20: expected")
    assert not os.path.exists(out)
