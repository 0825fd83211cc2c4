"""TensorFlow and TF-Agents imported without their start-up noise, whichever module imports them
first and in whatever order its imports stand.

TensorFlow prints CUDA-probe and CPU-feature lines on every start (from C++, on file descriptor
2), and importing tf_agents prints old gym's "unmaintained" banner (we never use old gym: our
environments are gymnasium-native). `install()` puts a finder on sys.meta_path whose loader runs
each of the two packages' import with descriptor 2 captured, then replays every captured line
but those known ones. Importing this module loads nothing heavy.
"""

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile

_NOISE = re.compile(
    r"Unable to register cu(DNN|FFT|BLAS) factory|Could not find cuda drivers|TF-TRT Warning"
    r"|oneDNN custom operations|cpu_feature_guard|To enable the following instructions"
    r"|rebuild TensorFlow with the appropriate compiler flags"
)
_PACKAGES = ("tensorflow", "tf_agents")


class _QuietLoader(importlib.abc.Loader):
    """The package's own loader, its module execution run with stderr's descriptor captured."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile(mode="w+b") as captured:
            os.dup2(captured.fileno(), 2)
            try:
                self._loader.exec_module(module)
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                captured.seek(0)
                text = captured.read().decode(errors="replace")
                for line in text.splitlines(keepends=True):
                    if not _NOISE.search(line):
                        sys.stderr.write(line)

    def __getattr__(self, name):  # get_resource_reader, is_package, ...: the real loader's
        return getattr(self._loader, name)


class _QuietFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in _PACKAGES:
            return None
        if fullname == "tf_agents":
            _clear_gym_banner()
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def _clear_gym_banner() -> None:
    """Empties the notices old gym prints when tf_agents imports it."""
    try:
        import gym_notices.notices
    except ImportError:
        return
    gym_notices.notices.notices.clear()


def install() -> None:
    """Quiets the first import of TensorFlow and TF-Agents from here on (idempotent)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # INFO lines only; warnings, errors stay
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if not any(isinstance(finder, _QuietFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
