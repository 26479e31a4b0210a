"""Rules follow the conventions of the release they run on, read from its files.

Each case is a small tree shaped like something the 1.1 checkout does (extras only for
connectors that need them, test_fn built by a shared helper, tests named after something
else, packages that are not connectors); the checkout itself is reviewed in
test_review_checkout.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.register import register
from connkit.openmetadata.review import RULES, review
from connkit.openmetadata.review.output import render, to_sarif
from connkit.openmetadata.workspace import UI_ROOT, Workspace
from tests.conftest import SRC
from tests.om_workspace import build_connector_workspace

PKG = "ingestion/src/metadata/ingestion/source/dashboard/my_db"
TEST_CONN = "openmetadata-service/src/main/resources/json/data/testConnections/dashboard/myDb.json"
HEADER = "#  Copyright 2026 connkit test fixture\n#  Licensed under the Apache License, Version 2.0\n"
SETUP = """{header}
from typing import Dict, Set

from setuptools import setup

VERSIONS = {{"pydantic": "pydantic~=1.10", "acme": "acme-sdk~=1.0"}}
base_requirements = {{"requests>=2.23", VERSIONS["pydantic"], "PyYAML"}}
plugins: Dict[str, Set[str]] = {{
{plugins}
}}
setup(install_requires=list(base_requirements), extras_require=dict(plugins))
"""


def _registered(tmp_path: Path) -> Workspace:
    ws = build_connector_workspace(tmp_path / "ws")
    register(ws, "my_db")
    return ws


def _setup(ws: Workspace, *entries: str) -> None:
    lines = "\n".join(f"    {e}," for e in entries) or '    "other": {"other-sdk"},'
    (ws.root / "ingestion" / "setup.py").write_text(SETUP.format(header=HEADER, plugins=lines))


def _module(ws: Workspace, name: str, body: str) -> None:
    (ws.root / PKG / name).write_text(HEADER + '"""A module."""\n\n' + body)


def _registered_findings(ws: Workspace) -> list[str]:
    return [f.message for f in review(ws, "my_db", rules=["schema/registered"]).findings]


# -- setup.py extras: only where the connector needs packages the base install lacks ----------


def test_no_extra_is_needed_when_the_base_requirements_install_every_import(tmp_path):
    """1.1's metabase, mode, airbyte, fivetran, sqlite: requests/pydantic/sqlalchemy are base."""
    ws = _registered(tmp_path)
    _setup(ws)  # no "my-db" key; the connector imports requests, which base installs
    _module(ws, "models.py", "import pydantic\nimport yaml\n")  # PyYAML installs `yaml`
    assert _registered_findings(ws) == []


def test_an_import_no_requirement_installs_asks_for_the_extra(tmp_path):
    ws = _registered(tmp_path)
    _setup(ws)
    _module(ws, "client2.py", "import acme_sdk\n")
    (finding,) = review(ws, "my_db", rules=["schema/registered"]).findings
    assert finding.path == "ingestion/setup.py" and finding.line > 1
    assert "plugins['my-db'] extra" in finding.message and "acme_sdk" in finding.message


@pytest.mark.parametrize(
    "entry",
    [
        '"mydb": {VERSIONS["acme"]}',  # spelled like the package, as 1.1 spells azuresql, powerbi
        '"my_db-s3": {VERSIONS["acme"]}',  # a variant of it, as datalake-s3 / datalake-gcs
        '"acme": {VERSIONS["acme"]}',  # an extra shared with others, as 1.1's "domo"
    ],
)
def test_an_extra_under_the_release_spelling_or_a_shared_one_counts(tmp_path, entry):
    ws = _registered(tmp_path)
    _setup(ws, entry)
    _module(ws, "client2.py", "import acme_sdk\n")
    assert _registered_findings(ws) == []


def test_a_ui_case_whose_schema_comes_from_elsewhere_is_registered(tmp_path):
    """1.1's superset imports a hand-edited ./ConnectionSchemas/SupersetConnection.json."""
    ws = _registered(tmp_path)
    ui = ws.root / UI_ROOT / "src" / "utils" / "DashboardServiceUtils.ts"
    text = ui.read_text()
    old = "../jsons/connectionSchemas/connections/dashboard/myDbConnection.json"
    assert old in text
    ui.write_text(text.replace(old, "./ConnectionSchemas/MyDbConnection.json"))
    assert _registered_findings(ws) == []
    ui.write_text(text.replace("DashboardServiceType.MyDb", "DashboardServiceType.Other"))
    assert any("DashboardServiceType.MyDb" in m for m in _registered_findings(ws))


# -- test_fn built by a shared helper (1.1's SQLAlchemy connectors, redpanda on kafka) -----------

