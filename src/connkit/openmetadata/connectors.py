"""The connectors of a workspace: one model for every command that names one.

A connector is a package ``ingestion/src/metadata/ingestion/source/<type>/<name>/``, a
connection schema ``<module>Connection.json`` and a test-connection definition
``<module>.json``. Upstream spells package and schema independently (package ``bigquery``,
schema ``bigQueryConnection.json``; ``azuresql``, ``azureSQLConnection.json``), so they are
matched ignoring case and underscores, and the Camel name is read from the schema. The
test-connection file is spelled either way too (1.1 names most after the package,
``azuresql.json``; newer scaffolds after the module, ``myDb.json``): the one on disk wins.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.services import SERVICE_TYPES
from connkit.openmetadata.workspace import INGESTION_SOURCE, SPEC_SCHEMA, TEST_CONNECTIONS, Workspace

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SUFFIX = "Connection.json"
_CONNECTIONS = SPEC_SCHEMA / "entity" / "services" / "connections"


@dataclass(frozen=True)
class Connector:
    name: str  # the Python package, snake_case: what sessions and steps are named after
    service_type: str
    camel: str  # the {type}ServiceType enum value and class prefix: "BigQuery"
    module: str  # the schema file's stem: "bigQuery" (bigQueryConnection.json)
    package: str  # workspace-relative folders and files the connector owns (or will)
    schema: str
    test_connection: str

    @classmethod
    def named(cls, name: str, service_type: str) -> Connector:
        """The connector scaffold writes for a snake name: ``my_db`` → ``MyDb``, ``myDb``."""
        return cls._at(name, service_type, *_spellings(name))

    @classmethod
    def _at(
        cls,
        name: str,
        service_type: str,
        camel: str,
        module: str,
        schema: str | None = None,
        test_connection: str | None = None,
    ) -> Connector:
        return cls(
            name=name,
            service_type=service_type,
            camel=camel,
            module=module,
            package=(INGESTION_SOURCE / service_type / name).as_posix(),
            schema=schema or (_CONNECTIONS / service_type / f"{module}{_SUFFIX}").as_posix(),
            test_connection=test_connection
            or (TEST_CONNECTIONS / service_type / f"{module}.json").as_posix(),
        )

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


def is_valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name)) and not keyword.iskeyword(name)


def find_connector(ws: Workspace, name: str, service_type: str | None = None) -> Connector:
    """The connector called ``name``; its schema decides the service type, else its package.

    Files it does not have yet are named where scaffold would write them.
    """
    if not is_valid_name(name):
        raise UsageError(f"invalid connector name {name!r}: use snake_case like my_db")
    if service_type is not None and service_type not in SERVICE_TYPES:
        raise UsageError(f"unknown service type {service_type!r}: choose one of {', '.join(SERVICE_TYPES)}")
    if service_type is None:
        found = [t for t in SERVICE_TYPES if _fold(name) in _schemas(ws, t)]
        if len(found) > 1:
            raise UsageError(
                f"{name} has connection schemas for {', '.join(sorted(found))}: pass --service-type"
            )
        found = found or [t for t in SERVICE_TYPES if ws.source_package(t, name).is_dir()]
        if not found:
            _refuse_other_type(ws, name)
            module = _spellings(name)[1]
            raise UsageError(
                f"no connector {name!r}: no package {INGESTION_SOURCE.as_posix()}/<type>/{name}/ and no "
                f"{_CONNECTIONS.as_posix()}/<type>/{module}{_SUFFIX}; scaffold the connector first "
                f"(`connkit scaffold --name {name} ...`)"
            )
        service_type = found[0]
    schema = _schemas(ws, service_type).get(_fold(name))
    return _from_schema(ws, service_type, name, schema) if schema else Connector.named(name, service_type)


def _refuse_other_type(ws: Workspace, name: str) -> None:
    """A package of a source type connkit has no service type for (1.1's ``metadata/amundsen``)."""
    source = ws.root / INGESTION_SOURCE
    found = sorted(source.glob(f"*/{name}")) if source.is_dir() else []
    others = [p.parent.name for p in found if p.is_dir() and p.parent.name not in SERVICE_TYPES]
    if others:
        raise UsageError(
            f"{name} is a {others[0]} source ({INGESTION_SOURCE.as_posix()}/{others[0]}/{name}/): "
            f"{others[0]} is not a service type connkit works on ({', '.join(SERVICE_TYPES)})"
        )


def find_connectors(ws: Workspace) -> list[Connector]:
    """Every connector with a package and a schema, sorted by service type, then name."""
    found: list[Connector] = []
    for service_type in SERVICE_TYPES:
        source = ws.root / INGESTION_SOURCE / service_type
        schemas = _schemas(ws, service_type)
        if not source.is_dir() or not schemas:
            continue
        for package in sorted(source.iterdir()):
            if not package.is_dir() or package.name.startswith(("_", ".")):
                continue
            schema = schemas.get(_fold(package.name))
            if schema is not None:
                found.append(_from_schema(ws, service_type, package.name, schema))
    return found


def declared_connectors(ws: Workspace) -> dict[str, list[Connector]]:
    """Per service type, the connectors the spec declares (``config.oneOf`` of its service schema).

    What ``workspace.create`` wires into the UI and derives test connections for; each is named
    after its package where the ingestion source has one.
    """
    schema_dir = ws.spec_schema_dir.resolve()
    out: dict[str, list[Connector]] = {}
    for service_type in SERVICE_TYPES:
        service_file = ws.service_schema(service_type)
        service = _read_json(service_file)
        if service is None:
            continue
        source = ws.root / INGESTION_SOURCE / service_type
        packages = (
            {_fold(p.name): p.name for p in sorted(source.iterdir()) if p.is_dir()} if source.is_dir() else {}
        )
        found: list[Connector] = []
        for ref in _config_refs(service):
            target = (service_file.parent / ref.split("#")[0]).resolve()
            data = _read_json(target)
            if data is None:
                continue
            module = target.stem.removesuffix("Connection")
            camel = _camel(data, module)
            name = packages.get(_fold(module)) or packages.get(_fold(camel)) or _fold(module)
            schema = (SPEC_SCHEMA / target.relative_to(schema_dir)).as_posix()
            found.append(Connector._at(name, service_type, camel, module, schema))
        out[service_type] = found
    return out


def _spellings(name: str) -> tuple[str, str]:
    """Camel (``MyDb``) and lowerCamel (``myDb``) of a snake name (``my_db``)."""
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    return camel, camel[:1].lower() + camel[1:]


def _fold(text: str) -> str:
    return text.replace("_", "").lower()


def _schemas(ws: Workspace, service_type: str) -> dict[str, Path]:
    """The type's connection schemas by folded module name (``bigquery`` → bigQueryConnection.json)."""
    folder = ws.connections_dir(service_type)
    if not folder.is_dir():
        return {}
    return {
        _fold(p.name[: -len(_SUFFIX)]): p
        for p in sorted(folder.iterdir())
        if p.name.endswith(_SUFFIX) and p.is_file()
    }


def _from_schema(ws: Workspace, service_type: str, name: str, schema: Path) -> Connector:
    module = schema.name[: -len(_SUFFIX)]
    camel = _camel(_read_json(schema) or {}, module)
    found = _test_connection_file(ws, service_type, module, (name, module, camel))
    return Connector._at(name, service_type, camel, module, ws.rel(schema), found)


def _test_connection_file(
    ws: Workspace, service_type: str, module: str, names: tuple[str, ...]
) -> str | None:
    """The connector's test-connection file as this tree spells it (None: not there yet).

    ``<module>.json`` first (what scaffold writes), else the one whose stem folds to the
    package, module or Camel name (``azuresql.json`` for ``azureSQLConnection.json``).
    """
    folder = ws.root / TEST_CONNECTIONS / service_type
    if (folder / f"{module}.json").is_file() or not folder.is_dir():
        return None
    wanted = {_fold(n) for n in names}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json" and path.is_file() and _fold(path.stem) in wanted:
            return ws.rel(path)
    return None


def _camel(schema: dict, module: str) -> str:
    """The connection's type enum value (``"BigQuery"``): what the service enum lists it as."""
    definitions = schema.get("definitions")
    definitions = definitions if isinstance(definitions, dict) else {}
    own = definitions.get(f"{module}Type")
    candidates = [own.get("enum") if isinstance(own, dict) else None]
    props = schema.get("properties")
    prop = props.get("type") if isinstance(props, dict) else None
    candidates.append([prop.get("default")] if isinstance(prop, dict) else None)
    candidates += [
        d.get("enum") for k, d in definitions.items() if k.endswith("Type") and isinstance(d, dict)
    ]
    for values in candidates:
        if isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
    return module[:1].upper() + module[1:]


def _config_refs(service: dict) -> list[str]:
    refs = []
    for definition in (service.get("definitions") or {}).values():
        config = ((definition or {}).get("properties") or {}).get("config") or {}
        for option in config.get("oneOf") or ():
            ref = option.get("$ref") if isinstance(option, dict) else None
            if ref and "Connection.json" in ref:
                refs.append(ref)
    return refs


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
