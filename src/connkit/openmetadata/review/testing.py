"""Tests: pytest style with real assertions; a test file without one is a BLOCKER."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from connkit.openmetadata.review.context import PyFile, ReviewContext, unit_tests
from connkit.openmetadata.review.model import Hit, Severity, rule
from connkit.openmetadata.review.pyast import dotted


def _test_functions(f: PyFile) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [
        n
        for n in ast.walk(f.tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")
    ]


def _asserts(node: ast.AST) -> int:
    count = 0
    for n in ast.walk(node):
        if isinstance(n, ast.Assert):
            count += 1
        elif isinstance(n, ast.Call):
            name = dotted(n.func)
            if name.endswith(("pytest.raises", "pytest.warns", "pytest.fail")) or name.rsplit(".", 1)[
                -1
            ].startswith(("assert_", "assert")):
                count += 1
    return count


def _is_stub(fn) -> bool:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return all(isinstance(s, ast.Pass) for s in body)


@rule(
    "tests/no-assertions",
    "tests",
    Severity.BLOCKER,
    "Every test file asserts something",
    "Assert on real behaviour with plain `assert` (or pytest.raises) in each test",
)
def no_assertions(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.tests:
        tests = _test_functions(f)
        if tests and _asserts(f.tree) == 0:
            yield Hit(f.rel, tests[0].lineno, f"{len(tests)} test(s) and not one assertion")


@rule(
    "tests/empty-test",
    "tests",
    Severity.BLOCKER,
    "No test whose body is only `pass`",
    "Write the test or delete it; an empty test passes without checking anything",
)
def empty_test(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.tests:
        for fn in _test_functions(f):
            if _is_stub(fn):
                yield Hit(f.rel, fn.lineno, f"{fn.name}() has only `pass`")


@rule(
    "tests/pytest-style",
    "tests",
    Severity.WARNING,
    "pytest style: plain functions and asserts",
    "Use plain test functions with `assert` instead of unittest.TestCase and self.assert*",
    noise=(
        "upstream's own unit tests are unittest.TestCase classes (1.1: 22 of the connectors' "
        "test files); the golden standard asks for pytest style in new code"
    ),
)
def pytest_style(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.tests:
        for node in ast.walk(f.tree):
            if isinstance(node, ast.ClassDef) and any(dotted(b).endswith("TestCase") for b in node.bases):
                yield Hit(f.rel, node.lineno, f"{node.name} subclasses unittest.TestCase")


@rule(
    "tests/missing",
    "tests",
    Severity.WARNING,
    "The connector has unit tests",
    "Add ingestion/tests/unit/topology/{type}/test_{name}.py",
)
def missing_tests(ctx: ReviewContext) -> Iterator[Hit]:
    conn = ctx.connector
    if not unit_tests(ctx.ws, conn):
        unit = (
            ctx.ws.ingestion_dir / "tests" / "unit" / "topology" / conn.service_type / f"test_{conn.name}.py"
        )
        yield Hit(ctx.ws.rel(unit), 1, "no unit test file for the connector")
