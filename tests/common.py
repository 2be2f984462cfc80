"""Helpers shared by the tests."""

from __future__ import annotations

import tempfile
from pathlib import Path

TEST_KEY = "test-secret-key"


def reachable_tmpdir(prefix: str) -> Path:
    """A temporary directory the `postgres` user can enter (pytest's own is 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path
