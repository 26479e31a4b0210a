"""`connkit scaffold` on the real OpenMetadata checkout (../shared/openmetadata, 1.1): slow tier.

One connector of each service type the release has, scaffolded by the real command into a
private copy of the checkout (the session's tree stays pristine for the other tests), then
checked against what the release itself has: its Python, its JSON-schema tree, its licence
header, its model generator and its ingestion framework running the connectors' unit tests.
Bad input is tried on the session's tree itself, which must not change by a byte.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.scaffold import checks
from connkit.openmetadata.scaffold.conventions import service_types
from connkit.openmetadata.workspace import Workspace
from tests.conftest import run_connkit

from . import release_env
from .helpers import GRAFANA, run_cli, tree_digest

pytestmark = pytest.mark.slow

# name → (service type, connection type, flags after --name NAME)
CONNECTORS = {
    "grafana": ("dashboard", "rest_api", GRAFANA[2:]),
    "quuxdb": (
        "database",
        "sqlalchemy",
        [
            "--service-type",
            "database",
            "--connection-type",
            "sqlalchemy",
            "--capabilities",
            "metadata,lineage,usage",
        ],
    ),
    "quuxrest": (
        "database",
        "rest_api",
        [
            "--service-type",
            "database",
            "--connection-type",
            "rest_api",
            "--auth-types",
            "basic,token",
            "--api-endpoints",
            "/api/v1/tables, POST /api/v1/query, DELETE /api/v1/tables/{tableId}",
        ],
    ),
    "acmepipe": ("pipeline", "rest_api", ["--service-type", "pipeline", "--auth-types", "basic"]),
    "acmemsg": ("messaging", "rest_api", ["--service-type", "messaging", "--auth-types", "iam"]),
    "acmeml": (
        "mlmodel",
        "sdk_client",
        [
            "--service-type",
            "mlmodel",
            "--connection-type",
            "sdk_client",
            "--auth-types",
            "oauth,azure",
            "--sdk-package",
            "json",
        ],
    ),
    "acmestore": (
        "storage",
        "rest_api",
        [
            "--service-type",
            "storage",
            "--auth-types",
            "iam",
            "--api-endpoints",
            "GET /v1/buckets?prefix=, GET /v1/buckets/:bucket",
        ],
    ),
}
# The release's own connector of each type whose header a new file must carry.
NEIGHBOURS = {
    "dashboard": "metabase",
    "database": "mysql",
    "pipeline": "airflow",
    "messaging": "kafka",
    "mlmodel": "mlflow",
    "storage": "s3",
}


@pytest.fixture(scope="module")
def scaffolded(om_checkout):
    """Every connector scaffolded into a private copy, its models generated, its unit tests run."""
    base = om_checkout.root.parent
    root = base / "scaffold-tree"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(om_checkout.root, root, symlinks=True)
    ws = Workspace(root)
    for name, (_, _, flags) in CONNECTORS.items():
        proc = run_connkit("scaffold", "--name", name, *flags, cwd=root, env=om_checkout.env())
        assert proc.returncode == 0, proc.stderr
    python = release_env.framework_python(root, base / "scaffold-venv")
    cache = base / "downloads"
    cache.mkdir(exist_ok=True)
    release_env.generate_models(root, python, cache)
    report = base / "scaffold-unit.xml"
    tests = [
        f"tests/unit/topology/{service_type}/test_{name}.py"
        for name, (service_type, _, _) in CONNECTORS.items()
    ]
    proc = release_env.run_pytest(root, python, tests, report)
    return ws, python, junit(report), proc.stdout[-4000:] + proc.stderr[-2000:]


def junit(report: Path) -> dict[str, dict[str, str]]:
    """test module → test name → "passed" or what went wrong."""
    out: dict[str, dict[str, str]] = {}
    if not report.exists():
        return out
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = f"{child.tag}: {child.get('message', '')[:400]}"
        module = case.get("classname", "").rsplit(".", 1)[-1]
        out.setdefault(module, {})[case.get("name", "")] = outcome
    return out


def written_python(ws: Workspace, name: str, service_type: str) -> list[Path]:
    pkg = ws.source_package(service_type, name)
    tests = ws.root / "ingestion" / "tests"
    return sorted(
        [*pkg.glob("*.py"), *tests.rglob(f"test_{name}*.py"), *(tests / "integration" / name).glob("*.py")]
    )


def test_a_connector_of_every_service_type_the_release_has(scaffolded):
    ws = scaffolded[0]
    assert set(service_types(ws)) == {t for t, _, _ in CONNECTORS.values()}
    assert {(t, c) for t, c, _ in CONNECTORS.values() if t == "database"} == {
        ("database", "sqlalchemy"),
        ("database", "rest_api"),
    }


@pytest.mark.parametrize("name", CONNECTORS)
def test_the_files_compile_with_the_releases_python(scaffolded, name):
    ws, python, _, _ = scaffolded
    files = written_python(ws, name, CONNECTORS[name][0])
    assert len(files) >= 5
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, py_compile; [py_compile.compile(f, doraise=True) for f in sys.argv[1:]]",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", CONNECTORS)
def test_the_schema_is_draft_07_and_resolves_in_the_real_spec_tree(scaffolded, name):
    ws = scaffolded[0]
    service_type = CONNECTORS[name][0]
    connector = Connector.named(name, service_type)
    schema = json.loads(ws.connection_schema(service_type, connector.module).read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    assert checks.schema_problems(schema) == []
    assert checks.unresolved_refs(schema, ws.spec_schema_dir) == []
    refs = json.dumps(schema)
    assert "/common/" not in refs  # this release has no shared auth schemas: fields are inline
    definition = json.loads(ws.test_connection(service_type, connector.module).read_text())
    tcd = json.loads(
        (ws.spec_schema_dir / "entity/services/connections/testConnectionDefinition.json").read_text()
    )
    assert checks.validation_errors(definition, tcd, ws.spec_schema_dir) == []


@pytest.mark.parametrize("name", CONNECTORS)
def test_steps_equal_the_test_fn_keys(scaffolded, name):
    ws = scaffolded[0]
    service_type = CONNECTORS[name][0]
    connector = Connector.named(name, service_type)
    keys = checks.test_fn_keys((ws.source_package(service_type, name) / "connection.py").read_text())
    definition = json.loads(ws.test_connection(service_type, connector.module).read_text())
    assert keys == checks.step_names(definition)


def licence(text: str) -> list[str]:
    """The comment block a file opens with, the copyright year left out."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(re.sub(r"Copyright \d{4}", "Copyright YEAR", line))
    return lines


