"""Installing connkit's CI into a workspace: the GitHub Actions workflow
(``ci/connectors.yml``) and, when the workspace has none, a ``noxfile.py`` defining the
``validate(connector='X')`` sessions its matrix jobs run (``ci/noxfile.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from connkit.errors import UsageError
from connkit.fsutil import atomic_write_bytes
from connkit.openmetadata.workspace import Workspace
from connkit.resources import data_dir

WORKFLOW = Path(".github/workflows/connectors.yml")
NOXFILE = Path("noxfile.py")
NOX_HINT = (
    "it does not define the validate sessions: add\n"
    "    from connkit.openmetadata.ci.nox_sessions import add_validate_sessions\n"
    '    add_validate_sessions(nox, install=["connkit"], workspace=Path(__file__).resolve().parent)'
)


@dataclass(frozen=True)
class Installed:
    path: Path
    status: str  # "wrote", "up to date", or "kept" (someone's own file, left alone)
    note: str = ""


def workflow_text() -> bytes:
    return (data_dir("ci") / "connectors.yml").read_bytes()


def noxfile_text() -> bytes:
    return (data_dir("ci") / "noxfile.py").read_bytes()


def install_ci(ws: Workspace, force: bool = False) -> list[Installed]:
    """Write the workflow (an edited one only with ``force``) and the noxfile (never over a
    workspace's own noxfile, which may define other sessions; ``force`` replaces it too)."""
    done: list[Installed] = []
    workflow = ws.root / WORKFLOW
    wanted = workflow_text()
    if workflow.is_file() and workflow.read_bytes() != wanted and not force:
        raise UsageError(f"{ws.rel(workflow)} exists and differs from connkit's; pass --force to replace it")
    done.append(_write(workflow, wanted))
    noxfile = ws.root / NOXFILE
    wanted = noxfile_text()
    if noxfile.is_file() and noxfile.read_bytes() != wanted and not force:
        own = noxfile.read_text(encoding="utf-8", errors="replace")
        note = "" if "add_validate_sessions" in own else NOX_HINT
        done.append(Installed(noxfile, "kept", note))
    else:
        done.append(_write(noxfile, wanted))
    return done


def _write(path: Path, data: bytes) -> Installed:
    if path.is_file() and path.read_bytes() == data:
        return Installed(path, "up to date")
    atomic_write_bytes(path, data)
    return Installed(path, "wrote")