HELPER = '''{header}"""Shared test-connection helpers."""

from functools import partial


def test_query(engine, statement):
    return engine.execute(statement)


def test_connection_db_common(metadata, engine, service_connection, automation_workflow=None, queries=None):
    test_fn = {{"CheckAccess": engine.connect, "GetTables": engine.tables}}
    if queries:
        for key, query in queries.items():
            test_fn[key] = partial(test_query, statement=query, engine=engine)
    test_connection_steps(metadata=metadata, test_fn=test_fn)
'''
CONNECTION = '''{header}"""Connection helpers."""

from metadata.ingestion.connections.test_connections import test_connection_db_common


def test_connection(metadata, engine, service_connection, automation_workflow=None) -> None:
    queries = {{"GetQueries": "select 1"}}
    test_connection_db_common(metadata=metadata, engine=engine, service_connection=service_connection,
                              queries=queries)
'''


def _helper_tree(tmp_path: Path, steps: list[str]) -> Workspace:
    ws = _registered(tmp_path)
    helper = ws.ingestion_dir / "src" / "metadata" / "ingestion" / "connections" / "test_connections.py"
    helper.parent.mkdir(parents=True)
    helper.write_text(HELPER.format(header=HEADER))
    (ws.root / PKG / "connection.py").write_text(CONNECTION.format(header=HEADER))
    definition = json.loads((ws.root / TEST_CONN).read_text())
    definition["steps"] = [{"name": n, "description": n, "mandatory": True} for n in steps]
    (ws.root / TEST_CONN).write_text(json.dumps(definition, indent=2))
    return ws


def test_steps_built_by_a_shared_helper_are_compared_with_the_definition(tmp_path):
    ws = _helper_tree(tmp_path / "same", ["CheckAccess", "GetTables", "GetQueries"])
    assert [f.message for f in review(ws, "my_db", rules=["schema/test-steps-match"]).findings] == []

    ws = _helper_tree(tmp_path / "differ", ["CheckAccess", "GetTables"])
    (finding,) = review(ws, "my_db", rules=["schema/test-steps-match"]).findings
    assert finding.severity.value == "BLOCKER"
    assert "built by test_connection_db_common()" in finding.message
    assert "functions without a step ['GetQueries']" in finding.message


# -- unit tests named after something else (1.1: test_databricks_pipeline.py, test_storage.py) --


def test_a_topology_test_that_imports_the_package_is_its_unit_test(tmp_path):
    ws = _registered(tmp_path)
    unit = ws.ingestion_dir / "tests" / "unit" / "topology" / "dashboard"
    (unit / "test_my_db.py").rename(unit / "test_mydb_topology.py")
    assert any(f.rule_id == "tests/missing" for f in review(ws, "my_db").findings)
    (unit / "test_mydb_topology.py").write_text(
        HEADER
        + "import unittest\n\nfrom metadata.ingestion.source.dashboard.my_db.client import MyDbClient\n\n\n"
        "class T(unittest.TestCase):\n    def test_x(self):\n        self.assertTrue(MyDbClient)\n"
    )
    findings = review(ws, "my_db").findings
    assert not any(f.rule_id == "tests/missing" for f in findings)
    style = [f for f in findings if f.rule_id == "tests/pytest-style"]  # and the test rules read it
    assert [f.path for f in style] == [ws.rel(unit / "test_mydb_topology.py")]


# -- what is not a connector ---------------------------------------------------------------


def _connkit(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONNKIT_WORKSPACE": str(ws.root), "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "connkit", *args], capture_output=True, text=True, env=env)


def test_a_package_without_a_connection_schema_is_refused_in_one_line(tmp_path):
    """1.1's database/dbt and database/query sit beside the connectors but have no schema."""
    ws = build_connector_workspace(tmp_path / "ws")
    helpers = ws.root / "ingestion/src/metadata/ingestion/source/database/dbt"
    helpers.mkdir(parents=True)
    (helpers / "metadata.py").write_text(HEADER)
    with pytest.raises(UsageError, match="database/dbt/ is not a connector with a connection schema"):
        review(ws, "dbt")
    res = _connkit(ws, "review", "--name", "dbt", "--format", "json")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and "not a connector with a connection schema" in res.stderr


def test_a_source_of_a_service_type_connkit_does_not_know_is_refused(tmp_path):
    ws = build_connector_workspace(tmp_path / "ws")
    (ws.root / "ingestion/src/metadata/ingestion/source/metadata/amundsen").mkdir(parents=True)
    res = _connkit(ws, "review", "--name", "amundsen")
    assert res.returncode == 2 and "amundsen is a metadata source" in res.stderr


# -- noisy rules say so beside their findings ----------------------------------------------


def test_a_noisy_rule_carries_its_note_in_every_format(tmp_path):
    ws = _registered(tmp_path)
    _module(ws, "extra.py", "def f(cursor: object) -> list:\n    return cursor.fetchall()\n")
    result = review(ws, "my_db")
    noise = RULES["memory/fetchall"].noise
    assert noise and "catalogue queries" in noise
    assert f"note [memory/fetchall]: {noise}" in render(result, "text")
    assert json.loads(render(result, "json"))["notes"]["memory/fetchall"] == noise
    sarif_rules = {r["id"]: r for r in to_sarif(result)["runs"][0]["tool"]["driver"]["rules"]}
    assert noise in sarif_rules["memory/fetchall"]["fullDescription"]["text"]
    assert "memory/unbounded-read" not in json.loads(render(result, "json"))["notes"]
