#  Copyright 2026 connkit test fixture
#  Licensed under the Apache License, Version 2.0 (the "License");
"""Connection helpers."""

from metadata.generated.schema.entity.services.connections.dashboard.myDbConnection import (
    MyDbConnection,
)
from metadata.ingestion.connections.test_connections import test_connection_steps
from metadata.ingestion.ometa.ometa_api import OpenMetadata
from metadata.ingestion.source.dashboard.my_db.client import MyDbClient


def get_connection(connection: MyDbConnection) -> MyDbClient:
    return MyDbClient(connection)


def test_connection(
    metadata: OpenMetadata,
    client: MyDbClient,
    service_connection: MyDbConnection,
    automation_workflow: object | None = None,
) -> None:
    test_fn = {
        "CheckAccess": client.get_owner,
        "GetDashboards": client.get_dashboards,
    }
    test_connection_steps(metadata=metadata, test_fn=test_fn, service_type=service_connection.type.value)
