"""Learning curves from runs' TensorBoard event files: eval return and training loss against env
steps, several runs overlaid, drawn with matplotlib's Agg backend (no display needed)."""

import dataclasses
import glob
import os
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from matplotlib import ticker  # noqa: E402
from tensorflow.core.util import event_pb2  # noqa: E402

# (subdirectory of root_dir, tag), as pipelines/dqn/single_process.py writes them; steps are env
# steps.
EVAL_RETURN = ("eval", "Metrics/AverageReturn")
TRAIN_SCORE = ("train", "Metrics/GameScore")  # the fallback when a run never evaluated
LOSS = ("train", "Losses/loss")
FIGURE_SIZE = (10, 7)  # inches, at 100 dpi: 1000 x 700 pixels
DPI = 100

Curve = Tuple[np.ndarray, np.ndarray]  # (env steps, values), steps increasing


@dataclasses.dataclass
class RunCurves:
    name: str
    eval_return: Curve
    train_score: Curve
    loss: Curve

    def points(self) -> int:
        return len(self.eval_return[0]) + len(self.train_score[0]) + len(self.loss[0])


def event_files(log_dir: str) -> List[str]:
    """The event files of one writer directory, oldest first (a resumed run adds a file)."""
    paths = glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))

    def started(path: str) -> Tuple[int, int, str]:
        # events.out.tfevents.<unix time>.<host>.<pid>.<writer number>.v2; the writer number
        # orders two files a process opened within the same second.
        parts = os.path.basename(path).split(".")
        stamp, number = parts[3], parts[-2] if parts[-1] == "v2" else "0"
        return (int(stamp) if stamp.isdigit() else 0, int(number) if number.isdigit() else 0, path)

    return sorted(paths, key=started)


def read_scalars(log_dir: str) -> Dict[str, Curve]:
    """tag -> (steps, values) of every scalar in log_dir's event files.

    A resumed run replays the env steps after its last checkpoint: as in TensorBoard, a newer
    file replaces the older points from its first step on. A file still being written may end
    in a partial record; what precedes it is kept.
    """
    points: Dict[str, Dict[int, float]] = {}
    for path in event_files(log_dir):
        first_step: Dict[str, int] = {}
        for event in _events(path):
            for value in event.summary.value:
                number = _scalar(value)
                if number is None:
                    continue  # text, images, histograms: not curves
                tag_points = points.setdefault(value.tag, {})
                if value.tag not in first_step:
                    first_step[value.tag] = event.step
                    for step in [s for s in tag_points if s >= event.step]:
                        del tag_points[step]
                tag_points[event.step] = number
    return {
        tag: (np.array(sorted(p), np.int64), np.array([p[s] for s in sorted(p)], np.float64))
        for tag, p in points.items()
    }


def wall_times(log_dir: str, tag: str) -> Dict[int, float]:
    """step -> wall time (seconds since the epoch) at which `tag` was written, the newest file's
    where a resumed run wrote a step twice."""
    times: Dict[int, float] = {}
    for path in event_files(log_dir):
        for event in _events(path):
            if any(value.tag == tag for value in event.summary.value):
                times[event.step] = event.wall_time
    return times


def _scalar(value) -> Optional[float]:
    if value.HasField("simple_value"):  # TF1-style summaries
        return float(value.simple_value)
    if value.HasField("tensor"):
        array = tf.make_ndarray(value.tensor)
        if array.size == 1 and np.issubdtype(array.dtype, np.number):
            return float(array.reshape(()))
    return None


def _events(path: str):
    try:
        for record in tf.data.TFRecordDataset(path):
            yield event_pb2.Event.FromString(record.numpy())
    except tf.errors.DataLossError:
        return


