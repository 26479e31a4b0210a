"""Test-connection definitions derived from the ingestion source, for releases without them.

The definitions live in ``openmetadata-service`` (a jar not every release publishes where
connkit runs). Their step names must equal the keys of the ``test_fn`` dict each
connector's ``connection.py`` hands to ``test_connection_steps``, so those keys are read back
from the source the way review's ``schema/test-steps-match`` reads them (``stepkeys``): a
literal ``test_fn = {...}``, keys filled in one by one (``test_fn["K"] = ...``, superset), or
the dict a shared helper builds (``test_connection_db_common``), with one step per key of
the ``queries`` dict the connector passes it. Connectors whose keys cannot be read
statically get no file. Derived files say so in their description.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from connkit.openmetadata import stepkeys
from connkit.openmetadata.connectors import Connector

SOURCE_ROOT = Path("ingestion/src")


def step_names(connection_py: Path, src_root: Path) -> list[str]:
    """The test-connection step names a connector's ``connection.py`` runs, in the order its
    ``test_fn`` gets them ([] if they cannot be read)."""
    try:
        tree = ast.parse(connection_py.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    found = stepkeys.connection_steps(tree, src_root)
    return list(found.keys) if found is not None else []


def derive(root: Path, connectors: dict[str, list[Connector]]) -> dict[Path, bytes]:
    """Definitions for the connectors whose step names the source reveals, ws-relative paths."""
    out: dict[Path, bytes] = {}
    for members in connectors.values():
        for connector in members:
            package = root / connector.package
            steps = step_names(package / "connection.py", root / SOURCE_ROOT)
            if not steps:
                continue
            definition = {
                "name": connector.camel,
                "displayName": f"{connector.camel} Test Connection",
                "description": (
                    f"Steps to validate a {connector.camel} connection. Derived by connkit from "
                    f"{package.name}/connection.py: this release publishes no openmetadata-service jar."
                ),
                "steps": [
                    {
                        "name": step,
                        "description": f"Run the {step} check against {connector.camel}.",
                        "errorMessage": f"The {step} check against {connector.camel} failed.",
                        "shortCircuit": index == 0,
                        "mandatory": index == 0,
                    }
                    for index, step in enumerate(steps)
                ],
            }
            rel = Path(connector.test_connection)
            out[rel] = (json.dumps(definition, indent=2) + "\n").encode()
    return out
