"""The test-connection step names a connector's ``connection.py`` runs, read through ``ast``.

Three shapes exist in upstream's connectors: a literal ``test_fn = {"GetDashboards": ...}``;
an empty dict filled by ``test_fn["CheckAccess"] = ...`` per branch (1.1's superset); and, for
most SQLAlchemy connectors and connectors built on another (redpanda on kafka), no dict at all
but a call to a shared helper that builds it (``test_connection_db_common`` in
``metadata/ingestion/connections/test_connections.py``), which adds one step per key of the
``queries`` dict its caller passes. This module follows those calls into the ingestion tree.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from connkit.openmetadata.pysource import step_functions

MAX_DEPTH = 3  # connection.py → helper → the helper's helper


@dataclass(frozen=True)
class StepKeys:
    keys: frozenset[str]
    line: int  # in connection.py: the dict, or the call that leads to it
    via: str | None  # the helper that builds the dict ("test_connection_db_common"), if any


@dataclass(frozen=True)
class _Built:
    keys: frozenset[str]
    from_params: tuple[str, ...]  # parameters whose dict keys become steps (``queries``)


def _builds(node: ast.AST) -> _Built | None:
    """What the ``test_fn`` built in ``node`` (a function, or a whole file) holds: dict-literal
    keys, ``test_fn["K"] = ...`` keys, and parameters looped over into it
    (``for key, query in queries.items(): test_fn[key] = ...``). None: no ``test_fn`` there."""
    literal = step_functions(node)
    keys = {k for s in literal for k in s.keys}
    found = bool(literal)
    params: list[str] = []
    loop_vars: dict[str, str] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.For) and isinstance(n.iter, ast.Call):
            func = n.iter.func
            if isinstance(func, ast.Attribute) and func.attr == "items" and isinstance(func.value, ast.Name):
                target = n.target.elts[0] if isinstance(n.target, ast.Tuple) else n.target
                if isinstance(target, ast.Name):
                    loop_vars[target.id] = func.value.id
    for n in ast.walk(node):
        if not isinstance(n, ast.Assign):
            continue
        for t in n.targets:
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == "test_fn":
                found = True
                if isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                    keys.add(t.slice.value)
                elif isinstance(t.slice, ast.Name) and t.slice.id in loop_vars:
                    params.append(loop_vars[t.slice.id])
    return _Built(frozenset(keys), tuple(params)) if found else None


def _dict_keys(node: ast.expr | None, scopes: list[ast.AST]) -> set[str]:
    """String keys of a dict literal, or of the dict literal a name is bound to in ``scopes``."""
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    if isinstance(node, ast.Name):
        for scope in scopes:
            for n in ast.walk(scope):
                if (
                    isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
                    and isinstance(n.value, ast.Dict)
                ):
                    return _dict_keys(n.value, [])
    return set()


def _argument(call: ast.Call, fn: ast.FunctionDef, param: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if param in names and names.index(param) < len(call.args):
        return call.args[names.index(param)]
    return None


class _Resolver:
    def __init__(self, src_root: Path) -> None:
        self.src_root = src_root  # ingestion/src
        self.trees: dict[Path, ast.Module | None] = {}

    def tree(self, path: Path) -> ast.Module | None:
        if path not in self.trees:
            try:
                self.trees[path] = ast.parse(path.read_text(encoding="utf-8"))
            except (OSError, SyntaxError, ValueError):
                self.trees[path] = None
        return self.trees[path]

    def module_file(self, module: str) -> Path | None:
        base = self.src_root.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def callee(self, tree: ast.Module, name: str) -> tuple[ast.Module, ast.FunctionDef] | None:
        """The function ``name`` means in ``tree``: defined there, or imported from ``metadata``."""
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return tree, node
        for node in tree.body:
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("metadata")
            ):
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        path = self.module_file(node.module)
                        target = self.tree(path) if path else None
                        return self.callee_def(target, alias.name) if target else None
        return None

    @staticmethod
    def callee_def(tree: ast.Module, name: str) -> tuple[ast.Module, ast.FunctionDef] | None:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return tree, node
        return None

    def keys_of(
        self, tree: ast.Module, fn: ast.FunctionDef, depth: int
    ) -> tuple[set[str], str | None] | None:
        """Step names ``fn`` runs: its own ``test_fn``, else that of a helper it calls."""
        built = _builds(fn)
        if built is not None:
            return set(built.keys), None
        if depth >= MAX_DEPTH:
            return None
        for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
            found = self.callee(tree, call.func.id)
            if found is None or found[1] is fn:
                continue
            helper_tree, helper = found
            built = _builds(helper)
            if built is not None:
                keys = set(built.keys)
                for param in built.from_params:
                    keys |= _dict_keys(_argument(call, helper, param), [fn, tree])
                return keys, helper.name
            deeper = self.keys_of(helper_tree, helper, depth + 1)
            if deeper is not None:
                return deeper[0], deeper[1] or helper.name
        return None


def connection_steps(connection_py: ast.Module, src_root: Path) -> StepKeys | None:
    """The step names ``connection.py`` runs, or None when no ``test_fn`` can be found."""
    own = _builds(connection_py)
    if own is not None:
        dicts = step_functions(connection_py)
        line = dicts[0].line if dicts else _first_subscript_line(connection_py)
        return StepKeys(own.keys, line, None)
    resolver = _Resolver(src_root)
    entry = [fn for fn in _functions(connection_py) if fn.name == "test_connection"] or _functions(
        connection_py
    )
    for fn in entry:
        found = resolver.keys_of(connection_py, fn, 0)
        if found is not None:
            return StepKeys(frozenset(found[0]), fn.lineno, found[1])
    return None


def _first_subscript_line(tree: ast.Module) -> int:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "test_fn"
        ):
            return node.lineno
    return 1


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
