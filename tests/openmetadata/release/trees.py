"""Small hand-written OpenMetadata trees for workspace tests (no downloads)."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

from connkit.openmetadata.services import SERVICE_TYPES

CONNECTORS = {
    "database": [("Mysql", "mysql"), ("BigQuery", "bigQuery")],
    "dashboard": [("Metabase", "metabase")],
    "pipeline": [("Airflow", "airflow")],
    "messaging": [("Kafka", "kafka")],
    "mlmodel": [("Mlflow", "mlflow")],
    "storage": [("S3", "s3")],
    "search": [("ElasticSearch", "elasticSearch")],
    "api": [("Rest", "rest")],
}


def spec_files(types=SERVICE_TYPES) -> dict[str, bytes]:
    """``json/schema/...`` entries of a tiny spec: one service file and its connections per type."""
    files: dict[str, bytes] = {}
    for service_type in types:
        refs = []
        for enum, module in CONNECTORS[service_type]:
            rel = f"entity/services/connections/{service_type}/{module}Connection.json"
            refs.append({"$ref": f"./connections/{service_type}/{module}Connection.json"})
            files[rel] = json.dumps(
                {
                    "$id": f"https://open-metadata.org/schema/{rel}",
                    "title": f"{enum}Connection",
                    "definitions": {f"{module}Type": {"type": "string", "enum": [enum]}},
                    "properties": {"type": {"$ref": f"#/definitions/{module}Type", "default": enum}},
                }
            ).encode()
        service = {
            "definitions": {
                f"{service_type}ServiceType": {"enum": [e for e, _ in CONNECTORS[service_type]]},
                f"{service_type}Connection": {"properties": {"config": {"oneOf": refs}}},
            }
        }
        files[f"entity/services/{service_type}Service.json"] = json.dumps(service).encode()
    return files


def write_spec(root: Path, types=SERVICE_TYPES) -> None:
    base = root / "openmetadata-spec/src/main/resources/json/schema"
    for rel, data in spec_files(types).items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_bytes(data)


def spec_jar(path: Path, types=SERVICE_TYPES) -> Path:
    with zipfile.ZipFile(path, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for rel, data in spec_files(types).items():
            jar.writestr(f"json/schema/{rel}", data)
        jar.writestr("org/openmetadata/schema/Dummy.class", b"\xca\xfe")
    return path


INGESTION_FILES = {
    "setup.py": "plugins = {\n    'mysql': {'pymysql'},\n}\nsetup(extras_require=plugins)\n",
    "PKG-INFO": "Metadata-Version: 2.1\nName: openmetadata-ingestion\nVersion: 9.9.9.0\n",
    "src/metadata/ingestion/connections/test_connections.py": (
        "def test_connection_db_common(metadata, engine):\n"
        "    test_fn = {'CheckAccess': 1, 'GetSchemas': 2}\n"
        "    test_connection_steps(metadata=metadata, test_fn=test_fn)\n"
    ),
    "src/metadata/ingestion/source/database/mysql/connection.py": (
        "from metadata.ingestion.connections.test_connections import test_connection_db_common\n\n\n"
        "def test_connection(metadata, engine):\n"
        "    test_connection_db_common(metadata=metadata, engine=engine)\n"
    ),
    "src/metadata/ingestion/source/dashboard/metabase/connection.py": (
        "def test_connection(metadata, client):\n"
        "    test_fn = {'GetDashboards': client.get}\n"
        "    test_connection_steps(metadata=metadata, test_fn=test_fn)\n"
    ),
    "src/metadata/ingestion/source/database/common_db_source.py": "class CommonDbSourceService: ...\n",
}


def sdist(path: Path, top: str = "openmetadata-ingestion-9.9.9.0") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in INGESTION_FILES.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
