"""One connector model: found by schema or package, matched ignoring case and underscores."""

from __future__ import annotations

import json

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.connectors import Connector, declared_connectors, find_connector, find_connectors
from connkit.openmetadata.workspace import Workspace
from tests.openmetadata.release.trees import write_spec

SCHEMAS = "openmetadata-spec/src/main/resources/json/schema/entity/services/connections"
SOURCE = "ingestion/src/metadata/ingestion/source"
TEST_CONNECTIONS = "openmetadata-service/src/main/resources/json/data/testConnections"


def _schema(ws: Workspace, service_type: str, module: str, camel: str) -> None:
    path = ws.root / SCHEMAS / service_type / f"{module}Connection.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"definitions": {f"{module}Type": {"type": "string", "enum": [camel]}}}))


def _package(ws: Workspace, service_type: str, name: str) -> None:
    (ws.root / SOURCE / service_type / name).mkdir(parents=True)


def test_package_and_schema_spelled_differently_are_one_connector(tmp_path):
    ws = Workspace(tmp_path)
    _schema(ws, "database", "azureSQL", "AzureSQL")
    _package(ws, "database", "azuresql")
    found = find_connector(ws, "azuresql")
    assert found == Connector(
        name="azuresql",
        service_type="database",
        camel="AzureSQL",
        module="azureSQL",
        package=f"{SOURCE}/database/azuresql",
        schema=f"{SCHEMAS}/database/azureSQLConnection.json",
        test_connection="openmetadata-service/src/main/resources/json/data/testConnections/database/azureSQL.json",
    )
    assert find_connectors(ws) == [found]
    assert find_connector(ws, "azure_sql").schema == found.schema  # the snake spelling finds it too


def test_the_test_connection_file_on_disk_wins_whatever_its_spelling(tmp_path):
    """1.1 names most after the package (azuresql.json), newer scaffolds after the module."""
    ws = Workspace(tmp_path)
    _schema(ws, "database", "azureSQL", "AzureSQL")
    _package(ws, "database", "azuresql")
    folder = ws.root / TEST_CONNECTIONS / "database"
    folder.mkdir(parents=True)
    (folder / "azuresql.json").write_text("{}")
    (folder / "mysql.json").write_text("{}")
    assert find_connector(ws, "azuresql").test_connection == f"{TEST_CONNECTIONS}/database/azuresql.json"
    (folder / "azureSQL.json").write_text("{}")  # scaffold's spelling, when present, comes first
    assert find_connector(ws, "azuresql").test_connection == f"{TEST_CONNECTIONS}/database/azureSQL.json"


def test_a_source_of_a_type_connkit_does_not_work_on_is_named_as_such(tmp_path):
    ws = Workspace(tmp_path)
    _package(ws, "metadata", "amundsen")
    with pytest.raises(
        UsageError, match=r"amundsen is a metadata source \(.*/metadata/amundsen/\): metadata is not"
    ):
        find_connector(ws, "amundsen")


def test_without_a_schema_the_package_decides_and_names_come_from_the_name(tmp_path):
    ws = Workspace(tmp_path)
    _package(ws, "pipeline", "acme_flow")
    found = find_connector(ws, "acme_flow")
    assert found == Connector.named("acme_flow", "pipeline")
    assert (found.camel, found.module) == ("AcmeFlow", "acmeFlow")
    assert found.schema == f"{SCHEMAS}/pipeline/acmeFlowConnection.json"
    assert find_connectors(ws) == []  # a connector needs both to be listed


def test_lookup_errors_say_what_to_do(tmp_path):
    ws = Workspace(tmp_path)
    _schema(ws, "database", "myDb", "MyDb")
    _schema(ws, "dashboard", "myDb", "MyDb")
    with pytest.raises(UsageError, match="invalid connector name 'Bad-Name'"):
        find_connector(ws, "Bad-Name")
    with pytest.raises(UsageError, match="unknown service type 'nope'"):
        find_connector(ws, "my_db", "nope")
    with pytest.raises(UsageError, match="dashboard, database: pass --service-type"):
        find_connector(ws, "my_db")
    assert find_connector(ws, "my_db", "database").service_type == "database"
    with pytest.raises(UsageError, match="no connector 'other'.*scaffold the connector first"):
        find_connector(ws, "other")


def test_declared_connectors_follow_config_refs_and_take_package_names(tmp_path):
    write_spec(tmp_path, types=("database",))
    ws = Workspace(tmp_path)
    _package(ws, "database", "bigquery")
    found = declared_connectors(ws)
    assert list(found) == ["database"]
    assert [(c.camel, c.module, c.name) for c in found["database"]] == [
        ("Mysql", "mysql", "mysql"),
        ("BigQuery", "bigQuery", "bigquery"),
    ]
    assert found["database"][1].schema == f"{SCHEMAS}/database/bigQueryConnection.json"
