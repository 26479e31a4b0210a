"""The OpenMetadata checkout connkit works on, and the well-known paths inside it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.project import default_state_dir
from connkit.engine.step import StepContext
from connkit.errors import WorkspaceNotFound

SPEC_SCHEMA = Path("openmetadata-spec/src/main/resources/json/schema")
TEST_CONNECTIONS = Path("openmetadata-service/src/main/resources/json/data/testConnections")
INGESTION_SOURCE = Path("ingestion/src/metadata/ingestion/source")
GENERATED = Path("ingestion/src/metadata/generated")
UI_ROOT = Path("openmetadata-ui/src/main/resources/ui")
SETUP_PY = Path("ingestion/setup.py")


@dataclass(frozen=True)
class Workspace:
    """An OpenMetadata source tree: a real checkout or one assembled from published artifacts."""

    root: Path

    @property
    def state_dir(self) -> Path:
        """Where the engine keeps its cache and records (the engine's ``Project``)."""
        return default_state_dir(self.root)

    @property
    def journal_dir(self) -> Path:
        """Where multi-file edits of this tree keep their journal until they commit."""
        return self.root / ".connkit" / "journal"

    @property
    def spec_schema_dir(self) -> Path:
        return self.root / SPEC_SCHEMA

    def service_schema(self, service_type: str) -> Path:
        return self.spec_schema_dir / "entity" / "services" / f"{service_type}Service.json"

    def connection_schema(self, service_type: str, module_name: str) -> Path:
        return self.connections_dir(service_type) / f"{module_name}Connection.json"

    def connections_dir(self, service_type: str) -> Path:
        return self.spec_schema_dir / "entity" / "services" / "connections" / service_type

    def test_connection(self, service_type: str, module_name: str) -> Path:
        return self.root / TEST_CONNECTIONS / service_type / f"{module_name}.json"

    def source_package(self, service_type: str, name: str) -> Path:
        return self.root / INGESTION_SOURCE / service_type / name

    @property
    def ingestion_dir(self) -> Path:
        return self.root / "ingestion"

    @property
    def generated_dir(self) -> Path:
        return self.root / GENERATED

    @property
    def ui_dir(self) -> Path:
        return self.root / UI_ROOT

    def rel(self, path: Path) -> str:
        """A workspace-relative POSIX path, as keys and records store them."""
        return Path(os.path.relpath(path, self.root)).as_posix()


def find_workspace(start: Path | str | None = None) -> Workspace:
    """Walk up from ``start`` to the directory holding ``openmetadata-spec/``.

    ``CONNKIT_WORKSPACE`` overrides the search, as upstream's scaffold finds its repo root.
    """
    override = os.environ.get("CONNKIT_WORKSPACE")
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / "openmetadata-spec").is_dir():
            raise WorkspaceNotFound(
                f"CONNKIT_WORKSPACE={override} has no openmetadata-spec/ folder; "
                "point it at an OpenMetadata checkout or unset it"
            )
        return Workspace(root)
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "openmetadata-spec").is_dir():
            return Workspace(candidate)
    raise WorkspaceNotFound(
        f"no OpenMetadata workspace above {here}: run inside a checkout (a folder with "
        "openmetadata-spec/), set CONNKIT_WORKSPACE, or create one with "
        "`connkit workspace.create DIR`"
    )


def workspace_of(ctx: StepContext) -> Workspace:
    """The workspace an OpenMetadata step runs in (the engine hands actions a ``Project``)."""
    project = ctx.project
    return project if isinstance(project, Workspace) else Workspace(project.root)