@pytest.mark.parametrize("name", CONNECTORS)
def test_the_licence_header_is_the_trees(scaffolded, name):
    ws = scaffolded[0]
    service_type = CONNECTORS[name][0]
    neighbour = ws.source_package(service_type, NEIGHBOURS[service_type]) / "metadata.py"
    expected = licence(neighbour.read_text())
    assert any("Apache License, Version 2.0" in line for line in expected)
    for path in written_python(ws, name, service_type):
        assert licence(path.read_text()) == expected, path


@pytest.mark.parametrize("name", CONNECTORS)
def test_its_unit_tests_pass_against_the_releases_framework(scaffolded, name):
    _, _, results, log = scaffolded
    service_type, connection_type, _ = CONNECTORS[name]
    outcomes = results.get(f"test_{name}")
    assert outcomes, f"no results for test_{name}.py:\n{log}"
    assert {test: outcome for test, outcome in outcomes.items() if outcome != "passed"} == {}
    expected = {
        "test_create_rejects_a_config_of_another_connector",
        "test_the_framework_loader_finds_the_source",
        "test_step_names_equal_the_test_fn_keys",
    }
    if connection_type == "sqlalchemy":
        expected |= {
            "test_every_step_passes_against_a_real_engine",
            "test_the_engine_url_comes_from_the_config",
        }
    else:
        expected |= {
            "test_client_paginates_every_page_over_one_session",
            "test_every_step_passes_against_the_api",
            "test_the_source_emits_what_the_api_lists",
        }
    assert expected <= set(outcomes)


