"""Go-built test tools (bazel-remote, actionlint) from ci/setup-bazel-remote.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("CONNKIT_TEST_BIN", Path.home() / ".cache/connkit-test/bin"))


def go_tool(name: str) -> Path:
    """The tool's binary, building it on first use; skips only when Go is absent."""
    path = BIN / name
    if not path.is_file():
        if shutil.which("go") is None:
            pytest.skip(f"{name} is built with Go (ci/setup-bazel-remote.sh) and go is not installed")
        subprocess.run(["bash", str(REPO / "ci/setup-bazel-remote.sh")], check=True, timeout=1500)
    return path
