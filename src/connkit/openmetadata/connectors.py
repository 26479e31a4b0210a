"""The connectors a workspace holds: a package under
``ingestion/src/metadata/ingestion/source/<type>/<name>/`` that has a connection schema.

Package and schema names are matched ignoring case and underscores, because upstream spells
them independently (package ``bigquery``, schema ``bigQueryConnection.json``; package
``azuresql``, schema ``azureSQLConnection.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

from connkit.openmetadata.workspace import SERVICE_TYPES, Workspace

_SUFFIX = "Connection.json"


@dataclass(frozen=True)
class Connector:
    name: str  # the Python package, snake_case: what sessions and steps are named after
    service_type: str
    package: str  # workspace-relative folders and files the connector owns
    schema: str
    test_connection: str

    def owns(self, rel: str) -> bool:
        """True when ``rel`` is one of this connector's own files."""
        return rel == self.schema or rel == self.test_connection or rel.startswith(self.package + "/")

    def unit_tests(self, ws: Workspace) -> list[str]:
        """The connector's unit test files (integration tests need a live service)."""
        candidates = (
            f"ingestion/tests/unit/topology/{self.service_type}/test_{self.name}.py",
            f"ingestion/tests/unit/topology/{self.service_type}/{self.name}",
        )
        return [c for c in candidates if (ws.root / c).exists()]

    def sources(self, ws: Workspace) -> list[str]:
        """What formatting covers: the package and every test file that names the connector."""
        found = [self.package, *self.unit_tests(ws)]
        for extra in (
            f"ingestion/tests/integration/connections/test_{self.name}_connection.py",
            f"ingestion/tests/integration/{self.name}",
        ):
            if (ws.root / extra).exists():
                found.append(extra)
        return found


def _fold(text: str) -> str:
    return text.replace("_", "").lower()


def find_connectors(ws: Workspace) -> list[Connector]:
    """Every connector in the workspace, sorted by service type, then name."""
    found: list[Connector] = []
    for service_type in SERVICE_TYPES:
        source = ws.root / "ingestion/src/metadata/ingestion/source" / service_type
        schemas_dir = ws.connections_dir(service_type)
        if not source.is_dir() or not schemas_dir.is_dir():
            continue
        schemas = {
            _fold(p.name[: -len(_SUFFIX)]): p
            for p in schemas_dir.iterdir()
            if p.name.endswith(_SUFFIX) and p.is_file()
        }
        for package in sorted(source.iterdir()):
            if not package.is_dir() or package.name.startswith(("_", ".")):
                continue
            schema = schemas.get(_fold(package.name))
            if schema is None:
                continue
            module = schema.name[: -len(_SUFFIX)]
            found.append(
                Connector(
                    name=package.name,
                    service_type=service_type,
                    package=ws.rel(package),
                    schema=ws.rel(schema),
                    test_connection=ws.rel(ws.test_connection(service_type, module)),
                )
            )
    return found
