"""The house plan holds: cli -> openmetadata -> engine -> leaves, never back (import-linter,
configured in pyproject.toml), and the thin front doors stay thin."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import SRC

REPO = SRC.parent


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    """import-linter over the package under ``src``, with this repository's contracts."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        f"sys.exit(lint_imports(config_filename={str(REPO / 'pyproject.toml')!r}, no_cache=True))"
    )
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_import_contract_is_kept():
    result = lint_imports(SRC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_import_contract_catches_the_engine_importing_the_domain(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(SRC / "connkit", copy / "connkit", ignore=shutil.ignore_patterns("__pycache__"))
    step = copy / "connkit" / "engine" / "step.py"
    step.write_text(step.read_text() + "\nfrom connkit.openmetadata import workspace  # noqa\n")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "connkit.engine.step -> connkit.openmetadata" in result.stdout


def test_front_doors_are_thin():
    """tasks.py and noxfile.py wire the library to invoke and nox: short, no functions of logic."""
    for name in ("tasks.py", "noxfile.py"):
        text = (REPO / name).read_text()
        assert len(text.splitlines()) < 150, name
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                body = [n for n in node.body if not isinstance(n, ast.Expr)]  # docstrings
                assert len(body) <= 6, f"{name}: {node.name} holds logic; move it into src/connkit"


def test_one_connector_model():
    found = [
        p
        for p in (SRC / "connkit").rglob("*.py")
        if "class Connector(" in p.read_text() or "class Connector:" in p.read_text()
    ]
    assert len(found) == 1, found
