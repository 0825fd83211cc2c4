"""benchmarks.recipes: a recipe's record holds its best in-training evaluation beside the
export's score, and the page shows both."""

import tensorflow as tf

from benchmarks import recipes_page
from pipelines.tools import curves


def test_the_best_in_training_evaluation_is_read_from_the_run(tmp_path):
    directory, tag = curves.EVAL_RETURN
    writer = tf.summary.create_file_writer(str(tmp_path / directory))
    with writer.as_default():
        for step, value in [(100_000, -120.0), (200_000, 131.5), (300_000, -34.0)]:
            tf.summary.scalar(tag, value, step=step)
    writer.flush()
    assert recipes_page.best_evaluation(str(tmp_path)) == (200_000, 131.5)
    assert recipes_page.best_evaluation(str(tmp_path / "none")) == (None, None)


def test_the_page_sets_the_best_evaluation_beside_the_export_s_score():
    record = {
        "pipeline": "lunarlander_dqn", "preset": "lab_report", "env_steps": 600_023,
        "wall_seconds": 1027.1, "mean_return": -34.8, "std_return": 47.6, "episodes": 100,
        "best_eval": 131.5, "best_eval_env_step": 200_000, "commit": "abc1234",
        "machine": {"cpu": "AMD EPYC", "cores": 2, "load_average": 1.0},
    }  # fmt: skip
    text = recipes_page.page([record])
    assert (
        "-34.8 ± 47.6 over 100 episodes, after 600,023 env steps in 17.1 min (AMD EPYC, 2 cores, "
        "load 1.0, commit abc1234); its best in-training evaluation: 131.5 at env step 200,000"
    ) in text
