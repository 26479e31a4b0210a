"""``workspace.create`` and ``workspace.info``: make an OpenMetadata workspace, describe one."""

from __future__ import annotations

import json
from pathlib import Path

from invoke import Collection

from connkit.cli._common import connkit_task
from connkit.errors import UsageError


@connkit_task(
    help={
        "dir": "new or empty directory to create the workspace in",
        "openmetadata_version": "release to assemble, PyPI (1.4.0.1) or Maven (1.4.0) form; "
        "default: the newest with both the ingestion sdist and the spec jar",
        "json": "print the result as JSON",
    }
)
def create(c, dir, openmetadata_version=None, json_=False):
    """Assemble an OpenMetadata workspace (a git repository) from a release's published artifacts."""
    from rich.console import Console

    from connkit.openmetadata.release.create import create_workspace, result_summary

    if str(dir).startswith("-"):
        raise UsageError(
            f"{dir!r} looks like a flag, not a directory; for help run `connkit --help workspace.create`"
        )
    console = Console(stderr=True, highlight=False)
    with console.status("workspace.create") as status:

        def progress(message: str) -> None:
            status.update(message)
            console.print(f"[dim]·[/] {message}")

        result = create_workspace(Path(dir), openmetadata_version, progress=progress)
    if json_:
        print(json.dumps(result_summary(result), indent=2))
        return
    source = "downloaded" if result.downloaded else "all from the download cache"
    print(
        f"created {result.path}: OpenMetadata {result.release.maven_version} "
        f"(openmetadata-ingestion {result.release.pypi_version}), {result.files} files, "
        f"test connections {result.test_connections}, {source}, {result.seconds:.1f}s"
    )


@connkit_task(help={"json": "print the layout as JSON"})
def info(c, json_=False):
    """Describe the workspace here: release, UI utils files and their shape, i18n, extras."""
    from connkit.openmetadata.workspace import find_workspace
    from connkit.openmetadata.workspace.layout import describe, detect_layout

    layout = detect_layout(find_workspace().root)
    if json_:
        print(json.dumps(layout.to_json(), indent=2))
    else:
        print(describe(layout))


ns = Collection("workspace")
ns.add_task(create, name="create")
ns.add_task(info, name="info")
