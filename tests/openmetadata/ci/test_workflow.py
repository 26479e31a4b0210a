"""The GitHub Actions workflow connkit installs: linted by actionlint, checked against the
GitHub-workflow schema check-jsonschema ships, and installed without clobbering edits."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_connkit
from tests.tools import REPO, go_tool

WORKFLOW = REPO / "ci" / "connectors.yml"


@pytest.fixture(scope="session")
def actionlint() -> Path:
    return go_tool("actionlint")


def lint(actionlint: Path, path: Path) -> subprocess.CompletedProcess:
    """actionlint, with shellcheck over the `run:` scripts when it is installed (the setup
    script installs it)."""
    shellcheck = shutil.which("shellcheck") or ""
    return subprocess.run(
        [str(actionlint), "-no-color", f"-shellcheck={shellcheck}", "-pyflakes=", str(path)],
        capture_output=True,
        text=True,
    )


def schema_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )


def test_installed_workflow_passes_actionlint_and_the_schema(ws_root, actionlint):
    proc = run_connkit("ci.install", cwd=ws_root)
    assert proc.returncode == 0, proc.stderr
    installed = ws_root / ".github/workflows/connectors.yml"
    assert installed.read_bytes() == WORKFLOW.read_bytes()
    result = lint(actionlint, installed)
    assert result.returncode == 0, result.stdout + result.stderr
    result = schema_check(installed)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_checks_do_catch_a_broken_workflow(tmp_path, actionlint):
    """Guards the test above: both tools reject a workflow with a real mistake."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text()
        .replace("needs: matrix", "needs: matrixx")
        .replace(
            "runs-on: ubuntu-latest\n    timeout-minutes: 60",
            "runs-on: ubuntu-latest\n    timeout-minutes: soon",
        )
    )
    assert "matrixx" in lint(actionlint, broken).stdout
    assert schema_check(broken).returncode != 0


def test_workflow_runs_the_matrix_sessions_with_the_shared_cache():
    text = WORKFLOW.read_text()
    assert "connkit ci.matrix" in text and "fromJSON(needs.matrix.outputs.matrix)" in text
    assert 'nox -s "$SESSION"' in text and "SESSION: ${{ matrix.session }}" in text
    assert "CONNKIT_REMOTE_CACHE: ${{ vars.CONNKIT_REMOTE_CACHE }}" in text
    assert "secrets.CONNKIT_REMOTE_CACHE_TOKEN" in text
    assert "fetch-depth: 0" in text


def test_install_keeps_an_edited_workflow_unless_forced(ws_root):
    assert run_connkit("ci.install", cwd=ws_root).returncode == 0
    again = run_connkit("ci.install", cwd=ws_root)
    assert again.returncode == 0 and "up to date: .github/workflows/connectors.yml" in again.stdout
    installed = ws_root / ".github/workflows/connectors.yml"
    installed.write_text(installed.read_text() + "# local edit\n")
    refused = run_connkit("ci.install", cwd=ws_root)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert installed.read_text().endswith("# local edit\n")
    assert run_connkit("ci.install", "--force", cwd=ws_root).returncode == 0
    assert installed.read_bytes() == WORKFLOW.read_bytes()


def test_install_leaves_a_workspaces_own_noxfile_alone(ws_root):
    own = ws_root / "noxfile.py"
    own.write_text("import nox\n\n@nox.session\ndef docs(session):\n    pass\n")
    proc = run_connkit("ci.install", cwd=ws_root)
    assert proc.returncode == 0 and "kept: noxfile.py" in proc.stdout
    assert "add_validate_sessions" in proc.stdout  # says how to add the sessions
    assert "def docs" in own.read_text()
