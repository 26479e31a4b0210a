"""`connkit quickstart`: the main job end to end on the built-in default workspace."""

from __future__ import annotations

import os
from pathlib import Path

from invoke import task
from rich.console import Console

from connkit.cli import register as _register
from connkit.cli import scaffold as _scaffold
from connkit.cli import validate as _validate
from connkit.cli import workspace as _workspace
from connkit.cli._common import reports_errors


@task(
    help={
        "dir": "the workspace folder: created from the default release if it does not exist yet",
        "name": "connector to scaffold, register and validate (default acmedb)",
        "service_type": "its service type (default database)",
        "jobs": "steps to run at once during validate",
    }
)
@reports_errors
def quickstart(c, dir="connkit-workspace", name="acmedb", service_type="database", jobs=2):
    """Create the default workspace, scaffold a connector, register it and validate it.

    Each stage is the ordinary command (workspace.create, scaffold, register, validate), so a
    second quickstart reuses the workspace and the connector and replays validate from the cache.
    """
    console = Console(stderr=True, highlight=False)
    root = Path(dir).expanduser().resolve()
    if not (root / "openmetadata-spec").is_dir():
        console.rule(f"workspace.create {root}")
        _workspace.create(c, str(root))
    previous = os.environ.get("CONNKIT_WORKSPACE")
    os.environ["CONNKIT_WORKSPACE"] = str(root)
    try:
        schema_dir = root / "openmetadata-spec/src/main/resources/json/schema/entity/services/connections"
        if not any(schema_dir.glob(f"*/{name}Connection.json")) and not any(
            p.name.lower() == f"{name}connection.json" for p in schema_dir.glob("*/*.json")
        ):
            console.rule(f"scaffold --name {name} --service-type {service_type}")
            _scaffold.scaffold(c, name=name, service_type=service_type)
        console.rule(f"register --name {name}")
        _register.register(c, name=name)
        console.rule(f"validate --name {name}")
        _validate.validate(c, name=name, jobs=jobs, logs="errors")
    finally:
        if previous is None:
            os.environ.pop("CONNKIT_WORKSPACE", None)
        else:
            os.environ["CONNKIT_WORKSPACE"] = previous
