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

from connkit.openmetadata.workspace.layout import SpecConnector

SOURCE = Path("ingestion/src/metadata/ingestion/source")
HELPERS = Path("ingestion/src/metadata/ingestion/connections/test_connections.py")


def literal_test_fn_keys(tree: ast.AST) -> dict[str | None, list[str]]:
    """Keys of every ``test_fn`` dict literal, by enclosing function name (None: module level)."""
    found: dict[str | None, list[str]] = {}

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            name = func
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
            value = None
            if isinstance(child, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "test_fn" for t in child.targets
            ):
                value = child.value
            elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
                if child.target.id == "test_fn":
                    value = child.value
            elif isinstance(child, ast.keyword) and child.arg == "test_fn":
                value = child.value
            if isinstance(value, ast.Dict):
                keys = [k.value for k in value.keys if isinstance(k, ast.Constant)]
                keys = [k for k in keys if isinstance(k, str)]
                if keys:
                    found.setdefault(func, [])
                    found[func].extend(k for k in keys if k not in found[func])
            visit(child, name)

    visit(tree, None)
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


def _squash(text: str) -> str:
    return text.replace("_", "").lower()


def derive(root: Path, connectors: dict[str, list[SpecConnector]]) -> dict[Path, bytes]:
    """Definitions for the connectors whose step names the source reveals, ws-relative paths."""
    helper_tree = _parse(root / HELPERS)
    helpers = {k: v for k, v in literal_test_fn_keys(helper_tree).items() if k} if helper_tree else {}
    out: dict[Path, bytes] = {}
    for service_type, members in connectors.items():
        source_dir = root / SOURCE / service_type
        packages = (
            {_squash(p.name): p for p in source_dir.iterdir() if (p / "connection.py").is_file()}
            if source_dir.is_dir()
            else {}
        )
        for connector in members:
            package = packages.get(_squash(connector.module)) or packages.get(_squash(connector.enum))
            if package is None:
                continue
            steps = step_names(package / "connection.py", helpers)
            if not steps:
                continue
            definition = {
                "name": connector.enum,
                "displayName": f"{connector.enum} Test Connection",
                "description": (
                    f"Steps to validate a {connector.enum} connection. Derived by connkit from "
                    f"{package.name}/connection.py: this release publishes no openmetadata-service jar."
                ),
                "steps": [
                    {
                        "name": step,
                        "description": f"Run the {step} check against {connector.enum}.",
                        "errorMessage": f"The {step} check against {connector.enum} failed.",
                        "shortCircuit": index == 0,
                        "mandatory": index == 0,
                    }
                    for index, step in enumerate(steps)
                ],
            }
            rel = (
                Path("openmetadata-service/src/main/resources/json/data/testConnections")
                / service_type
                / f"{connector.module}.json"
            )
            out[rel] = (json.dumps(definition, indent=2) + "\n").encode()
    return out
