"""Connection & errors: no swallowed exceptions, meaningful test-connection steps."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import Hit, Severity, rule
from connkit.openmetadata.review.pyast import dotted
from connkit.openmetadata.services import SERVICES

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
BROAD = {"Exception", "BaseException"}


def _is_empty(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring or `...`
        if isinstance(stmt, ast.Continue):
            continue
        return False
    return True


def _handles(body: list[ast.stmt]) -> bool:
    """Whether a handler re-raises or reports: a raise, or a call to a logging method."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in LOG_METHODS:
                    return True
            if isinstance(node, ast.Call) and dotted(node.func).endswith("StackTraceError"):
                return True
    return False


def _caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {dotted(t).rsplit(".", 1)[-1] for t in types}


@rule(
    "connection/swallowed-except",
    "connection",
    Severity.BLOCKER,
    "No empty or swallowed except blocks",
    "Catch the specific exception and log it (logger.warning/debug with traceback) or re-raise",
)
def swallowed_except(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for node in ast.walk(f.tree):
            if not isinstance(node, ast.ExceptHandler):
                continue
            if _is_empty(node.body):
                yield Hit(f.rel, node.lineno, "empty except block swallows the error")
            elif _caught(node) & BROAD and not _handles(node.body):
                yield Hit(
                    f.rel,
                    node.lineno,
                    "broad except neither logs nor re-raises: the error is swallowed",
                )


ACCESS_ONLY = re.compile(r"access|connect|ping|auth|login|health|token", re.IGNORECASE)


@rule(
    "connection/meaningful-test-steps",
    "connection",
    Severity.WARNING,
    "Test connection checks more than access",
    "Add a step that lists what ingestion reads (GetDashboards, GetTables...), not only access",
)
def meaningful_steps(ctx: ReviewContext) -> Iterator[Hit]:
    """One step is enough when it lists entities (1.1's metabase: GetDashboards; kafka:
    GetTopics); steps that only prove the credentials work are not."""
    steps = (ctx.test_connection.value or {}).get("steps") if ctx.test_connection.doc else None
    if not isinstance(steps, list) or not steps:
        return
    names = [s.get("name") for s in steps if isinstance(s, dict)]
    if names and all(isinstance(n, str) and ACCESS_ONLY.search(n) for n in names):
        service = SERVICES.get(ctx.connector.service_type)
        wanted = service.list_step if service else "a listing step"
        yield Hit(
            ctx.test_connection.rel,
            ctx.test_connection.line_of("steps"),
            f"test connection only checks access {names}: it proves the credentials, not that "
            f"ingestion can list anything",
            fix=f"Add a step that lists what ingestion reads (e.g. {wanted}) and its test_fn function",
        )
