"""Every step a workspace has: the providers each capability contributes plus the steps the
workspace's own configuration declares. Providers are imported lazily so a command that
needs none of them starts fast."""

from __future__ import annotations

import importlib

from connkit.engine.config import load_config
from connkit.engine.step import Step
from connkit.openmetadata.workspace import Workspace

#: "module:function" strings; each function takes a Workspace and returns a list of Steps.
PROVIDERS: list[str] = [
    "connkit.openmetadata.steps.toolchain:steps",
    "connkit.openmetadata.steps.validate:steps",
]


def all_steps(ws: Workspace) -> list[Step]:
    """Provider steps, then the workspace's own; a configured step replaces a built-in one
    with the same id (a workspace can swap in its own generator, say)."""
    configured = load_config(ws).steps
    own = {s.id for s in configured}
    steps: list[Step] = []
    for spec in PROVIDERS:
        module, _, func = spec.partition(":")
        steps.extend(s for s in getattr(importlib.import_module(module), func)(ws) if s.id not in own)
    steps.extend(configured)
    return steps
