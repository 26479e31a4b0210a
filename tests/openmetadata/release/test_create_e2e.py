"""End to end: the default workspace really assembled from PyPI + Maven Central artifacts.

The first create downloads into the download cache ($CONNKIT_DOWNLOAD_CACHE or
~/.cache/connkit/downloads); the second must come from that cache alone, in seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import tree_sitter_typescript as tst
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from tree_sitter import Language, Parser

from connkit.openmetadata.release import artifacts
from connkit.openmetadata.release.create import create_workspace
from connkit.openmetadata.workspace import TEST_CONNECTIONS, Workspace
from connkit.openmetadata.workspace.layout import detect_layout

pytestmark = pytest.mark.slow

BASE_CLASSES = {
    "database": ("database/common_db_source.py", "class CommonDbSourceService"),
    "dashboard": ("dashboard/dashboard_service.py", "class DashboardServiceSource"),
    "pipeline": ("pipeline/pipeline_service.py", "class PipelineServiceSource"),
    "messaging": ("messaging/messaging_service.py", "class MessagingServiceSource"),
    "mlmodel": ("mlmodel/mlmodel_service.py", "class MlModelServiceSource"),
    "storage": ("storage/storage_service.py", "class StorageServiceSource"),
    "search": ("search/search_service.py", "class SearchServiceSource"),
    "api": ("api/api_service.py", "class ApiServiceSource"),
}
#: Service types every release connkit can assemble here declares (api arrived after 1.4).
REQUIRED_TYPES = {"database", "dashboard", "pipeline", "messaging", "mlmodel", "storage", "search"}


@pytest.fixture(scope="module")
def default_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e") / "om"
    result = create_workspace(root, progress=lambda m: print(m, file=sys.stderr))
    print(f"first create: {result.seconds:.1f}s, downloaded={result.downloaded}", file=sys.stderr)
    return result


def test_tree_holds_the_release(default_ws):
    ws = Workspace(default_ws.path)
    layout = detect_layout(ws.root)
    assert layout.origin == "assembled"
    assert layout.release == default_ws.release.maven_version
    assert REQUIRED_TYPES <= set(layout.service_types)
    schemas = list(ws.spec_schema_dir.rglob("*.json"))
    assert len(schemas) > 300
    for service_type in layout.service_types:
        assert ws.service_schema(service_type).is_file()
        assert list(ws.connections_dir(service_type).glob("*Connection.json")), service_type
        module, cls = BASE_CLASSES[service_type]
        source = ws.root / "ingestion/src/metadata/ingestion/source" / module
        assert cls in source.read_text(), module
        ui = layout.services[service_type]
        assert ui.path and ui.connectors, service_type
    assert (ws.root / "ingestion/setup.py").is_file()
    assert list(ws.generated_dir.rglob("*.py"))


def test_test_connections_are_valid_definitions(default_ws):
    ws = Workspace(default_ws.path)
    registry = Registry()
    for path in ws.spec_schema_dir.rglob("*.json"):
        contents = json.loads(path.read_text())
        if "$id" in contents:
            registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    definition = json.loads(
        (ws.spec_schema_dir / "entity/services/connections/testConnectionDefinition.json").read_text()
    )
    validator = Draft7Validator(definition, registry=registry)
    files = list(
        (ws.root / "openmetadata-service/src/main/resources/json/data/testConnections").rglob("*.json")
    )
    assert len(files) > 40
    for path in files:
        errors = list(validator.iter_errors(json.loads(path.read_text())))
        assert not errors, f"{path.name}: {errors[0].message}"


def test_ui_utils_parse(default_ws):
    layout = detect_layout(default_ws.path)
    for ui in layout.services.values():
        if ui.path is None:
            continue
        language = tst.language_tsx() if ui.extension == ".tsx" else tst.language_typescript()
        tree = Parser(Language(language)).parse((default_ws.path / ui.path).read_bytes())
        assert not tree.root_node.has_error, ui.path


def test_git_repository_is_clean(default_ws):
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=default_ws.path, capture_output=True, text=True
    )
    assert status.returncode == 0 and status.stdout == ""
    ignored = (default_ws.path / ".gitignore").read_text()
    for entry in (".connkit/", "CONNECTOR_CONTEXT.md", "node_modules/", "target/"):
        assert entry in ignored


def test_second_create_is_offline_and_fast(default_ws, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a registry client ran: {args}")

    monkeypatch.setattr(artifacts, "_run", refuse)
    again = create_workspace(tmp_path / "again", default_ws.release.pypi_version)
    assert again.downloaded is False
    assert again.seconds < 15
    assert again.files == default_ws.files
    print(f"second create: {again.seconds:.2f}s", file=sys.stderr)


def test_derived_test_connections_are_what_review_expects(default_ws):
    """Derived through the same reading of ``connection.py`` as review's rule: literal keys,
    keys filled in one by one (superset), and the steps a shared helper adds for each key of
    the ``queries`` dict (postgres, redshift) or builds for another connector (redpanda)."""
    from connkit.openmetadata.review import review
    from tests.openmetadata.review.test_ruff_release import connectors

    ws = Workspace(default_ws.path)
    checked, wrong = [], []
    for conn in connectors(ws):
        if not (ws.root / conn.test_connection).is_file():
            continue  # keys no reading of the source finds (1.4's saphana returns them from a builder)
        result = review(
            ws, conn.name, conn.service_type, rules=["schema/test-connection", "schema/test-steps-match"]
        )
        checked.append(conn.name)
        wrong += [f"{conn.name}: {f.message}" for f in result.findings]
    assert wrong == [] and len(checked) > 60
    assert {"superset", "postgres", "redshift", "redpanda", "mssql"} <= set(checked)
    steps = json.loads((ws.root / TEST_CONNECTIONS / "database" / "postgres.json").read_text())["steps"]
    assert [s["name"] for s in steps][:2] == ["CheckAccess", "GetSchemas"] and "GetQueries" in str(steps)
    assert steps[0]["mandatory"] and not steps[-1]["mandatory"]
