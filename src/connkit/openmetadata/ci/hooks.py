"""The pre-commit hooks this repository publishes (``.pre-commit-hooks.yaml``): which
connectors the files of a commit belong to.

pre-commit hands a hook the changed files, named relative to the repository root it runs
in; a hook checks the connectors those files belong to (``affected.owning_connectors``), not
everything they may affect downstream (that is CI's matrix). The register check also takes a
connector whose registration lives in a changed file (a service schema, UI utils, setup.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from connkit.openmetadata.ci.affected import owning_connectors
from connkit.openmetadata.connectors import Connector, find_connectors
from connkit.openmetadata.workspace import Workspace

#: Hook ids (``connkit-<id>`` in .pre-commit-hooks.yaml) and whether a file holding a
#: connector's registration counts as that connector's.
HOOKS = {"register-check": True, "format-check": False, "review": False}


def workspace_paths(ws: Workspace, files: Sequence[str], cwd: Path | None = None) -> list[str]:
    """File names relative to ``cwd`` as workspace-relative paths; files outside are dropped."""
    cwd = cwd or Path.cwd()
    root = ws.root.resolve()
    out = []
    for name in files:
        try:
            out.append(Path(os.path.abspath(cwd / name)).relative_to(root).as_posix())
        except ValueError:
            continue
    return out


def changed_connectors(ws: Workspace, hook: str, files: Sequence[str]) -> list[Connector]:
    return owning_connectors(ws.root, find_connectors(ws), workspace_paths(ws, files), HOOKS[hook])
