"""Small OpenMetadata-like workspaces built from hand-written files in the upstream formats."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from connkit.openmetadata.workspace import UI_ROOT, Workspace

DATA = Path(__file__).parent / "openmetadata" / "data"
SERVICES = Path("openmetadata-spec/src/main/resources/json/schema/entity/services")


def connection_schema(service_type: str, module: str, camel: str) -> dict:
    """A connection schema shaped like the scaffold's output."""
    return {
        "$id": f"https://open-metadata.org/schema/entity/services/connections/{service_type}/{module}Connection.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"{camel}Connection",
        "description": f"{camel} Connection Config",
        "type": "object",
        "javaType": (f"org.openmetadata.schema.services.connections.{service_type}.{camel}Connection"),
        "definitions": {
            f"{module}Type": {
                "description": "Service type.",
                "type": "string",
                "enum": [camel],
                "default": camel,
            }
        },
        "properties": {
            "type": {"$ref": f"#/definitions/{module}Type", "default": camel},
            "hostPort": {"type": "string", "format": "uri", "expose": True},
        },
        "additionalProperties": False,
        "required": ["hostPort"],
    }


def build_workspace(
    root: Path,
    *,
    ui: str | None = "switch",
    i18n: bool = True,
    setup: bool = True,
    connectors: tuple[tuple[str, str, str], ...] = (("dashboard", "myDb", "MyDb"),),
) -> Workspace:
    """Lay out a workspace: service schemas, scaffolded connection schemas, UI, i18n, setup.py."""
    services = root / SERVICES
    services.mkdir(parents=True)
    for name in ("dashboardService.json", "databaseService.json"):
        shutil.copy(DATA / "spec" / name, services / name)
    for service_type, module, camel in connectors:
        path = services / "connections" / service_type / f"{module}Connection.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(connection_schema(service_type, module, camel), indent=2) + "\n")
    if ui is not None:
        utils = root / UI_ROOT / "src" / "utils"
        utils.mkdir(parents=True)
        for f in (DATA / "ui" / ui).iterdir():
            shutil.copy(f, utils / f.name)
    if i18n:
        lang = root / UI_ROOT / "src" / "locale" / "languages"
        lang.mkdir(parents=True)
        shutil.copy(DATA / "spec" / "en-us.json", lang / "en-us.json")
    if setup:
        (root / "ingestion").mkdir()
        shutil.copy(DATA / "spec" / "setup.py", root / "ingestion" / "setup.py")
    return Workspace(root)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes under ``root``, to prove a run changed nothing."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def git_init(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")


def build_connector_workspace(root: Path, **kwargs) -> Workspace:
    """A workspace holding one clean, hand-written dashboard connector ``my_db``."""
    ws = build_workspace(root, connectors=(), **kwargs)
    shutil.copytree(DATA / "connector", root, dirs_exist_ok=True)
    return ws
