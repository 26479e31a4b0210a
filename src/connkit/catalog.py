"""Every step a workspace has: the providers each capability contributes plus the steps the
workspace's own configuration declares. Providers are imported lazily so a command that
needs none of them starts fast."""

from __future__ import annotations

import importlib

from connkit.config import load_config
from connkit.steps import Step
from connkit.workspace import Workspace

#: "module:function" strings; each function takes a Workspace and returns a list of Steps.
PROVIDERS: list[str] = ["connkit.validate:steps"]


def all_steps(ws: Workspace) -> list[Step]:
    steps: list[Step] = []
    for spec in PROVIDERS:
        module, _, func = spec.partition(":")
        steps.extend(getattr(importlib.import_module(module), func)(ws))
    steps.extend(load_config(ws).steps)
    return steps
