"""README's main job end to end: the default workspace, one connector scaffolded, registered
and validated. Each stage is the library function behind the ordinary command, so a second
quickstart reuses the workspace and the connector and replays validate from the cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.options import RunOptions
from connkit.openmetadata import register as reg
from connkit.openmetadata.steps.validate import Report
from connkit.openmetadata.workspace import Workspace

Stage = Callable[[str], None]


@dataclass
class QuickstartResult:
    workspace: Workspace
    created: bool
    scaffolded: bool
    registration: reg.Report
    validation: Report


def has_connection_schema(ws: Workspace, name: str) -> bool:
    """Whether some service type already has ``name``'s connection schema (any spelling)."""
    from connkit.openmetadata.connectors import Connector

    wanted = f"{Connector.named(name, 'database').module}Connection.json".lower()
    folder = ws.spec_schema_dir / "entity" / "services" / "connections"
    return any(p.name.lower() == wanted for p in folder.glob("*/*.json"))


def quickstart(
    root: Path,
    name: str,
    service_type: str,
    options: RunOptions,
    *,
    stage: Stage = lambda _: None,
    progress: Callable[[str], None] = lambda _: None,
) -> QuickstartResult:
    from connkit.openmetadata.release.create import create_workspace
    from connkit.openmetadata.scaffold import render as scaffold
    from connkit.openmetadata.scaffold.options import build_options
    from connkit.openmetadata.steps.validate import validate

    root = root.expanduser().resolve()
    created = not (root / "openmetadata-spec").is_dir()
    if created:
        stage(f"workspace.create {root}")
        create_workspace(root, None, progress=progress)
    ws = Workspace(root)
    scaffolded = not has_connection_schema(ws, name)
    if scaffolded:
        stage(f"scaffold --name {name} --service-type {service_type}")
        plan = scaffold.scaffold(ws, build_options(name=name, service_type=service_type))
        progress(scaffold.summary(plan))
    stage(f"register --name {name}")
    registration = reg.register(ws, name)
    progress(registration.render())
    stage(f"validate --name {name}")
    report = validate(ws, name, None, options)
    return QuickstartResult(ws, created, scaffolded, registration, report)
