"""What the workspace's release expects of a new connector, read from its files.

Releases differ in ways a scaffold must follow, and each is read from the tree rather than
from a version number:

- the framework generation (``Framework``: BaseConnection + ServiceSpec, or functions);
- the source API: whether sources yield ``Either`` (``metadata/ingestion/api/models.py``),
  where ``InvalidSourceException`` lives, whether ``create()`` is handed an OpenMetadata
  client or the server's connection config (the abstract ``create``), whether the
  topology context holds names (``context.get().x``) or entities (``context.x``), and what
  ``test_connection_steps`` calls the service argument;
- the shared auth schemas a connection refers to (``connections/<type>/common/*.json``),
  the ``connectionBasicType.json`` definitions it may use, and whether its neighbours carry
  filter patterns;
- the methods of the service type's base source class (releases add abstract ones);
- the licence header of the neighbouring source files.

Where a fact cannot be read (a workspace without framework source), the newest shape is assumed.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from connkit.openmetadata.services import SERVICE_TYPES
from connkit.openmetadata.workspace import INGESTION_SOURCE, Workspace
from connkit.openmetadata.workspace.framework import FRAMEWORK, Framework, detect_framework

APACHE = "apache-2.0"
COLLATE = "collate-community-1.0"
#: Licence templates (``templates/connector/license/<id>.j2``) and the text that identifies each.
LICENSES = {
    APACHE: re.compile(r"Licensed under the Apache License, Version 2\.0"),
    COLLATE: re.compile(r"Licensed under the Collate Community License"),
}
NEWEST_LICENSE = COLLATE
LICENSE_SAMPLE = 24  # neighbouring files read to decide the header

#: Shared auth schemas a connection can refer to, by auth type (``connections/<type>/common/``).
COMMON_AUTH_FILES = {
    "basic": "basicAuth.json",
    "iam": "iamAuthConfig.json",
    "azure": "azureConfig.json",
    "jwt": "jwtAuth.json",
}

_API = FRAMEWORK / "ingestion" / "api"


@dataclass(frozen=True)
class SourceApi:
    """The ingestion framework's source API a new connector is written against."""

    either: bool = True  # processors yield Either(right=request) rather than bare requests
    invalid_source_module: str = "metadata.ingestion.api.steps"  # where InvalidSourceException lives
    # Step.create(config_dict, metadata: OpenMetadata, pipeline_name) (else Source.create(config_dict,
    # metadata_config), and the base class builds its own client from that config)
    create_takes_client: bool = True
    context_names: bool = True  # self.context.get().<x> holds names (else self.context.<x> holds entities)
    steps_service_arg: str = "service_type"  # test_connection_steps' argument naming the service


@dataclass(frozen=True)
class Conventions:
    framework: Framework
    api: SourceApi
    license: str  # a key of LICENSES
    service_types: tuple[str, ...]  # the service types the spec has (connkit's order)
    auth_refs: dict[str, str]  # auth type → $ref of its shared schema, from the connection's folder
    basic_types: frozenset[str]  # definitions of connectionBasicType.json
    filter_patterns: bool  # the type's connection schemas carry <x>FilterPattern properties
    base_methods: frozenset[str] | None  # methods of the type's *ServiceSource base (None: not in the tree)

    @property
    def classic(self) -> bool:
        return self.framework.classic


def detect(ws: Workspace, service_type: str) -> Conventions:
    return Conventions(
        framework=detect_framework(ws.root),
        api=detect_source_api(ws.root, service_type),
        license=detect_license(ws.root, service_type),
        service_types=service_types(ws),
        auth_refs=auth_refs(ws, service_type),
        basic_types=basic_types(ws),
        filter_patterns=neighbours_have_filter_patterns(ws, service_type),
        base_methods=base_methods(ws.root, service_type),
    )


def service_types(ws: Workspace) -> tuple[str, ...]:
    """The service types whose ``{type}Service.json`` the spec has (all of them when it has none)."""
    present = tuple(t for t in SERVICE_TYPES if ws.service_schema(t).is_file())
    return present or SERVICE_TYPES


