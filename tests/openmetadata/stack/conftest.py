"""Stack test fixtures. A small hand-written OpenMetadata-shaped workspace: an ``ingestion/`` package named
``metadata`` (as upstream's is) with one connector and a ``metadata`` console script, so the
stack's ingestion image installs from PyPI and runs in seconds rather than minutes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SRC  # noqa: E402

SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name="mini-openmetadata-ingestion",
    version="0.0.1",
    package_dir={"": "src"},
    packages=find_packages("src"),
    install_requires=["PyYAML>=6"],
    entry_points={"console_scripts": ["metadata = metadata.cli:main"]},
)
"""

CLI_PY = """\
import sys

import yaml


def main() -> int:
    args = sys.argv[1:]
    if args[:1] != ["ingest"] or "-c" not in args:
        print("usage: metadata ingest -c CONFIG", file=sys.stderr)
        return 2
    with open(args[args.index("-c") + 1]) as fh:
        config = yaml.safe_load(fh)
    source = config["source"]["type"]
    print(f"mini ingest: source={source}")
    return 0
"""

CONNECTOR_PY = 'VERSION = "{version}"\n'


def make_workspace(root: Path, connector_version: str = "1") -> Path:
    (root / "openmetadata-spec").mkdir(parents=True, exist_ok=True)
    pkg = root / "ingestion" / "src" / "metadata"
    conn = pkg / "ingestion" / "source" / "database" / "myconn"
    conn.mkdir(parents=True, exist_ok=True)
    (root / "ingestion" / "setup.py").write_text(SETUP_PY)
    (pkg / "__init__.py").write_text("")
    (pkg / "cli.py").write_text(CLI_PY)
    for d in (pkg / "ingestion", pkg / "ingestion" / "source", pkg / "ingestion" / "source" / "database"):
        (d / "__init__.py").write_text("")
    (conn / "__init__.py").write_text("")
    set_connector_version(root, connector_version)
    return root


def connector_file(root: Path) -> Path:
    return root / "ingestion/src/metadata/ingestion/source/database/myconn/metadata.py"


def set_connector_version(root: Path, version: str) -> None:
    connector_file(root).write_text(CONNECTOR_PY.format(version=version))


def run_cli(*args: str, cwd: Path, timeout: float = 1200) -> subprocess.CompletedProcess:
    """The real `connkit` command line, in its own process, as a person runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CONNKIT_WORKSPACE", None)
    env.pop("CONNKIT_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "connkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def engine_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture
def engine() -> None:
    """Docker tests skip on a laptop without an engine but fail in CI, where one must be set up."""
    if not engine_available():
        if os.environ.get("CI"):
            pytest.fail("CI has no Docker engine: .ci/run must call ci/install-docker.sh first")
        pytest.skip("no Docker engine (run ci/install-docker.sh)")


def project_resources(project: str) -> dict[str, list[str]]:
    """Everything the engine holds for a compose project, found by its label."""
    label = f"label=com.docker.compose.project={project}"
    out = {}
    for kind, argv in {
        "containers": ["docker", "ps", "-a", "-q", "--filter", label],
        "networks": ["docker", "network", "ls", "-q", "--filter", label],
        "volumes": ["docker", "volume", "ls", "-q", "--filter", label],
    }.items():
        out[kind] = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    return out


def last_run(root: Path) -> dict[str, str]:
    data = json.loads((root / ".connkit" / "runs" / "last.json").read_text())
    return {s["id"]: s["status"] for s in data["steps"]}
