"""Checks of the workspace a connector is scaffolded into, before anything is rendered or written.

Each refusal is one line naming the fix: a service type or auth type the release does not
have, a name an existing connector already uses (in any service folder, whatever ``--force``
says), files that exist, a tree that cannot be written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.scaffold import conventions
from connkit.openmetadata.scaffold.options import AUTH_TYPES, ScaffoldOptions
from connkit.openmetadata.workspace import INGESTION_SOURCE, Workspace

SCAFFOLDED_MARKER = "CONNECTOR_CONTEXT.md"  # a package holding it was written by scaffold
_SUFFIX = "Connection.json"


def check_service_type(ws: Workspace, opts: ScaffoldOptions) -> None:
    """A release without ``{type}Service.json`` (1.1 and 1.4 have no search or api services)."""
    present = conventions.service_types(ws)
    if opts.service_type not in present:
        raise UsageError(
            f"this workspace's release has no {opts.service_type} services "
            f"({ws.rel(ws.service_schema(opts.service_type))} is missing); choose from {', '.join(present)}"
        )


def available_auth_types(ws: Workspace, service_type: str) -> tuple[str, ...]:
    """The auth types whose schemas the release has (cloud credentials are shared schemas)."""
    refs = conventions.auth_refs(ws, service_type)
    credentials = ws.spec_schema_dir / "security" / "credentials"
    needs = {"iam": "awsCredentials.json", "azure": "azureCredentials.json"}
    return tuple(
        auth
        for auth in AUTH_TYPES
        if auth not in needs or auth in refs or (credentials / needs[auth]).is_file()
    )


def check_auth_types(ws: Workspace, opts: ScaffoldOptions) -> None:
    available = available_auth_types(ws, opts.service_type)
    for auth in opts.auth_types:
        if auth not in available:
            raise UsageError(
                f"--auth-types {auth}: this workspace's release has no schema for it; choose from "
                f"{', '.join(available)}"
            )


def check_capabilities(ws: Workspace, opts: ScaffoldOptions) -> None:
    """Capabilities the release's framework or spec has no place for (1.1: no stored procedures,
    no data diff)."""
    if opts.has("data_diff") and "supportsDataDiff" not in conventions.basic_types(ws):
        raise UsageError(
            "--capabilities data_diff: this workspace's release has no data diff (its "
            "connectionBasicType.json defines no supportsDataDiff); drop it"
        )
    methods = conventions.base_methods(ws.root, "database")
    if opts.has("stored_procedures") and methods is not None and "get_stored_procedures" not in methods:
        raise UsageError(
            "--capabilities stored_procedures: this workspace's release has no stored procedures "
            "(its DatabaseServiceSource defines no get_stored_procedures); drop it"
        )


def check_name_free(ws: Workspace, opts: ScaffoldOptions, force: bool) -> None:
    """A name an existing connector uses is refused: its package or connection schema, any type.

    ``--force`` only re-scaffolds a connector scaffold wrote (its package holds
    CONNECTOR_CONTEXT.md) in the same service type.
    """
    name, own_type = opts.connector.name, opts.service_type
    for service_type in _folders(ws.root / INGESTION_SOURCE, own_type):
        package = ws.source_package(service_type, name)
        if not (package.exists() or package.is_symlink()):
            continue
        ours = service_type == own_type and (package / SCAFFOLDED_MARKER).is_file()
        if ours and force:
            continue
        if ours:
            raise UsageError(
                f"{ws.rel(package)} already exists; choose another --name or pass --force to overwrite"
            )
        raise UsageError(
            f"--name {name} is taken: {ws.rel(package)} already exists"
            f"{'' if service_type == own_type else f' (a {service_type} connector)'}; choose another --name"
        )
    folded = _fold(opts.connector.module)
    own_schema = ws.connection_schema(own_type, opts.connector.module)
    scaffolded = (ws.source_package(own_type, name) / SCAFFOLDED_MARKER).is_file()
    for service_type in _folders(ws.connections_dir(own_type).parent, own_type):
        folder = ws.connections_dir(service_type)
        for schema in sorted(folder.glob(f"*{_SUFFIX}")):
            if _fold(schema.name[: -len(_SUFFIX)]) != folded:
                continue
            if schema == own_schema and scaffolded:
                continue  # the connector's own files: check_files decides (--force)
            where = "" if service_type == own_type else f" (a {service_type} connection)"
            if service_type == own_type and schema.name.lower() == own_schema.name.lower():
                where = " (the same name in a different case)"
            raise UsageError(
                f"--name {name} is taken: {ws.rel(schema)} already exists{where}; choose another --name"
            )
    service = ws.service_schema(own_type)
    try:
        text = service.read_text(encoding="utf-8") if service.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    if re.search(rf'"{re.escape(opts.connector.camel)}"', text) and not force:
        raise UsageError(
            f"{opts.connector.camel} is already a {own_type} service type in {ws.rel(service)}; "
            "choose another --name"
        )


def check_files(ws: Workspace, paths: list[Path], force: bool) -> None:
    """Files the connector would write that exist already need ``--force``."""
    if force:
        return
    for path in paths:
        if path.exists() or path.is_symlink():
            raise UsageError(
                f"{ws.rel(path)} already exists; choose another --name or pass --force to overwrite"
            )


def check_writable(ws: Workspace, paths: list[Path]) -> None:
    """Find an unwritable tree before writing anything (a file where a folder must go, no permission)."""
    for path in paths:
        parent = path.parent
        while not parent.exists():
            if parent.is_symlink():
                raise UsageError(f"{ws.rel(parent)} is a dangling link; remove it or fix the workspace")
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(f"{ws.rel(parent)} is a file where a folder is needed; move it away and retry")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"{ws.rel(parent)} is not writable; fix its permissions and retry")
        if path.exists() and (path.is_dir() or not os.access(path, os.W_OK)):
            raise UsageError(f"{ws.rel(path)} cannot be overwritten; remove it or fix its permissions")


def _folders(parent: Path, first: str) -> list[str]:
    """Every service folder under ``parent`` (also types connkit does not scaffold, such as
    ``metadata``), ``first`` first."""
    found = (
        [p.name for p in parent.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
        if parent.is_dir()
        else []
    )
    return sorted(found, key=lambda name: name != first)


def _fold(text: str) -> str:
    return text.replace("_", "").lower()
