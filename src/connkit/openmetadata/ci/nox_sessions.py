"""nox sessions over a workspace's connectors, shared by this repository's noxfile and the
one `connkit ci.install` writes into a workspace: one `validate(connector='N')` session per
connector, so CI matrix jobs fan out by session name."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def locate_workspace(default: Path | None = None) -> Path | None:
    """CONNKIT_WORKSPACE, else the folder nox was started from (nox changes into the
    noxfile's folder, but the shell's PWD survives), else ``default``."""
    from connkit.errors import WorkspaceNotFound
    from connkit.openmetadata.workspace import find_workspace

    for start in (None, os.environ.get("PWD")):
        try:
            if start is None and not os.environ.get("CONNKIT_WORKSPACE"):
                continue
            return find_workspace(start).root
        except WorkspaceNotFound:
            continue
    if default is not None and (default / "openmetadata-spec").is_dir():
        return default
    return None


def connector_names(workspace: Path | None) -> list[str]:
    if workspace is None:
        return []
    from connkit.openmetadata.connectors import find_connectors
    from connkit.openmetadata.workspace import Workspace

    return sorted({c.name for c in find_connectors(Workspace(workspace))})


def add_validate_sessions(
    nox: Any, install: Sequence[str], workspace: Path | None, python: str | None = None
) -> None:
    """Register ``validate`` parametrized by connector; ``-- NAME...`` narrows the run."""
    names = connector_names(workspace)

    if not names:

        @nox.session(python=python, name="validate")
        def validate_nothing(session: Any) -> None:
            """Validate connectors (none found: run inside a workspace or set CONNKIT_WORKSPACE)."""
            session.error(
                "no OpenMetadata workspace with connectors found: run nox inside one, or set "
                "CONNKIT_WORKSPACE (create one with `connkit workspace.create DIR`)"
            )

        return

    @nox.session(python=python)
    @nox.parametrize("connector", names)
    def validate(session: Any, connector: str) -> None:
        """The pre-PR checklist for one connector, as cached connkit steps."""
        if session.posargs and connector not in session.posargs:
            session.skip(f"{connector} not named in {' '.join(session.posargs)}")
        session.install(*install)
        # In a GitHub Actions job the checklist also goes to the job's summary page.
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        session.run(
            "connkit",
            "validate",
            "--name",
            connector,
            *(["--summary", summary] if summary else []),
            env={"CONNKIT_WORKSPACE": str(workspace)},
        )
