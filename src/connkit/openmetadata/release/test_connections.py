"""Test-connection definitions derived from the ingestion source, for releases without them.

The definitions live in ``openmetadata-service`` (a jar not every release publishes where
connkit runs). Their step names must equal the keys of the ``test_fn`` dict each
connector's ``connection.py`` hands to ``test_connection_steps``, so those keys can be read
back from the source: a literal ``test_fn = {...}`` in ``connection.py``, or the literal in
the shared helper it calls (``test_connection_db_schema_sources`` and friends in
``metadata/ingestion/connections/test_connections.py``). Connectors whose keys cannot be
read statically get no file. Derived files say so in their description.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.pysource import step_functions

HELPERS = Path("ingestion/src/metadata/ingestion/connections/test_connections.py")


def literal_test_fn_keys(tree: ast.AST) -> dict[str | None, list[str]]:
    """Keys of every ``test_fn`` dict literal, by enclosing function name (None: module level)."""
    found: dict[str | None, list[str]] = {}
    for fns in step_functions(tree):
        if fns.keys:
            keys = found.setdefault(fns.function, [])
            keys.extend(k for k in fns.keys if k not in keys)
    return found


def _called_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def _parse(path: Path) -> ast.AST | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None


def step_names(connection_py: Path, helpers: dict[str | None, list[str]]) -> list[str]:
    """The test-connection step names a connector's ``connection.py`` runs ([] if unknown)."""
    tree = _parse(connection_py)
    if tree is None:
        return []
    own = literal_test_fn_keys(tree)
    if own:
        keys: list[str] = []
        for values in own.values():
            keys.extend(v for v in values if v not in keys)
        return keys
    for called in sorted(_called_names(tree)):
        if called in helpers:
            return list(helpers[called])
    return []


def derive(root: Path, connectors: dict[str, list[Connector]]) -> dict[Path, bytes]:
    """Definitions for the connectors whose step names the source reveals, ws-relative paths."""
    helper_tree = _parse(root / HELPERS)
    helpers = {k: v for k, v in literal_test_fn_keys(helper_tree).items() if k} if helper_tree else {}
    out: dict[Path, bytes] = {}
    for members in connectors.values():
        for connector in members:
            package = root / connector.package
            steps = step_names(package / "connection.py", helpers)
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
