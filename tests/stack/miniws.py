"""A small hand-written OpenMetadata-shaped workspace: an ``ingestion/`` package named
``metadata`` (as upstream's is) with one connector and a ``metadata`` console script, so the
stack's ingestion image installs from PyPI and runs in seconds rather than minutes."""

from __future__ import annotations

from pathlib import Path

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
