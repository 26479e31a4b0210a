"""Every step a workspace has: the providers each capability contributes plus the steps the
workspace's own configuration declares. Providers are imported lazily so a command that
needs none of them starts fast."""

from __future__ import annotations

import importlib
from collections.abc import Callable

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


def connector_group(ws: Workspace) -> Callable[[Step], str | None]:
    """The connector a step belongs to (its id ends in the connector's name, as
    ``format.python.acmedb`` and ``validate.review.acmedb`` do), for grouping pictures of
    the graph; None for a workspace-wide step."""
    from connkit.openmetadata.connectors import find_connectors

    names = {c.name for c in find_connectors(ws)}

    def group(step: Step) -> str | None:
        last = step.id.rpartition(".")[2]
        return last if last in names and last != step.id else None

    return group
