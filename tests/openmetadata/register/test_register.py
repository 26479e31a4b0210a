"""register/unregister on small hand-written workspaces in the upstream file formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.register import ADDED, ALREADY, MISSING, REMOVED, SKIPPED, register, unregister
from connkit.openmetadata.workspace import UI_ROOT
from tests.conftest import SRC
from tests.om_workspace import SERVICES, git, git_init, snapshot

DASH = SERVICES / "dashboardService.json"
PKG = "ingestion/src/metadata/ingestion/source/dashboard/my_db"


def _imports(ws, *modules: str) -> None:
    """Give the connector a source importing ``modules`` (the fixture's setup.py installs
    alpha-sdk, boto3 and gamma-driver: anything else needs the connector's own extra)."""
    pkg = ws.root / PKG
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "client.py").write_text("".join(f"import {m}\n" for m in modules))


def _diff_only_adds(root: Path) -> str:
    diff = git(root, "diff", "--unified=0")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and all(line.startswith("+") for line in changed), diff
    return diff


@pytest.mark.parametrize("ui", ["switch", "loader"])
def test_register_check_twice_and_unregister_on_ts(make_workspace, ui):
    ws = make_workspace(ui=ui)
    _imports(ws, "acme_sdk")
    git_init(ws.root)
    before = snapshot(ws.root)

    report = register(ws, "my_db", check=True)
    assert len(report.missing) == 6 and snapshot(ws.root) == before

    report = register(ws, "my_db")
    assert {s for s, _ in report.lines} == {ADDED}
    diff = _diff_only_adds(ws.root)
    assert '+        "MyDb",' in diff and '+          "name": "MyDb"' in diff
    assert '+              "$ref": "./connections/dashboard/myDbConnection.json"' in diff
    assert "DashboardServiceType.MyDb" in diff
    assert '+    "my-db": "MyDb",' in diff and '+    "my-db": set(),' in diff

    after = snapshot(ws.root)
    again = register(ws, "my_db")
    assert {s for s, _ in again.lines} == {ALREADY} and again.written == []
    assert snapshot(ws.root) == after
    assert register(ws, "my_db", check=True).missing == []

    gone = unregister(ws, "my_db")
    assert {s for s, _ in gone.lines} == {REMOVED}
    assert snapshot(ws.root) == before
    assert git(ws.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("ui", ["switch", "importmap"])
def test_register_database_connector_in_tsx_utils(make_workspace, ui):
    ws = make_workspace(ui=ui, connectors=(("database", "myDb", "MyDb"),))
    git_init(ws.root)
    before = snapshot(ws.root)
    report = register(ws, "my_db")
    assert report.connector.service_type == "database"
    assert any("DatabaseServiceUtils.tsx" in d for _, d in report.lines)
    # the database schema in the fixture has inline arrays: those lines grow, nothing else changes
    data = json.loads((ws.root / SERVICES / "databaseService.json").read_text())
    assert data["definitions"]["databaseServiceType"]["enum"][-1] == "MyDb"
    assert {"$ref": "./connections/database/myDbConnection.json"} in (
        data["definitions"]["databaseConnection"]["properties"]["config"]["oneOf"]
    )
    assert (
        "DatabaseServiceType.MyDb" in (ws.root / UI_ROOT / "src/utils/DatabaseServiceUtils.tsx").read_text()
    )
    unregister(ws, "my_db")
    assert snapshot(ws.root) == before


def test_partial_registration_is_completed_and_check_lists_only_the_rest(make_workspace):
    ws = make_workspace()
    _imports(ws, "acme_sdk")
    register(ws, "my_db")
    unregister_path = ws.root / "ingestion" / "setup.py"
    text = unregister_path.read_text().replace('    "my-db": set(),\n', "")
    unregister_path.write_text(text)
    report = register(ws, "my_db", check=True)
    assert report.missing == ["ingestion/setup.py: plugins['my-db'] extra"]
    assert [s for s, _ in register(ws, "my_db").lines].count(ADDED) == 1


@pytest.mark.parametrize(
    "imports,says",
    [
        ((), "my_db imports no third-party package"),
        (("boto3", "gamma_driver"), "its requirements install what my_db imports (boto3, gamma_driver)"),
    ],
)
def test_no_extra_where_the_connector_needs_none(make_workspace, imports, says):
    """Releases give an extra only to connectors whose imports nothing installs (1.1: none for
    metabase, mode, airbyte): register adds none there, and review asks for none."""
    from connkit.openmetadata.review import review

    ws = make_workspace()
    _imports(ws, *imports)
    setup = (ws.root / "ingestion" / "setup.py").read_text()
    report = register(ws, "my_db")
    assert (SKIPPED, f"ingestion/setup.py: no plugins extra needed: {says}") in report.lines
    assert (ws.root / "ingestion" / "setup.py").read_text() == setup
    assert register(ws, "my_db", check=True).missing == []
    assert review(ws, "my_db", rules=["schema/registered"]).findings == []


@pytest.mark.parametrize(
    "connector,name,key",
    [
        (("database", "azureSQL", "AzureSQL"), "azuresql", "azuresql"),  # 1.1's key, not azure-sql
        (("dashboard", "myDb", "MyDb"), "my_db", "my-db"),  # words joined as azure-sso, sap-hana
    ],
)
def test_the_extra_is_named_as_the_release_names_extras(make_workspace, connector, name, key):
    from connkit.openmetadata.review import review

    ws = make_workspace(connectors=(connector,))
    pkg = ws.root / "ingestion/src/metadata/ingestion/source" / connector[0] / name
    pkg.mkdir(parents=True)
    (pkg / "connection.py").write_text("import acme_sdk\n")
    findings = review(ws, name, rules=["schema/registered"]).findings
    (message,) = [f.message for f in findings if "extra" in f.message]
    assert f"plugins[{key!r}] extra" in message
    assert f"ingestion/setup.py: plugins[{key!r}] extra" in register(ws, name, check=True).missing
    register(ws, name)
    assert f'    "{key}": set(),\n' in (ws.root / "ingestion" / "setup.py").read_text()
    assert not [f for f in review(ws, name, rules=["schema/registered"]).findings if "extra" in f.message]


def test_an_existing_extra_under_another_spelling_is_the_connector_s(make_workspace):
    """1.1 has ``"datalake-s3"``-style variants: register adds no second extra beside one."""
    ws = make_workspace()
    _imports(ws, "acme_sdk")
    setup = ws.root / "ingestion" / "setup.py"
    setup.write_text(setup.read_text().replace('"omega": {},', '"omega": {},\n    "mydb": {"acme-sdk"},'))
    report = register(ws, "my_db")
    assert (ALREADY, "ingestion/setup.py: plugins['mydb'] extra") in report.lines
    assert "my-db" not in setup.read_text()


def test_optional_targets_are_skipped_when_absent(make_workspace):
    ws = make_workspace(ui=None, i18n=False, setup=False)
    report = register(ws, "my_db")
    added = [d for s, d in report.lines if s == ADDED]
    assert len(added) == 3 and all("dashboardService.json" in d for d in added)
    assert [s for s, _ in report.lines].count(SKIPPED) == 3


def test_i18n_labels_only_where_the_release_uses_them(make_workspace):
    ws = make_workspace()
    lang = ws.root / UI_ROOT / "src/locale/languages/en-us.json"
    lang.write_text('{\n  "label": {\n    "add": "Add"\n  }\n}\n')
    report = register(ws, "my_db")
    assert [s for s, d in report.lines if "en-us.json" in d] == [SKIPPED]


def test_service_type_override_and_ambiguity(make_workspace):
    ws = make_workspace(connectors=(("dashboard", "myDb", "MyDb"), ("database", "myDb", "MyDb")))
    with pytest.raises(UsageError, match="pass --service-type"):
        register(ws, "my_db")
    report = register(ws, "my_db", service_type="database")
    assert report.connector.service_type == "database"


def test_camel_name_comes_from_the_scaffolded_schema(make_workspace):
    ws = make_workspace(connectors=(("dashboard", "powerBi", "PowerBI"),))
    register(ws, "power_bi")
    data = json.loads((ws.root / DASH).read_text())
    assert "PowerBI" in data["definitions"]["dashboardServiceType"]["enum"]


def _break_json(ws):
    p = ws.root / DASH
    p.write_text(p.read_text().replace('"Gamma",', '"Gamma"', 1))


def _break_ts(ws):
    p = ws.root / UI_ROOT / "src/utils/DashboardServiceUtils.ts"
    text = p.read_text()
    p.write_text(text[: text.index("export const getDashboardConfig")])


def _drop_enum(ws):
    p = ws.root / DASH
    data = json.loads(p.read_text())
    del data["definitions"]["dashboardServiceType"]
    del data["properties"]["serviceType"]
    p.write_text(json.dumps(data, indent=2) + "\n")


def _break_setup(ws):
    p = ws.root / "ingestion" / "setup.py"
    p.write_text(p.read_text() + "\ndef broken(:\n")


@pytest.mark.parametrize(
    "breaker,message",
    [
        (_break_json, "invalid JSON at line"),
        (
            _break_ts,
            r"DashboardServiceUtils\.ts: no `switch`.*the shapes connkit edits: an import per schema",
        ),
        (_drop_enum, "no dashboardServiceType enum"),
        (_break_setup, "invalid Python"),
    ],
)
def test_malformed_target_changes_no_file(make_workspace, breaker, message):
    ws = make_workspace()
    breaker(ws)
    before = snapshot(ws.root)
    for call in (lambda: register(ws, "my_db"), lambda: unregister(ws, "my_db")):
        with pytest.raises(UsageError, match=message) as err:
            call()
        assert "\n" not in str(err.value)
        assert snapshot(ws.root) == before


def test_unknown_service_type_file_is_an_error(make_workspace):
    ws = make_workspace(connectors=(("pipeline", "myDb", "MyDb"),))
    before = snapshot(ws.root)
    with pytest.raises(UsageError, match="pipelineService.json does not exist"):
        register(ws, "my_db")
    assert snapshot(ws.root) == before


def test_unscaffolded_connector_is_a_usage_error(make_workspace):
    ws = make_workspace()
    with pytest.raises(UsageError, match="scaffold the connector"):
        register(ws, "other_db")
    with pytest.raises(UsageError, match="invalid connector name"):
        register(ws, "Bad-Name")


def _connkit(ws, *args):
    env = {**os.environ, "CONNKIT_WORKSPACE": str(ws.root)}
    src = str(SRC)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "connkit", *args], capture_output=True, text=True, env=env)


def test_cli_exit_codes(make_workspace):
    ws = make_workspace()
    _imports(ws, "acme_sdk")
    before = snapshot(ws.root)
    check = _connkit(ws, "register", "--name", "my_db", "--check")
    assert check.returncode == 1 and check.stdout.count(MISSING) == 6
    assert "6 registration(s) missing" in check.stderr
    assert snapshot(ws.root) == before
    assert _connkit(ws, "register", "--name", "my_db").returncode == 0
    second = _connkit(ws, "register", "--name", "my_db")
    assert second.returncode == 0 and "already registered" in second.stdout
    assert _connkit(ws, "register", "--name", "my_db", "--check").returncode == 0
    assert _connkit(ws, "unregister", "--name", "my_db").returncode == 0
    assert snapshot(ws.root) == before
    _break_json(ws)
    bad = _connkit(ws, "register", "--name", "my_db")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("connkit: error: openmetadata-spec/")


def test_workspace_manifest_decides_i18n_labels(make_workspace):
    ws = make_workspace()
    (ws.root / ".connkit-workspace.json").write_text('{"release": "1.4.0", "i18n_labels": false}')
    report = register(ws, "my_db")
    assert [s for s, d in report.lines if "en-us.json" in d] == [SKIPPED]
