"""Formatting rendered Python the way ``connkit format`` will, before anything is written.

Scaffolded files must survive ``connkit format --check`` (validate's "formatters produce no
change"). Both go through one model, ``connkit.openmetadata.formatting``: the workspace's own
formatter commands (a checkout's pycln + isort + black recipe, or ruff), run with the same
tool versions — the workspace environment's when it exists, otherwise connkit's own ruff or
``uv tool run`` of exactly the version the environment will get.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata import formatting
from connkit.openmetadata.steps.pyenv import python_env
from connkit.openmetadata.workspace import Workspace
from connkit.openmetadata.workspace.python import choose_python, uv_command


def format_python_files(ws: Workspace, texts: Mapping[Path, str]) -> dict[Path, str]:
    """``texts`` (target path → rendered source) as the workspace's formatters leave them;
    unchanged where a formatter cannot run or parse them (the scaffold's checks report that)."""
    env = python_env(ws)
    python = env.python if env.python.is_file() else None
    try:
        uv_python: str | None = str(choose_python(ws.root).path)
    except UsageError:
        uv_python = None
    run_tool = formatting.runner_for(python, uv_command(), uv_python)
    return formatting.format_texts(ws.root, texts, run_tool)
