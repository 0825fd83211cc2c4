"""`make` on a machine without Python 3.11: one line saying what is needed and how to get it,
before any venv is made."""

import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_make_without_python_3_11_says_what_is_needed(tmp_path):
    for name in ("Makefile", "setup.cfg", "constraints.txt"):
        shutil.copy(os.path.join(REPO, name), tmp_path)
    wrong = tmp_path / "python3.13"  # answers every version check with "not 3.11"
    wrong.write_text("#!/bin/sh\nexit 1\n")
    wrong.chmod(0o755)
    for python in ("python3.11-not-on-this-path", str(wrong)):
        done = subprocess.run(
            ["make", "install", f"PYTHON={python}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        first = done.stderr.splitlines()[0]
        assert first.startswith("error: Python 3.11 is needed (TensorFlow 2.15 and Reverb 0.14")
        assert f"'{python}' is not it" in first and "uv python install 3.11" in first
        assert not (tmp_path / ".venv").exists()
