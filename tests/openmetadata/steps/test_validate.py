"""`connkit validate` end to end: scaffold, register, validate, break things, validate again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_connkit
from tests.openmetadata.scaffold.helpers import make_workspace


def validate(ws: Path, name: str = "acme_dash") -> tuple[int, dict]:
    result = run_connkit("validate", "--name", name, "--json", "--logs", "none", cwd=ws)
    return result.returncode, json.loads(result.stdout)


def items(report: dict) -> dict[str, str]:
    return {i["label"]: i["state"] for i in report["items"]}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    make_workspace(root)
    made = run_connkit("scaffold", "--name", "acme_dash", "--service-type", "dashboard", cwd=root)
    assert made.returncode == 0, made.stderr
    return root


def test_unregistered_connector_fails_only_the_registration_item(ws):
    code, report = validate(ws)
    assert code == 1 and report["ok"] is False
    states = items(report)
    assert states["registration complete"] == "failed"
    assert states["schema valid and every $ref resolves"] == "passed"
    assert states["list methods paginate"] == "passed"


def test_registered_connector_passes_and_second_run_is_all_hits(ws):
    assert run_connkit("register", "--name", "acme_dash", cwd=ws).returncode == 0
    code, report = validate(ws)
    states = items(report)
    assert all(state in ("passed", "not available") for state in states.values()), states
    assert code == 0 and report["ok"] is True
    code, again = validate(ws)
    assert code == 0
    assert {s["status"] for s in again["run"]["steps"]} == {"cached"}


def test_a_swallowed_exception_fails_its_item(ws):
    assert run_connkit("register", "--name", "acme_dash", cwd=ws).returncode == 0
    validate(ws)
    client = next((ws / "ingestion/src/metadata/ingestion/source/dashboard/acme_dash").glob("client.py"))
    client.write_text(
        client.read_text()
        + "\n\ndef risky():\n    try:\n        return 1\n    except Exception:\n        pass\n"
    )
    code, report = validate(ws)
    assert code == 1
    assert items(report)["no swallowed exceptions"] == "failed"
    statuses = {s["id"]: s["status"] for s in report["run"]["steps"]}
    assert statuses["validate.registration.acme_dash"] == "ran"  # its inputs include the package
    assert statuses["validate.errors.acme_dash"] == "failed"


def test_unknown_connector_is_a_clear_error(ws):
    result = run_connkit("validate", "--name", "nope", cwd=ws)
    assert result.returncode == 2
    assert "scaffold the connector first" in result.stderr


@pytest.mark.slow
def test_every_service_type_of_the_default_workspace_validates(tmp_path: Path):
    """scaffold → register → validate on a workspace.create workspace, one connector per type."""
    from connkit.openmetadata.workspace.layout import detect_layout

    ws = tmp_path / "om"
    created = run_connkit("workspace.create", str(ws), cwd=tmp_path, timeout=900)
    assert created.returncode == 0, created.stderr
    types = detect_layout(ws).service_types
    assert len(types) >= 7
    for service_type in types:
        name = f"acme{service_type}"
        made = run_connkit("scaffold", "--name", name, "--service-type", service_type, cwd=ws)
        assert made.returncode == 0, made.stderr
        assert run_connkit("register", "--name", name, cwd=ws).returncode == 0
        before = subprocess.run(["git", "diff"], cwd=ws, capture_output=True, text=True).stdout
        twice = run_connkit("register", "--name", name, cwd=ws)
        assert "already registered" in twice.stdout + twice.stderr
        assert subprocess.run(["git", "diff"], cwd=ws, capture_output=True, text=True).stdout == before
        code, report = validate(ws, name)
        failed = {i["label"]: i["detail"] for i in report["items"] if i["state"] != "passed"}
        assert code == 0 and failed == {}, (service_type, failed)
