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

The release is read from the tree: the manifest ``workspace.create`` writes, else the root
``pom.xml``'s own ``<version>`` (a checkout: ``1.1.0-SNAPSHOT``); the ingestion package's
version from ``PKG-INFO``, ``pyproject.toml`` or ``setup.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.connectors import declared_connectors
from connkit.openmetadata.edit import tsedit
from connkit.openmetadata.pysource import has_plugin_extras
from connkit.openmetadata.services import SERVICE_TYPES, SERVICES
from connkit.openmetadata.workspace import SETUP_PY, UI_ROOT, Workspace
from connkit.openmetadata.workspace.framework import detect_framework
from connkit.openmetadata.workspace.python import choose_python
from connkit.openmetadata.workspace.versions import ingestion_version, pom_version

UI_UTILS_DIR = UI_ROOT / "src" / "utils"
EN_US = UI_ROOT / "src" / "locale" / "languages" / "en-us.json"
#: Written by ``workspace.create``: which release the workspace was assembled from.
MANIFEST = Path(".connkit-workspace.json")

SHAPE_SWITCH = tsedit.SWITCH
SHAPE_LOADER_MAP = tsedit.LOADER_MAP
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
    python: str | None = None  # the interpreter the workspace's environment is built from
    python_why: str = ""  # what in the tree chose it (or why none qualifies)

    def to_json(self) -> dict:
        data = asdict(self)
        data["root"] = str(self.root)
        return data


def detect_layout(root: Path | str) -> WorkspaceLayout:
    root = Path(root)
    manifest = _read_json(root / MANIFEST) or {}
    declared = declared_connectors(Workspace(root))
    framework = detect_framework(root)
    service_types = tuple(t for t in SERVICE_TYPES if t in declared)
    services = {t: detect_service_ui(root, t) for t in SERVICE_TYPES}
    en_us = root / EN_US
    if "i18n_labels" in manifest:
        i18n = bool(manifest["i18n_labels"])
    else:
        i18n = _labels_present(en_us, services)
    try:
        choice = choose_python(root)
        python, python_why = f"{choice.version or '?'} ({choice.path})", choice.why
    except UsageError as exc:
        python, python_why = None, str(exc)
    return WorkspaceLayout(
        root=root,
        origin="assembled" if manifest else "checkout",
        release=manifest.get("release") or pom_version(root),
        pypi_version=manifest.get("pypi_version") or ingestion_version(root) or None,
        service_types=service_types,
        services=services,
        i18n_labels=i18n,
        en_us_json=EN_US.as_posix() if en_us.is_file() else None,
        setup_py_extras=has_plugin_extras(root / SETUP_PY),
        test_connections=manifest.get("test_connections")
        or ("checkout" if (root / "openmetadata-service").is_dir() else "missing"),
        pydantic_major=framework.pydantic_major,
        service_spec=framework.service_spec,
        upstream_scaffold=framework.upstream_scaffold,
        python=python,
        python_why=python_why,
    )


def detect_service_ui(root: Path, service_type: str) -> ServiceUi:
    """The service type's UI utils file, its shape and listed members, as register would edit it."""
    stem = SERVICES[service_type].ui_utils
    for ext in (".tsx", ".ts"):
        rel = UI_UTILS_DIR / f"{stem}{ext}"
        path = root / rel
        if path.is_file():
            source = path.read_bytes()
            tsx = ext == ".tsx"
            enum = tsedit.service_enum_name(source, service_type, tsx) or SERVICES[service_type].enum_type
            try:
                shape, members = tsedit.listed(source, enum, tsx)
            except tsedit.TsEditError:
                shape, members = SHAPE_UNKNOWN, ()
            return ServiceUi(service_type, rel.as_posix(), ext, shape, members)
    return ServiceUi(service_type, None, None, SHAPE_UNKNOWN)


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
        f"python          {layout.python or 'none found'}: {layout.python_why}",
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