def read_run(root_dir: str, name: str) -> RunCurves:
    """The curves of one run directory (empty arrays for what it has not written)."""
    by_dir = {sub: read_scalars(os.path.join(root_dir, sub)) for sub in ("eval", "train")}
    empty = (np.zeros(0, np.int64), np.zeros(0, np.float64))

    def curve(key: Tuple[str, str]) -> Curve:
        return by_dir[key[0]].get(key[1], empty)

    return RunCurves(name, curve(EVAL_RETURN), curve(TRAIN_SCORE), curve(LOSS))


def has_event_files(root_dir: str) -> bool:
    return any(event_files(os.path.join(root_dir, sub)) for sub in ("eval", "train"))


def run_names(root_dirs: Sequence[str]) -> List[str]:
    """Legend names: the directory names, or their paths below the common parent when two
    runs share a name (runs/a/seed0 and runs/b/seed0)."""
    paths = [os.path.normpath(os.path.abspath(d)) for d in root_dirs]
    names = [os.path.basename(p) for p in paths]
    if len(set(names)) < len(names) and len(paths) > 1:
        parent = os.path.commonpath(paths)
        names = [os.path.relpath(p, parent) for p in paths]
    return names


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average, debiased at the start."""
    if weight <= 0 or len(values) == 0:
        return values
    out = np.empty_like(values)
    average, correction = 0.0, 0.0
    for i, value in enumerate(values):
        average = weight * average + (1 - weight) * value
        correction = weight * correction + (1 - weight)
        out[i] = average / correction
    return out


def make_figure(
    runs: Sequence[RunCurves],
    smoothing: float = 0.6,
    title: str = "",
    references: Sequence[Tuple[float, str]] = (),
) -> plt.Figure:
    """Two panels sharing the env-step axis: return above, loss below; one colour per run.

    Return is the eval return (markers) and the training games' score (dashed, faint); a run
    that never evaluated shows its training game score alone (dashed). Loss is drawn faint as
    logged and solid smoothed. references: (score, label) lines across the return panel, e.g.
    random play and the target; title: the figure's.
    """
    figure, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=FIGURE_SIZE, dpi=DPI, constrained_layout=True
    )
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run in enumerate(runs):
        colour = colours[i % len(colours)]
        steps, values = run.eval_return
        if len(steps):
            top.plot(steps, values, color=colour, marker="o", markersize=3, label=run.name)
            if len(run.train_score[0]):
                top.plot(*run.train_score, color=colour, linestyle="--", alpha=0.4, linewidth=1)
        elif len(run.train_score[0]):
            steps, values = run.train_score
            top.plot(
                steps,
                values,
                color=colour,
                linestyle="--",
                label=f"{run.name} (training game score)",
            )
        steps, values = run.loss
        if len(steps):
            if smoothing > 0:
                bottom.plot(steps, values, color=colour, alpha=0.25, linewidth=1)
            bottom.plot(steps, smooth(values, smoothing), color=colour, label=run.name)
    for (score, label), style in zip(references, ("dotted", "dashdot", "dashed", "solid")):
        top.axhline(score, color="grey", linestyle=style, linewidth=1, label=label)
    if title:
        figure.suptitle(title)
    top.set_title("Evaluation return (markers); training games' score (dashed)")
    top.set_ylabel("average return per episode")
    bottom.set_title("Training loss" + (f" (smoothed {smoothing:g})" if smoothing > 0 else ""))
    bottom.set_ylabel("loss")
    bottom.set_xlabel("env steps (agent steps; 4 frames each on Atari)")
    losses = np.concatenate([run.loss[1] for run in runs])
    if len(losses) and losses.min() > 0:
        bottom.set_yscale("log")  # DQN losses span orders of magnitude
    bottom.xaxis.set_major_formatter(ticker.EngFormatter())
    for axes in (top, bottom):
        axes.grid(True, alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="best", fontsize="small")
        else:
            axes.text(
                0.5,
                0.5,
                "no points logged",
                transform=axes.transAxes,
                ha="center",
                va="center",
                color="grey",
            )
    return figure
