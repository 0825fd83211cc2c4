"""pipelines.launch's bad input: one line, exit status 2, nothing started or written."""

import subprocess

import pipeline_cli
import pytest

CASES = {
    "unknown_pipeline": (
        ["--pipeline=bogus", "--root_dir={root}"],
        "error: --pipeline must be one of pong_dqn, breakout_dqn, spaceinvaders_dqn, "
        "cartpole_dqn, lunarlander_dqn, cartpole_impala, pong_impala, breakout_impala, got 'bogus'",
    ),
    "no_root_dir": (["--pipeline=cartpole_dqn"], "error: --root_dir is required"),
    "no_collectors": (
        ["--pipeline=cartpole_dqn", "--root_dir={root}", "--collectors=0"],
        "error: flag --collectors=0: 0 is not an integer in the range [1, 64]",
    ),
    "port_out_of_range": (
        ["--pipeline=cartpole_dqn", "--root_dir={root}", "--port=70000"],
        "error: flag --port=70000: 70000 is not an integer in the range [0, 65535]",
    ),
    "stray_argument": (
        ["--pipeline=cartpole_dqn", "--root_dir={root}", "stray"],
        "error: unexpected arguments: stray",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_launcher_input_is_refused_in_one_line(tmp_path, case):
    args, message = CASES[case]
    root = tmp_path / "run"
    done = subprocess.run(
        [pipeline_cli.PYTHON, "-m", "pipelines.launch"] + [arg.format(root=root) for arg in args],
        cwd=pipeline_cli.REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = pipeline_cli.Result(done.returncode, done.stdout, done.stderr, 0.0)
    assert pipeline_cli.error_line(result) == message
    assert not root.exists()
