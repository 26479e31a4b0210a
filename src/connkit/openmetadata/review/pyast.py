"""Small ``ast`` helpers the Python rules share."""

from __future__ import annotations

import ast
from collections.abc import Iterator

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for attribute chains and names; calls in the chain show as ``f()``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{dotted(node.func)}()"
    return "?"


def call_name(call: ast.Call) -> str:
    """The last name of what is called: ``read`` for ``f.read()``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def functions(tree: ast.AST) -> Iterator[FunctionNode]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def walk_no_nested(fn: FunctionNode) -> Iterator[ast.AST]:
    """Every node of a function body, not descending into nested functions or classes."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def nodes_in_loops(fn: FunctionNode) -> Iterator[tuple[ast.AST, int]]:
    """(node, loop depth) for every node in a function body."""

    def visit(node: ast.AST, depth: int) -> Iterator[tuple[ast.AST, int]]:
        yield node, depth
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            inner = depth + 1
            yield from visit(node.target, depth) if not isinstance(node, ast.While) else iter(())
            yield from (
                visit(node.iter, depth) if not isinstance(node, ast.While) else visit(node.test, depth)
            )
            for stmt in node.body + node.orelse:
                yield from visit(stmt, inner)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = depth + 1
            for gen in node.generators:
                yield from visit(gen.iter, depth)
                for cond in gen.ifs:
                    yield from visit(cond, inner)
            elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for elt in elts:
                yield from visit(elt, inner)
            return
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                yield from visit(child, depth)

    for stmt in fn.body:
        yield from visit(stmt, 0)


def names_in(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.add(n.value)
        elif isinstance(n, ast.keyword) and n.arg:
            out.add(n.arg)
    return out
