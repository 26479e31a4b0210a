"""What an OpenMetadata workspace looks like, detected from its files rather than assumed.

Releases differ in where a connector registers: the UI utils file per service type
(``DatabaseServiceUtils.tsx`` or ``.ts``), its shape (an ``import`` per schema plus a
``switch`` in older releases, a map of lazy loaders in newer ones), whether ``en-us.json``
carries a label per connector, and whether ``ingestion/setup.py`` declares plugin extras.
``detect_layout(root)`` reads all of that from a real checkout or an assembled workspace.

API for other modules (register, scaffold, review)::

    layout = detect_layout(ws.root)
    ui = layout.services["dashboard"]     # ServiceUi
    ui.path, ui.shape, ui.extension        # ws-relative file, "switch" | "loader-map", ".ts"
    layout.i18n_labels, layout.release      # bool, "1.4.0" or None
    spec_connectors(ws.root)["database"]   # [SpecConnector(enum="Mysql", module="mysql", ...)]
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from connkit.openmetadata.workspace import SERVICE_TYPES, SPEC_SCHEMA, UI_ROOT

#: The UI utils file (without extension) each service type registers its schema in.
UI_UTILS_STEMS = {
    "database": "DatabaseServiceUtils",
    "dashboard": "DashboardServiceUtils",
    "pipeline": "PipelineServiceUtils",
    "messaging": "MessagingServiceUtils",
    "mlmodel": "MlmodelServiceUtils",
    "storage": "StorageServiceUtils",
    "search": "SearchServiceUtils",
    "api": "APIServiceUtils",
}
UI_UTILS_DIR = UI_ROOT / "src" / "utils"
EN_US = UI_ROOT / "src" / "locale" / "languages" / "en-us.json"
SETUP_PY = Path("ingestion/setup.py")
FRAMEWORK = Path("ingestion/src/metadata")
GENERATED_SAMPLE = Path(
    "ingestion/src/metadata/generated/schema/entity/services/connections/connectionBasicType.py"
)
#: Written by ``workspace.create``: which release the workspace was assembled from.
MANIFEST = Path(".connkit-workspace.json")

SHAPE_SWITCH = "switch"
SHAPE_LOADER_MAP = "loader-map"
SHAPE_UNKNOWN = "unknown"


@dataclass(frozen=True)
class ServiceUi:
    """Where and how one service type's connection schemas are wired into the UI."""

    service_type: str
    path: str | None  # ws-relative POSIX path, None when the file is missing
    extension: str | None  # ".ts" or ".tsx"
    shape: str  # "switch", "loader-map" or "unknown"
    connectors: tuple[str, ...] = ()  # enum members the file already lists


@dataclass(frozen=True)
class SpecConnector:
    """One connector the spec declares: its service-type enum value and schema file."""

    service_type: str
    enum: str  # e.g. "BigQuery" (the {type}ServiceType value)
    module: str  # e.g. "bigQuery" (file {module}Connection.json)
    schema: str  # spec-relative path, e.g. entity/services/connections/database/bigQueryConnection.json


@dataclass(frozen=True)
class WorkspaceLayout:
    root: Path
    origin: str  # "assembled" (workspace.create) or "checkout"
    release: str | None  # Maven-style release (1.4.0), when known
    pypi_version: str | None  # openmetadata-ingestion version, when known
    service_types: tuple[str, ...]  # service types the spec declares
    services: dict[str, ServiceUi] = field(default_factory=dict)
    i18n_labels: bool = False  # whether a new connector needs a label in en-us.json
    en_us_json: str | None = None  # ws-relative path when present
    setup_py_extras: bool = False  # whether ingestion/setup.py has a plugins dict of extras
    test_connections: str = "missing"  # "published", "derived", "checkout" or "missing"
    pydantic_major: int | None = None  # models the framework expects: 1 (≤1.4) or 2
    service_spec: bool = False  # framework has metadata/utils/service_spec (ServiceSpec loader)
    upstream_scaffold: bool = False  # framework ships metadata/cli/scaffold.py

    def to_json(self) -> dict:
        data = asdict(self)
        data["root"] = str(self.root)
        return data


def detect_layout(root: Path | str) -> WorkspaceLayout:
    root = Path(root)
    manifest = _read_json(root / MANIFEST) or {}
    connectors = spec_connectors(root)
    service_types = tuple(t for t in SERVICE_TYPES if t in connectors)
    services = {t: detect_service_ui(root, t) for t in SERVICE_TYPES}
    en_us = root / EN_US
    if "i18n_labels" in manifest:
        i18n = bool(manifest["i18n_labels"])
    else:
        i18n = _labels_present(en_us, services)
    return WorkspaceLayout(
        root=root,
        origin="assembled" if manifest else "checkout",
        release=manifest.get("release"),
        pypi_version=manifest.get("pypi_version") or _pkg_info_version(root),
        service_types=service_types,
        services=services,
        i18n_labels=i18n,
        en_us_json=EN_US.as_posix() if en_us.is_file() else None,
        setup_py_extras=has_plugin_extras(root / SETUP_PY),
        test_connections=manifest.get("test_connections")
        or ("checkout" if (root / "openmetadata-service").is_dir() else "missing"),
        pydantic_major=pydantic_major(root),
        service_spec=(root / FRAMEWORK / "utils" / "service_spec").is_dir(),
        upstream_scaffold=(root / FRAMEWORK / "cli" / "scaffold.py").is_file(),
    )


def detect_service_ui(root: Path, service_type: str) -> ServiceUi:
    stem = UI_UTILS_STEMS[service_type]
    for ext in (".tsx", ".ts"):
        rel = UI_UTILS_DIR / f"{stem}{ext}"
        path = root / rel
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            shape, members = ui_shape(text)
            return ServiceUi(service_type, rel.as_posix(), ext, shape, members)
    return ServiceUi(service_type, None, None, SHAPE_UNKNOWN)


