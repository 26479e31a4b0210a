"""Code quality: copyright header, type annotations, import order, valid syntax."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import Hit, Severity, rule

STDLIB = set(sys.stdlib_module_names) | {"__future__"}
GROUP_NAMES = ["stdlib", "third-party", "first-party (metadata)"]


@rule(
    "quality/syntax",
    "quality",
    Severity.BLOCKER,
    "Python files parse",
    "Fix the syntax error",
)
def syntax(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.python:
        err = f.syntax_error
        if err is not None:
            yield Hit(f.rel, err.lineno or 1, f"syntax error: {err.msg}")


@rule(
    "quality/copyright",
    "quality",
    Severity.WARNING,
    "Every non-empty file starts with the copyright header",
    "Start the file with the project's `#  Copyright ... Licensed under the Apache License` header",
)
def copyright_header(ctx: ReviewContext) -> Iterator[Hit]:
    """Empty files are exempt: upstream leaves its empty ``__init__.py`` files bare (64 of the
    65 in 1.1's connector packages), and its licence tooling skips them."""
    for f in ctx.python:
        if not f.text.strip():
            continue
        head = "\n".join(f.text.splitlines()[:5])
        if "copyright" not in head.lower():
            yield Hit(f.rel, 1, "no copyright header")


@rule(
    "quality/annotations",
    "quality",
    Severity.SUGGESTION,
    "Public functions are annotated",
    "Annotate every parameter and the return type",
    noise=(
        "upstream annotates little (1.1: create(cls, config_dict, metadata_config) throughout); "
        "a suggestion for new code only"
    ),
)
def annotations(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for node in ast.walk(f.tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.name.startswith("_") and node.name != "__init__":
                continue
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            missing = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
            no_return = node.returns is None and node.name != "__init__"
            if missing or no_return:
                what = ", ".join(missing + (["return"] if no_return else []))
                yield Hit(f.rel, node.lineno, f"{node.name}() lacks annotations: {what}")


def _group(module: str, level: int) -> int:
    if level > 0:
        return 2
    top = module.split(".")[0]
    if top in STDLIB:
        return 0
    if top == "metadata":
        return 2
    return 1


@rule(
    "quality/import-order",
    "quality",
    Severity.SUGGESTION,
    "Imports go stdlib, third-party, first-party",
    "Order imports: stdlib, third-party, then metadata (what `make py_format`'s isort or ruff writes)",
)
def import_order(ctx: ReviewContext) -> Iterator[Hit]:
    """The groups upstream's own formatter writes (1.1: isort --profile black; 2.x: ruff's
    isort with ``metadata`` first-party): ``metadata.generated`` sorts alphabetically among the
    other ``metadata`` imports (after ``metadata.clients``), so it is not a group of its own."""
    for f in ctx.python:
        highest = -1
        for node in f.tree.body if f.tree else []:
            if isinstance(node, ast.Import):
                groups = [_group(a.name, 0) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                groups = [_group(node.module or "", node.level)]
            else:
                continue
            g = min(groups)
            if g < highest:
                yield Hit(
                    f.rel,
                    node.lineno,
                    f"{GROUP_NAMES[g]} import after {GROUP_NAMES[highest]} imports",
                )
                break
            highest = max(highest, max(groups))
