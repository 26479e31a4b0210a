"""A minimal connector, as the scaffold lays one out, for the toolchain tests to build."""

from __future__ import annotations

import json
from pathlib import Path

from connkit.openmetadata.connectors import Connector


def connection_schema(service_type: str, name: str) -> dict:
    n = Connector.named(name, service_type)
    return {
        "$id": f"https://open-metadata.org/schema/entity/services/connections/{service_type}/"
        f"{n.module}Connection.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"{n.camel}Connection",
        "description": f"{n.camel} Connection Config",
        "type": "object",
        "javaType": f"org.openmetadata.schema.services.connections.{service_type}.{n.camel}Connection",
        "definitions": {
            f"{n.module}Type": {
                "description": "Service type.",
                "type": "string",
                "enum": [n.camel],
                "default": n.camel,
            }
        },
        "properties": {
            "type": {"$ref": f"#/definitions/{n.module}Type", "default": n.camel},
            "hostPort": {"title": "Host and Port", "type": "string", "format": "uri", "expose": True},
            "username": {"title": "Username", "type": "string"},
            "password": {"title": "Password", "type": "string", "format": "password"},
            "schemaFilterPattern": {"$ref": "../../../../type/filterPattern.json#/definitions/filterPattern"},
            "supportsMetadataExtraction": {
                "$ref": "../connectionBasicType.json#/definitions/supportsMetadataExtraction"
            },
        },
        "additionalProperties": False,
        "required": ["hostPort", "username"],
    }


METADATA_PY = '''"""{camel} source (test fixture)."""

from metadata.generated.schema.entity.services.connections.{type}.{module}Connection import (
    {camel}Connection,
)


def describe(config: {camel}Connection) -> str:
    return f"{{config.hostPort}} as {{config.username}}"
'''

TEST_PY = '''"""{camel} unit tests (test fixture)."""

from metadata.generated.schema.entity.services.connections.{type}.{module}Connection import (
    {camel}Connection,
)
from metadata.ingestion.source.{type}.{name}.metadata import describe


def test_sample_config_validates():
    config = {camel}Connection.parse_obj(
        {{"hostPort": "http://localhost:8080", "username": "admin", "password": "secret"}}
    )
    assert describe(config) == "http://localhost:8080 as admin"
'''


def add_connector(root: Path, service_type: str, name: str) -> dict[str, Path]:
    """Write a connector's schema, package (with CONNECTOR_CONTEXT.md) and unit test."""
    n = Connector.named(name, service_type)
    fields = {"camel": n.camel, "module": n.module, "name": name, "type": service_type}
    spec = root / "openmetadata-spec/src/main/resources/json/schema/entity/services/connections"
    paths = {
        "schema": spec / service_type / f"{n.module}Connection.json",
        "package": root / "ingestion/src/metadata/ingestion/source" / service_type / name,
        "test": root / "ingestion/tests/unit/topology" / service_type / f"test_{name}.py",
    }
    paths["schema"].write_text(json.dumps(connection_schema(service_type, name), indent=2) + "\n")
    paths["package"].mkdir(parents=True, exist_ok=True)
    (paths["package"] / "__init__.py").write_text("")
    (paths["package"] / "metadata.py").write_text(METADATA_PY.format(**fields))
    (paths["package"] / "CONNECTOR_CONTEXT.md").write_text(f"# {n.camel}\n")
    paths["test"].parent.mkdir(parents=True, exist_ok=True)
    paths["test"].write_text(TEST_PY.format(**fields))
    paths["metadata"] = paths["package"] / "metadata.py"
    return paths