def detect_source_api(root: Path, service_type: str) -> SourceApi:
    newest = SourceApi()
    api_dir = root / _API
    models = _read(api_dir / "models.py")
    either = newest.either if not api_dir.is_dir() else "class Either" in models
    module = newest.invalid_source_module
    for candidate in ("steps", "source"):
        if "class InvalidSourceException" in _read(api_dir / f"{candidate}.py"):
            module = f"metadata.ingestion.api.{candidate}"
            break
    create_args = next(
        filter(None, (_function_args(api_dir / f"{m}.py", "create") for m in ("step", "steps", "source"))),
        None,
    )
    takes_client = newest.create_takes_client if create_args is None else "metadata_config" not in create_args
    topology = root / FRAMEWORK / "ingestion" / "models" / "topology.py"
    context_names = (
        newest.context_names if not topology.is_file() else "class TopologyContextManager" in _read(topology)
    )
    steps_args = _function_args(
        root / FRAMEWORK / "ingestion" / "connections" / "test_connections.py", "test_connection_steps"
    )
    steps_arg = newest.steps_service_arg
    if steps_args is not None:
        steps_arg = next((a for a in ("service_type", "service_fqn") if a in steps_args), steps_arg)
    return SourceApi(either, module, takes_client, context_names, steps_arg)


def base_methods(root: Path, service_type: str) -> frozenset[str] | None:
    """What the service type's base source class defines (releases add abstract methods)."""
    tree = _parse(root / INGESTION_SOURCE / service_type / f"{service_type}_service.py")
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.endswith("ServiceSource"):
            return frozenset(
                item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    return None


def detect_license(root: Path, service_type: str) -> str:
    """The licence most neighbouring source files carry: the service type's own folder first."""
    source = root / INGESTION_SOURCE
    for folder in (source / service_type, source):
        counts = dict.fromkeys(LICENSES, 0)
        for path in _sample(folder):
            head = _read(path, 2000)
            for license_id, pattern in LICENSES.items():
                if pattern.search(head):
                    counts[license_id] += 1
        best = max(counts, key=lambda k: counts[k])
        if counts[best]:
            return best
    return NEWEST_LICENSE


def auth_refs(ws: Workspace, service_type: str) -> dict[str, str]:
    common = ws.connections_dir(service_type) / "common"
    return {auth: f"./common/{name}" for auth, name in COMMON_AUTH_FILES.items() if (common / name).is_file()}


def basic_types(ws: Workspace) -> frozenset[str]:
    path = ws.spec_schema_dir / "entity" / "services" / "connections" / "connectionBasicType.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    definitions = data.get("definitions") if isinstance(data, dict) else None
    return frozenset(definitions) if isinstance(definitions, dict) else frozenset()


def neighbours_have_filter_patterns(ws: Workspace, service_type: str) -> bool:
    """Newer releases put filter patterns in the connection; older ones only in the pipeline config."""
    folder = ws.connections_dir(service_type)
    schemas = sorted(folder.glob("*Connection.json")) if folder.is_dir() else []
    if not schemas:
        return True
    for path in schemas:
        if re.search(r'"\w+FilterPattern"\s*:', _read(path)):
            return True
    return False


def _sample(folder: Path) -> list[Path]:
    """A few Python files of ``folder`` and its packages, in a stable order."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.py")) + sorted(folder.glob("*/*.py")) + sorted(folder.glob("*/*/*.py"))
    return [f for f in files if f.stat().st_size > 0][:LICENSE_SAMPLE]


def _read(path: Path, limit: int | None = None) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(limit) if limit else handle.read()
    except OSError:
        return ""


def _function_args(path: Path, name: str) -> list[str] | None:
    tree = _parse(path)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    return None


def _parse(path: Path) -> ast.Module | None:
    text = _read(path)
    if not text:
        return None
    try:
        return ast.parse(text)
    except SyntaxError:
        return None
