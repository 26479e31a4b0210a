"""OpenMetadata's service types and what connkit knows about each, in one table.

Scaffold, register, review, the stack and ``workspace.create`` all need per-type facts (enum
names, the UI utils file, the source base class, a reference connector); keeping them in one
row per type means a new service type is one entry, not six dicts that drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Service:
    name: str  # "database": folder and file names use it
    enum_member: str  # its member of metadata's ServiceType enum: "Database", "MlModel"
    enum_type: str  # the {type}ServiceType enum the UI imports: "DatabaseServiceType"
    ui_utils: str  # UI utils file stem a connector registers in: "DatabaseServiceUtils"
    ui_getter: str  # the getter that file exports: "getDatabaseConfig"
    ui_tsx: bool  # whether connkit's own UI utils file holds JSX (.tsx, else .ts)
    base_classes: frozenset[str]  # a source must extend one of these
    entities: str  # what its sources list: "tables"
    list_step: str  # the test-connection step that lists them: "GetTables"
    list_words: str  # that step in words: "List tables"
    default_endpoint: str  # the scaffold's REST endpoint when none is given
    source_config: str  # sourceConfig type of its metadata workflow: "DatabaseMetadata"
    reference: str  # an upstream connector of this type (create() of another must refuse it)
    reference_config: dict[str, Any]  # a valid serviceConnection config of that connector


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service(
            name="database",
            enum_member="Database",
            enum_type="DatabaseServiceType",
            ui_utils="DatabaseServiceUtils",
            ui_getter="getDatabaseConfig",
            ui_tsx=True,
            base_classes=frozenset({"CommonDbSourceService", "DatabaseServiceSource", "CommonNoSQLSource"}),
            entities="tables",
            list_step="GetTables",
            list_words="List tables",
            default_endpoint="/api/tables",
            source_config="DatabaseMetadata",
            reference="mysql",
            reference_config={
                "type": "Mysql",
                "username": "u",
                "authType": {"password": "p"},
                "hostPort": "localhost:3306",
            },
        ),
        Service(
            name="dashboard",
            enum_member="Dashboard",
            enum_type="DashboardServiceType",
            ui_utils="DashboardServiceUtils",
            ui_getter="getDashboardConfig",
            ui_tsx=False,
            base_classes=frozenset({"DashboardServiceSource"}),
            entities="dashboards",
            list_step="GetDashboards",
            list_words="List dashboards",
            default_endpoint="/api/dashboards",
            source_config="DashboardMetadata",
            reference="metabase",
            reference_config={
                "type": "Metabase",
                "username": "u",
                "password": "p",
                "hostPort": "http://localhost:3000",
            },
        ),
        Service(
            name="pipeline",
            enum_member="Pipeline",
            enum_type="PipelineServiceType",
            ui_utils="PipelineServiceUtils",
            ui_getter="getPipelineConfig",
            ui_tsx=False,
            base_classes=frozenset({"PipelineServiceSource"}),
            entities="pipelines",
            list_step="GetPipelines",
            list_words="List pipelines",
            default_endpoint="/api/pipelines",
            source_config="PipelineMetadata",
            reference="airbyte",
            reference_config={"type": "Airbyte", "hostPort": "http://localhost:8000"},
        ),
        Service(
            name="messaging",
            enum_member="Messaging",
            enum_type="MessagingServiceType",
            ui_utils="MessagingServiceUtils",
            ui_getter="getMessagingConfig",
            ui_tsx=False,
            base_classes=frozenset({"MessagingServiceSource", "CommonBrokerSource"}),
            entities="topics",
            list_step="GetTopics",
            list_words="List topics",
            default_endpoint="/api/topics",
            source_config="MessagingMetadata",
            reference="kafka",
            reference_config={"type": "Kafka", "bootstrapServers": "localhost:9092"},
        ),
        Service(
            name="mlmodel",
            enum_member="MlModel",
            enum_type="MlModelServiceType",
            ui_utils="MlmodelServiceUtils",
            ui_getter="getMlmodelConfig",
            ui_tsx=False,
            base_classes=frozenset({"MlModelServiceSource"}),
            entities="models",
            list_step="GetModels",
            list_words="List ML models",
            default_endpoint="/api/models",
            source_config="MlModelMetadata",
            reference="mlflow",
            reference_config={
                "type": "Mlflow",
                "trackingUri": "http://localhost:5000",
                "registryUri": "http://localhost:5000",
            },
        ),
        Service(
            name="storage",
            enum_member="Storage",
            enum_type="StorageServiceType",
            ui_utils="StorageServiceUtils",
            ui_getter="getStorageConfig",
            ui_tsx=False,
            base_classes=frozenset({"StorageServiceSource"}),
            entities="containers",
            list_step="GetContainers",
            list_words="List containers",
            default_endpoint="/api/containers",
            source_config="StorageMetadata",
            reference="s3",
            reference_config={"type": "S3", "awsConfig": {"awsRegion": "us-east-1"}},
        ),
        Service(
            name="search",
            enum_member="Search",
            enum_type="SearchServiceType",
            ui_utils="SearchServiceUtils",
            ui_getter="getSearchServiceConfig",
            ui_tsx=False,
            base_classes=frozenset({"SearchServiceSource"}),
            entities="indexes",
            list_step="GetSearchIndexes",
            list_words="List search indexes",
            default_endpoint="/api/indexes",
            source_config="SearchMetadata",
            reference="elasticsearch",
            reference_config={"type": "ElasticSearch", "hostPort": "http://localhost:9200"},
        ),
        Service(
            name="api",
            enum_member="Api",
            enum_type="APIServiceType",
            ui_utils="APIServiceUtils",
            ui_getter="getAPIConfig",
            ui_tsx=False,
            base_classes=frozenset({"ApiServiceSource"}),
            entities="collections",
            list_step="GetCollections",
            list_words="List API collections",
            default_endpoint="/api/collections",
            source_config="ApiMetadata",
            reference="rest",
            reference_config={
                "type": "Rest",
                "openAPISchemaConnection": {"openAPISchemaURL": "http://localhost/openapi.json"},
            },
        ),
    )
}

#: Every service type connkit knows, in the order commands list them.
SERVICE_TYPES = tuple(SERVICES)
