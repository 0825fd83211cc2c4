"""Imports TensorFlow and TF-Agents without their start-up noise.

TensorFlow prints CUDA-probe and CPU-feature lines on every start, and importing tf_agents prints
old gym's "unmaintained" banner (we never use old gym: our environments are gymnasium-native).
Only those known lines are dropped; anything else printed during the import is replayed.
"""

import os
import re
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # INFO lines only; warnings and errors stay
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

_NOISE = re.compile(
    r"Unable to register cu(DNN|FFT|BLAS) factory|Could not find cuda drivers|TF-TRT Warning"
    r"|oneDNN custom operations|cpu_feature_guard|To enable the following instructions"
    r"|rebuild TensorFlow with the appropriate compiler flags"
)


def _import_quietly() -> None:
    import gym_notices.notices  # the banner tf_agents' import of gym 0.23 would print

    gym_notices.notices.notices.clear()
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
            import tf_agents  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not _NOISE.search(line):
                    sys.stderr.write(line)


if "tf_agents" not in sys.modules:
    _import_quietly()
