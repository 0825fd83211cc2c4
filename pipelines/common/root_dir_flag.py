"""--root_dir, defined once for every entry point (training, tabular, the launcher)."""

from absl import flags

ROOT_DIR = flags.DEFINE_string(
    "root_dir",
    None,
    "Directory of the run: its summaries, checkpoints and exported policies. A training run on "
    "the same directory resumes.",
)
