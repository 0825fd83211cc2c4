"""Learning curves of one or more runs in one PNG: eval return and training loss against env steps.

    python -m pipelines.plot --root_dir=runs/cartpole [--root_dir=runs/cartpole_seed1 ...] \\
        --out=curves.png [--title="Pong, fast, seed 0"] [--reference="-20.2:random play" ...]

Reads the TensorBoard event files a run writes (root_dir/eval, root_dir/train); works on a
run that is still training. Legend entries are the run directory names.
"""

import os
import tempfile

from absl import flags

from pipelines.common import cli, run_dir
from pipelines.tools import curves

ROOT_DIRS = flags.DEFINE_multi_string(
    "root_dir", None, "A run directory; repeat the flag to overlay several runs."
)
OUT = flags.DEFINE_string("out", None, "Where to write the figure: .png (or .pdf, .svg).")
TITLE = flags.DEFINE_string("title", "", "The figure's title, e.g. game, preset and seed.")
REFERENCES = flags.DEFINE_multi_string(
    "reference",
    [],
    "SCORE:LABEL, a horizontal line across the return panel (random play, a target); repeat it.",
)
SMOOTHING = flags.DEFINE_float(
    "smoothing", 0.6, "TensorBoard-style smoothing of the loss, in [0, 1); 0 draws it as logged."
)


def check_arguments() -> None:
    if not ROOT_DIRS.value:
        raise cli.UserError("--root_dir is required (repeat it to overlay runs)")
    if not OUT.value:
        raise cli.UserError("--out is required, e.g. --out=curves.png")
    if not 0 <= SMOOTHING.value < 1:
        raise cli.UserError(f"--smoothing must be in [0, 1), got {SMOOTHING.value}")
    extension = os.path.splitext(OUT.value)[1].lower().lstrip(".")
    if extension not in ("png", "pdf", "svg"):
        raise cli.UserError(
            f"--out={OUT.value}: the format is chosen by the extension, "
            f".png, .pdf or .svg; got '{extension or 'no extension'}'"
        )
    folder = os.path.dirname(os.path.abspath(OUT.value))
    if not os.path.isdir(folder):
        raise cli.UserError(f"--out={OUT.value}: directory {folder} does not exist")
    if cli.unwritable(folder):
        raise cli.UserError(
            f"--out={OUT.value}: cannot write to {folder}: {cli.unwritable(folder)}"
        )
    references()
    seen = set()
    for root_dir in ROOT_DIRS.value:
        if not os.path.isdir(root_dir):
            raise cli.UserError(f"--root_dir={root_dir} is not a directory")
        if os.path.realpath(root_dir) in seen:
            raise cli.UserError(f"--root_dir={root_dir} is given twice")
        seen.add(os.path.realpath(root_dir))
        if not curves.has_event_files(root_dir):
            raise cli.UserError(
                f"--root_dir={root_dir} has no TensorBoard event files "
                "(expected eval/ or train/events.out.tfevents.*): not a run "
                "directory, or a run that has not started"
            )


def references():
    """--reference values as (score, label) pairs."""
    pairs = []
    for text in REFERENCES.value:
        score, _, label = text.partition(":")
        try:
            pairs.append((float(score), label or score))
        except ValueError:
            raise cli.UserError(
                f"--reference={text}: expected SCORE:LABEL with a number first, e.g. "
                "'-20.2:random play'"
            ) from None
    return pairs


def main(_argv) -> None:
    check_arguments()
    runs = [
        curves.read_run(root_dir, name)
        for root_dir, name in zip(ROOT_DIRS.value, curves.run_names(ROOT_DIRS.value))
    ]
    for root_dir, run in zip(ROOT_DIRS.value, runs):
        if not run.points():
            raise cli.UserError(
                f"--root_dir={root_dir}: its event files hold no eval return, "
                "game score or loss yet (they come every eval_interval and "
                "summary_interval env steps)"
            )
    figure = curves.make_figure(runs, SMOOTHING.value, TITLE.value, references())
    folder, name = os.path.split(os.path.abspath(OUT.value))
    handle, staging = tempfile.mkstemp(
        prefix=f".{name}.", suffix=os.path.splitext(name)[1], dir=folder
    )
    os.close(handle)
    try:  # written beside and renamed: a viewer never sees half a file
        figure.savefig(staging)
        run_dir.publish(staging, OUT.value)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
    for run in runs:
        print(
            f"{run.name}: {len(run.eval_return[0])} eval points, "
            f"{len(run.train_score[0])} game-score points, {len(run.loss[0])} loss points"
        )
    print(f"wrote {OUT.value}")


if __name__ == "__main__":
    cli.run(main)
