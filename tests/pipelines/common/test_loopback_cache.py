"""The loopback shim's cache: a read-only or missing HOME builds the shim in a private
temporary folder instead of failing."""

import os
import stat

from pipelines.common import loopback


def test_an_unwritable_cache_builds_the_shim_in_a_private_folder(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-cache-here")
    path = loopback.build_library()
    try:
        assert not path.startswith("/proc") and os.path.isfile(path)
        assert os.path.basename(path) == os.path.basename(loopback.library_path())
        folder = os.stat(os.path.dirname(path))
        assert folder.st_uid == os.getuid() and stat.S_IMODE(folder.st_mode) == 0o700
    finally:
        os.remove(path)
        os.rmdir(os.path.dirname(path))