def test_path_parameters_reach_the_client_quoted(scaffolded):
    _, _, results, _ = scaffolded
    for name in ("grafana", "quuxrest", "acmestore"):
        assert (
            results[f"test_{name}"]["test_each_endpoint_method_requests_its_path_with_quoted_parameters"]
            == "passed"
        )


# --- bad input on the session's checkout: one line naming the fix, exit 2, no byte changed ---

BAD = [
    (
        ["--name", "metabase", "--service-type", "dashboard"],
        "ingestion/src/metadata/ingestion/source/dashboard/metabase already exists",
    ),
    (
        ["--name", "mysql", "--service-type", "database"],
        "ingestion/src/metadata/ingestion/source/database/mysql already exists",
    ),
    (["--name", "mysql", "--service-type", "database", "--force"], "--name mysql is taken"),
    (
        ["--name", "metabase", "--service-type", "pipeline"],
        "dashboard/metabase already exists (a dashboard connector)",
    ),
    (
        ["--name", "kafka", "--service-type", "storage"],
        "messaging/kafka already exists (a messaging connector)",
    ),
    (
        ["--name", "big_query", "--service-type", "database"],
        "database/bigQueryConnection.json already exists",
    ),
    (
        ["--name", "new_search", "--service-type", "search"],
        "has no search services (openmetadata-spec/src/main/resources/json/schema/entity/services/searchService.json "
        "is missing); choose from database, dashboard, pipeline, messaging, mlmodel, storage",
    ),
    (["--name", "new_api", "--service-type", "api"], "has no api services"),
    (
        ["--name", "new_dash", "--service-type", "dashboard", "--api-endpoints", "FETCH /api/x"],
        "unknown HTTP method",
    ),
    (
        ["--name", "amundsen", "--service-type", "database"],
        "metadata/amundsen already exists (a metadata connector)",
    ),
    (["--name", "new_db", "--service-type", "database", "--capabilities", "data_diff"], "has no data diff"),
    (
        ["--name", "new_db", "--service-type", "database", "--capabilities", "stored_procedures"],
        "has no stored procedures",
    ),
    (
        ["--name", "new_dash", "--service-type", "dashboard", "--auth-types", "kerberos"],
        "unknown --auth-types",
    ),
]


@pytest.fixture(scope="module")
def pristine(om_checkout):
    before = tree_digest(om_checkout.root)
    yield om_checkout
    assert tree_digest(om_checkout.root) == before


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_on_the_checkout_changes_nothing(pristine, args, message):
    before = tree_digest(pristine.root / "ingestion" / "src" / "metadata" / "ingestion" / "source")
    proc = run_connkit("scaffold", *args, cwd=pristine.root, env=pristine.env())
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("connkit: error: "), proc.stderr
    assert message in lines[0]
    assert tree_digest(pristine.root / "ingestion" / "src" / "metadata" / "ingestion" / "source") == before


def test_the_prompt_offers_only_what_the_release_has(pristine, monkeypatch, capsys):
    """Asked on a terminal: search (absent in 1.1) is refused and asked again; nothing is written."""
    answers = iter(["metabase", "search", "dashboard", "rest_api", "", "", "basic", "", "0", "", "", "n"])
    monkeypatch.chdir(pristine.root)
    monkeypatch.delenv("CONNKIT_WORKSPACE", raising=False)
    monkeypatch.setattr("builtins.input", lambda *a, **k: next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code, out, err = run_cli([], capsys)
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)  # the terminal's colours
    assert next(answers, None) is None
    offered = re.search(r"Service type \[([^\]]+)\]", out)
    assert offered and offered.group(1).split("/") == [
        "database",
        "dashboard",
        "pipeline",
        "messaging",
        "mlmodel",
        "storage",
    ]
    assert "Please select one of the available options" in out
    auth = re.search(r"Auth types \(([^;]+);", out)
    assert auth and auth.group(1).split(", ") == ["basic", "iam", "azure", "jwt", "token", "oauth"]
    assert code == 2 and "dashboard/metabase already exists" in err
