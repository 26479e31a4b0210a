"""A SQLAlchemy database connector written by hand for a 1.1 checkout, for the stack tests.

The stack tests scaffold their connector with the real ``connkit scaffold``; where the scaffold
cannot yet render a connector for this release (it says why), these files stand in, in the
shape the scaffold writes for 1.1 (inline auth fields, function-style connection, a
``CommonDbSourceService`` source), so the stack is still proven against the real server.
``connkit register`` then registers it as it would a scaffolded one.
"""

from __future__ import annotations

import json
from pathlib import Path

HEADER = """#  Copyright 2025 Collate
#  Licensed under the Apache License, Version 2.0 (the "License");
#  you may not use this file except in compliance with the License.
#  You may obtain a copy of the License at
#  http://www.apache.org/licenses/LICENSE-2.0
#  Unless required by applicable law or agreed to in writing, software
#  distributed under the License is distributed on an "AS IS" BASIS,
#  WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
#  See the License for the specific language governing permissions and
#  limitations under the License.
"""

CONNECTION_PY = '''"""
{camel} connection: SQLAlchemy over {scheme}
"""
from typing import Optional

from sqlalchemy.engine import Engine

from metadata.generated.schema.entity.automations.workflow import (
    Workflow as AutomationWorkflow,
)
from metadata.generated.schema.entity.services.connections.database.{module}Connection import (
    {camel}Connection,
)
from metadata.ingestion.connections.builders import (
    create_generic_db_connection,
    get_connection_args_common,
    get_connection_url_common,
)
from metadata.ingestion.connections.test_connections import test_connection_db_common
from metadata.ingestion.ometa.ometa_api import OpenMetadata


def get_connection(connection: {camel}Connection) -> Engine:
    """Create the SQLAlchemy engine"""
    return create_generic_db_connection(
        connection=connection,
        get_connection_url_fn=get_connection_url_common,
        get_connection_args_fn=get_connection_args_common,
    )


def test_connection(
    metadata: OpenMetadata,
    engine: Engine,
    service_connection: {camel}Connection,
    automation_workflow: Optional[AutomationWorkflow] = None,
) -> None:
    """Run the test connection steps"""
    test_connection_db_common(
        metadata=metadata,
        engine=engine,
        service_connection=service_connection,
        automation_workflow=automation_workflow,
    )
'''

METADATA_PY = '''"""
{camel} source: tables and views through SQLAlchemy
"""
from metadata.generated.schema.entity.services.connections.database.{module}Connection import (
    {camel}Connection,
)
from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
    OpenMetadataConnection,
)
from metadata.generated.schema.metadataIngestion.workflow import (
    Source as WorkflowSource,
)
from metadata.ingestion.api.source import InvalidSourceException
from metadata.ingestion.source.database.common_db_source import CommonDbSourceService


class {camel}Source(CommonDbSourceService):
    """{camel} metadata source"""

    @classmethod
    def create(cls, config_dict, metadata_config: OpenMetadataConnection):
        config: WorkflowSource = WorkflowSource.parse_obj(config_dict)
        connection: {camel}Connection = config.serviceConnection.__root__.config
        if not isinstance(connection, {camel}Connection):
            raise InvalidSourceException(
                f"Expected {camel}Connection, but got {{connection}}"
            )
        return cls(config, metadata_config)
'''


def write(root: Path, name: str, scheme: str) -> None:
    camel = name.capitalize()
    module = name
    base = "https://open-metadata.org/schema/entity/services/connections/database"
    schema = {
        "$id": f"{base}/{module}Connection.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"{camel}Connection",
        "description": f"{camel} Connection Config",
        "type": "object",
        "javaType": f"org.openmetadata.schema.services.connections.database.{camel}Connection",
        "definitions": {
            f"{module}Type": {"type": "string", "enum": [camel], "default": camel},
            f"{module}Scheme": {"type": "string", "enum": [scheme], "default": scheme},
        },
        "properties": {
            "type": {"$ref": f"#/definitions/{module}Type", "default": camel},
            "scheme": {"$ref": f"#/definitions/{module}Scheme", "default": scheme},
            "username": {"title": "Username", "type": "string"},
            "password": {"title": "Password", "type": "string", "format": "password"},
            "hostPort": {"title": "Host and Port", "type": "string"},
            "database": {"title": "Database", "type": "string"},
            "connectionOptions": {"$ref": "../connectionBasicType.json#/definitions/connectionOptions"},
            "connectionArguments": {"$ref": "../connectionBasicType.json#/definitions/connectionArguments"},
            "supportsMetadataExtraction": {
                "$ref": "../connectionBasicType.json#/definitions/supportsMetadataExtraction"
            },
        },
        "additionalProperties": False,
        "required": ["hostPort", "username", "database"],
    }
    spec = root / "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/database"
    (spec / f"{module}Connection.json").write_text(json.dumps(schema, indent=2) + "\n")
    steps = [
        ("CheckAccess", "Reach the database and authenticate.", True),
        ("GetSchemas", "List the schemas.", True),
        ("GetTables", "List the tables of a schema.", True),
        ("GetViews", "List the views of a schema.", False),
    ]
    definition = {
        "name": camel,
        "fullyQualifiedName": camel,
        "displayName": f"{camel} Test Connection",
        "description": f"Validates access to {camel}.",
        "steps": [
            {"name": n, "description": d, "errorMessage": f"{n} failed", "mandatory": m} for n, d, m in steps
        ],
    }
    tests = root / "openmetadata-service/src/main/resources/json/data/testConnections/database"
    (tests / f"{module}.json").write_text(json.dumps(definition, indent=2) + "\n")
    package = root / "ingestion/src/metadata/ingestion/source/database" / name
    package.mkdir(parents=True, exist_ok=True)
    values = {"camel": camel, "module": module, "scheme": scheme}
    (package / "__init__.py").write_text("")
    (package / "connection.py").write_text(HEADER + CONNECTION_PY.format(**values))
    (package / "metadata.py").write_text(HEADER + METADATA_PY.format(**values))
    (package / "CONNECTOR_CONTEXT.md").write_text(f"# {camel}\n\nHand-written stand-in for the scaffold.\n")
