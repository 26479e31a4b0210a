"""Installing connkit's GitHub Actions workflow (``ci/connectors.yml``) into a workspace."""

from __future__ import annotations

from pathlib import Path

from connkit.errors import UsageError
from connkit.fsutil import atomic_write_bytes
from connkit.resources import data_dir
from connkit.workspace import Workspace

WORKFLOW = Path(".github/workflows/connectors.yml")


def workflow_text() -> bytes:
    return (data_dir("ci") / "connectors.yml").read_bytes()


def install_workflow(ws: Workspace, force: bool = False) -> tuple[Path, bool]:
    """(path, whether it was written). A workflow someone edited is kept unless ``force``."""
    target = ws.root / WORKFLOW
    wanted = workflow_text()
    if target.is_file():
        if target.read_bytes() == wanted:
            return target, False
        if not force:
            raise UsageError(
                f"{ws.rel(target)} exists and differs from connkit's; pass --force to replace it"
            )
    atomic_write_bytes(target, wanted)
    return target, True
