"""Which extras of the ingestion package a checkout's ingestion image installs.

Upstream's image installs ``[all]`` (hundreds of packages); the stack installs what a connector
author needs here: the extra of each scaffolded connector, the extra for the stack's own
database (so a connector can be pointed at it), and any ``--extras`` asked for — each only
where ``ingestion/setup.py``'s ``plugins`` declares it.
"""

from __future__ import annotations

import ast

from connkit.errors import UsageError
from connkit.openmetadata.pysource import plugins_dict
from connkit.openmetadata.stack.options import StackOptions
from connkit.openmetadata.workspace import SETUP_PY, Workspace

#: The setup.py extra that brings the driver for the stack's database.
DATABASE_EXTRA = {"postgresql": "postgres", "mysql": "mysql"}


def declared_extras(ws: Workspace) -> set[str]:
    """The keys of ``plugins = {...}`` in ``ingestion/setup.py``."""
    try:
        tree = ast.parse((ws.root / SETUP_PY).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    found = plugins_dict(tree)
    if found is None:
        return set()
    return {k.value for k in found.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def ingestion_extras(ws: Workspace, options: StackOptions) -> tuple[str, ...]:
    from connkit.openmetadata.steps.toolchain import scaffolded_connectors

    declared = declared_extras(ws)
    unknown = [e for e in options.extras if e not in declared]
    if unknown:
        raise UsageError(
            f"--extras {','.join(unknown)}: not an extra of {SETUP_PY} (its plugins dict); "
            "name extras it declares"
        )
    wanted = [DATABASE_EXTRA.get(options.database, ""), *(c.name for c in scaffolded_connectors(ws))]
    return tuple(sorted({e for e in (*wanted, *options.extras) if e in declared}))
