"""`connkit quickstart`: the main job end to end on the built-in default workspace."""

from __future__ import annotations

from pathlib import Path

from invoke.exceptions import Exit

from connkit.cli._common import connkit_task
from connkit.cli.validate import print_checklist
from connkit.engine.options import RunOptions


@connkit_task(
    help={
        "dir": "the workspace folder: created from the default release if it does not exist yet",
        "name": "connector to scaffold, register and validate (default acmedb)",
        "service_type": "its service type (default database)",
        "jobs": "steps to run at once during validate",
    }
)
def quickstart(c, dir="connkit-workspace", name="acmedb", service_type="database", jobs=2):
    """Create the default workspace, scaffold a connector, register it and validate it.

    Each stage is the ordinary command (workspace.create, scaffold, register, validate), so a
    second quickstart reuses the workspace and the connector and replays validate from the cache.
    """
    from rich.console import Console

    from connkit.openmetadata.quickstart import quickstart as run_quickstart

    console = Console(stderr=True, highlight=False)
    result = run_quickstart(
        Path(dir),
        name,
        service_type,
        RunOptions(jobs=jobs, logs="errors"),
        stage=console.rule,
        progress=lambda line: console.print(line, markup=False),
    )
    print_checklist(result.validation)
    if not result.validation.ok:
        raise Exit(code=1)
