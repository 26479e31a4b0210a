"""Facts read from a connector's Python source and from ``ingestion/setup.py``, through ``ast``.

Scaffold checks its rendered ``connection.py``, review compares it with the test-connection
definition and ``workspace.create`` derives definitions from upstream's: all three read the
``test_fn`` dict here, so they agree on what counts as one. Likewise the ``plugins`` dict of
extras that layout detects and register edits.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StepFunctions:
    """One ``test_fn`` dict literal: test-connection step names → the functions that run them."""

    keys: tuple[str, ...]  # its string keys, in order
    line: int
    function: str | None  # the function it is written in (None: module level)
    literal: bool  # every key is a string literal (no ``**spread`` or computed key)


def step_functions(tree: ast.AST) -> list[StepFunctions]:
    """Every ``test_fn = {...}``, ``test_fn: T = {...}`` and ``test_fn={...}`` argument, in source order."""
    found: list[StepFunctions] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            value = None
            if isinstance(child, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "test_fn" for t in child.targets
            ):
                value = child.value
            elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
                value = child.value if child.target.id == "test_fn" else None
            elif isinstance(child, ast.keyword) and child.arg == "test_fn":
                value = child.value
            if isinstance(value, ast.Dict):
                keys = [
                    k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
                found.append(StepFunctions(tuple(keys), value.lineno, function, len(keys) == len(value.keys)))
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            visit(child, inner)

    visit(tree, None)
    return found


def plugins_dict(tree: ast.AST) -> ast.Dict | None:
    """The ``plugins = {...}`` (or ``plugins: T = {...}``) dict of per-connector extras."""
    for node in ast.walk(tree):
        target = value = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == "plugins" and isinstance(value, ast.Dict):
            return value
    return None


def has_plugin_extras(setup_py: Path) -> bool:
    """Whether setup.py declares per-connector extras (a ``plugins`` dict fed to extras_require).

    A file that does not parse counts as having them, so register reports its syntax error
    instead of quietly skipping the extra.
    """
    try:
        text = setup_py.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "extras_require" not in text:
        return False
    try:
        return plugins_dict(ast.parse(text)) is not None
    except (SyntaxError, ValueError):
        return True
