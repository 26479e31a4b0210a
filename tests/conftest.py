"""Shared fixtures: throwaway workspaces and a way to run the real `connkit` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def connkit_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CONNKIT_WORKSPACE", None)
    env.pop("CONNKIT_CACHE_DIR", None)
    # nox marks its session venv active; a person's connkit runs with no workspace venv active,
    # so connkit keeps the workspace's own environment under .connkit/venv.
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


def run_connkit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **kw
) -> subprocess.CompletedProcess:
    """The real command line, as a person runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "connkit", *args],
        cwd=cwd,
        env=env or connkit_env(),
        capture_output=True,
        text=True,
        **kw,
    )


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    """An empty workspace: just the marker folder find_workspace looks for."""
    root = tmp_path / "ws"
    (root / "openmetadata-spec").mkdir(parents=True)
    return root


@pytest.fixture
def make_workspace(tmp_path: Path):
    """Build small OpenMetadata-like workspaces (see om_workspace.build_workspace)."""
    from tests.om_workspace import build_workspace

    counter = iter(range(1000))

    def make(**kwargs):
        return build_workspace(tmp_path / f"ws{next(counter)}", **kwargs)

    return make


# The real checkout tier's session fixture (skips where ../shared/openmetadata/ is absent).
from tests.om_checkout import om_checkout  # noqa: E402, F401