_LOADER_ENTRY = re.compile(r"\[\s*\w+ServiceType\.(\w+)\s*\]\s*:\s*(?:async\s*)?\(\s*\)\s*=>")
_SWITCH_CASE = re.compile(r"case\s+\w+ServiceType\.(\w+)\s*:")
_SCHEMA_IMPORT = re.compile(r"^import\s+\w+\s+from\s+['\"][^'\"]*Connection\.json['\"]", re.M)


def ui_shape(text: str) -> tuple[str, tuple[str, ...]]:
    """The registration shape of a UI utils file and the enum members it lists."""
    loaders = _LOADER_ENTRY.findall(text)
    if loaders:
        return SHAPE_LOADER_MAP, tuple(loaders)
    cases = _SWITCH_CASE.findall(text)
    if cases and (_SCHEMA_IMPORT.search(text) or "switch" in text):
        return SHAPE_SWITCH, tuple(cases)
    return SHAPE_UNKNOWN, ()


def has_plugin_extras(setup_py: Path) -> bool:
    """Whether setup.py declares per-connector extras (a ``plugins`` dict fed to extras_require)."""
    try:
        text = setup_py.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(re.search(r"^plugins\s*(?::[^=\n]+)?=\s*\{", text, re.M)) and ("extras_require" in text)


def pydantic_major(root: Path) -> int | None:
    """Pydantic major version the ingestion framework pins (setup.py), else seen in its models."""
    try:
        text = (root / SETUP_PY).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    match = re.search(r"[\"']pydantic\s*(?:~=|==|>=|<)\s*(\d+)", text)
    if match:
        return int(match.group(1))
    sample = root / GENERATED_SAMPLE
    try:
        model = sample.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return 2 if "ConfigDict" in model or "RootModel" in model else 1


def kebab(name: str) -> str:
    """``BigQuery`` → ``big-query``, ``Mssql`` → ``mssql``: upstream's label key style."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


def _labels_present(en_us: Path, services: dict[str, ServiceUi]) -> bool:
    """Guess for a checkout: most listed connectors have an en-us label → labels are needed."""
    labels = (_read_json(en_us) or {}).get("label")
    if not isinstance(labels, dict):
        return False
    members = {m for ui in services.values() for m in ui.connectors}
    if not members:
        return False
    found = sum(1 for m in members if kebab(m) in labels)
    return found * 2 >= len(members)


def spec_connectors(root: Path | str) -> dict[str, list[SpecConnector]]:
    """Connectors per service type, from ``{type}Service.json`` (enum + ``config.oneOf`` refs)."""
    schema_dir = Path(root) / SPEC_SCHEMA
    out: dict[str, list[SpecConnector]] = {}
    for service_type in SERVICE_TYPES:
        service_file = schema_dir / "entity" / "services" / f"{service_type}Service.json"
        service = _read_json(service_file)
        if service is None:
            continue
        found: list[SpecConnector] = []
        for ref in _config_refs(service):
            target = (service_file.parent / ref.split("#")[0]).resolve()
            conn = _read_json(target)
            if conn is None:
                continue
            module = target.stem.removesuffix("Connection")
            enum = _connection_enum(conn) or module[:1].upper() + module[1:]
            rel = target.relative_to(schema_dir.resolve()).as_posix()
            found.append(SpecConnector(service_type, enum, module, rel))
        out[service_type] = found
    return out


def _config_refs(service: dict) -> list[str]:
    refs = []
    for definition in (service.get("definitions") or {}).values():
        config = ((definition or {}).get("properties") or {}).get("config") or {}
        for option in config.get("oneOf") or ():
            ref = option.get("$ref") if isinstance(option, dict) else None
            if ref and "Connection.json" in ref:
                refs.append(ref)
    return refs


def _connection_enum(conn: dict) -> str | None:
    default = ((conn.get("properties") or {}).get("type") or {}).get("default")
    if isinstance(default, str):
        return default
    for name, definition in (conn.get("definitions") or {}).items():
        if name.endswith("Type") and isinstance(definition, dict) and definition.get("enum"):
            return str(definition["enum"][0])
    return None


def _pkg_info_version(root: Path) -> str | None:
    try:
        text = (root / "ingestion" / "PKG-INFO").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"^Version:\s*(\S+)", text, re.M)
    return match.group(1) if match else None


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe(layout: WorkspaceLayout) -> str:
    """The text ``connkit workspace.info`` prints."""
    lines = [
        f"workspace       {layout.root}",
        f"origin          {layout.origin}",
        f"release         {layout.release or 'unknown'}"
        + (f" (openmetadata-ingestion {layout.pypi_version})" if layout.pypi_version else ""),
        f"service types   {', '.join(layout.service_types) or 'none found'}",
        "i18n labels     "
        + ("needed (en-us.json label per connector)" if layout.i18n_labels else "not needed"),
        f"setup.py extras {'yes' if layout.setup_py_extras else 'no'}",
        f"test conns      {layout.test_connections}",
        f"framework       pydantic v{layout.pydantic_major or '?'}, "
        f"ServiceSpec {'yes' if layout.service_spec else 'no'}, "
        f"upstream scaffold {'yes' if layout.upstream_scaffold else 'no'}",
        "UI utils:",
    ]
    for service_type, ui in layout.services.items():
        where = ui.path or "(missing)"
        lines.append(f"  {service_type:<10} {ui.shape:<11} {len(ui.connectors):>3} connectors  {where}")
    return "\n".join(lines)
