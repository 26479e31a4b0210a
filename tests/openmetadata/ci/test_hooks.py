"""Which connectors a pre-commit hook checks for the files it is given (fast; pre-commit itself
runs the hooks in test_pre_commit.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connkit.openmetadata.ci.hooks import changed_connectors
from connkit.openmetadata.workspace import Workspace
from tests.conftest import connkit_env, run_connkit
from tests.openmetadata.scaffold.helpers import make_workspace

SOURCE = "ingestion/src/metadata/ingestion/source"
SERVICE = "openmetadata-spec/src/main/resources/json/schema/entity/services/dashboardService.json"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hooks") / "repo" / "ws"
    make_workspace(root)
    for name in ("acme_dash", "beta_dash"):
        assert (
            run_connkit("scaffold", "--name", name, "--service-type", "dashboard", cwd=root).returncode == 0
        )
    return root


def names(ws: Path, hook: str, *files: str) -> list[str]:
    return [c.name for c in changed_connectors(Workspace(ws), hook, list(files))]


def test_own_files_and_tests_name_their_connector(ws, monkeypatch):
    monkeypatch.chdir(ws)
    schema = "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/dashboard/acmeDashConnection.json"
    for path in (
        f"{SOURCE}/dashboard/acme_dash/client.py",
        schema,
        "openmetadata-service/src/main/resources/json/data/testConnections/dashboard/acmeDash.json",
        "ingestion/tests/unit/topology/dashboard/test_acme_dash.py",
    ):
        assert names(ws, "review", path) == ["acme_dash"], path
    assert names(ws, "review", f"{SOURCE}/dashboard/beta_dash/metadata.py", schema) == [
        "acme_dash",
        "beta_dash",
    ]
    assert names(ws, "review", "README.md", SERVICE, "../elsewhere.py") == []


def test_a_file_holding_registrations_names_its_connectors_for_the_register_check_only(ws, monkeypatch):
    monkeypatch.chdir(ws)
    assert names(ws, "register-check", SERVICE) == [
        "acme_dash",
        "beta_dash",
        "metabase",
    ]  # every dashboard one
    assert names(ws, "format-check", SERVICE) == []


def test_file_names_are_read_from_the_repository_root_above_the_workspace(ws):
    """pre-commit runs hooks from the git root; the workspace may be a folder inside it."""
    proc = subprocess.run(
        [sys.executable, "-m", "connkit.cli.hooks", "review", f"ws/{SOURCE}/dashboard/acme_dash/client.py"],
        cwd=ws.parent,
        env=connkit_env(CONNKIT_WORKSPACE=str(ws)),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("connkit-review: acme_dash\n")
    assert "acme_dash (dashboard): 0 blocker(s)" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "connkit.cli.hooks", "review", "x.py"],
        cwd=ws.parent.parent,
        env=connkit_env(),
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no OpenMetadata workspace" in bad.stderr
