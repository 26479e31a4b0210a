"""Source, topology, performance: base class, pagination, lookups in loops, N+1, sessions."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import Hit, Severity, rule
from connkit.openmetadata.review.pyast import call_name, dotted, functions, names_in, nodes_in_loops
from connkit.openmetadata.services import SERVICES

HTTP_VERBS = {"get", "post", "put", "patch", "delete", "request", "_get", "_post", "_request"}
LIST_NAME = re.compile(r"^(list_|get_all_|fetch_all_|get_\w+s$|fetch_\w+s$|_get_\w+s$)")
# Plural-looking names of one object: get_lineage_details, get_job_status.
NOT_LIST = re.compile(r"(details|status|stats|settings|access|progress|address|metadata)$")
# A parameter that says where the page starts: the function fetches one page, its caller loops.
PAGE_PARAM = re.compile(r"page|offset|cursor|skip|continuation|after|next_token|marker", re.IGNORECASE)
PAGINATION_WORDS = re.compile(
    r"page|offset|cursor|next|limit|skip|continuation|token|start|after|batch|paginat",
    re.IGNORECASE,
)


@rule(
    "source/base-class",
    "source",
    Severity.BLOCKER,
    "The source extends the service type's base class",
    "Make the Source class in metadata.py extend the base class for its service type",
)
def base_class(ctx: ReviewContext) -> Iterator[Hit]:
    """Through the package's own classes too: 1.1's superset ``metadata.py`` is a factory whose
    sources extend ``SupersetSourceMixin(DashboardServiceSource)`` in ``mixin.py``."""
    meta = ctx.source("metadata.py")
    wanted = SERVICES[ctx.connector.service_type].base_classes
    if meta is None:
        yield Hit(f"{ctx.connector.package}/metadata.py", 1, "metadata.py is missing")
        return
    bases: dict[str, set[str]] = {}
    for f in ctx.sources:
        for c in (n for n in ast.walk(f.tree) if isinstance(n, ast.ClassDef)):
            bases.setdefault(c.name, set()).update(dotted(b).rsplit(".", 1)[-1] for b in c.bases)
    if not any(_reaches(name, wanted, bases) for name in bases):
        classes = [n for n in ast.walk(meta.tree) if isinstance(n, ast.ClassDef)]
        line = classes[0].lineno if classes else 1
        yield Hit(meta.rel, line, f"no class extends {' or '.join(sorted(wanted))}")


def _reaches(name: str, wanted: frozenset[str], bases: dict[str, set[str]]) -> bool:
    seen, todo = set(), list(bases.get(name, ()))
    while todo:
        current = todo.pop()
        if current in wanted:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(bases.get(current, ()))
    return False


HTTP_RECEIVER = re.compile(r"session|client|http|requests|api|rest", re.IGNORECASE)
NOT_HTTP = ("dict", "environ", "kwargs", "params", "headers", "context", "config", "options")
LIST_RETURN = re.compile(r"list|iterable|iterator|generator|sequence|set\b", re.IGNORECASE)
HTTP_KEYWORDS = {"url", "params", "timeout", "headers", "json", "data", "auth", "verify"}


def _urlish(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.startswith(("/", "http"))
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(v, ast.Constant) and isinstance(v.value, str) and "/" in v.value for v in node.values
        )
    return False


def _is_http_call(call: ast.Call) -> bool:
    """``session.get(url)`` yes, ``page.get("items")`` (a dict) no."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in HTTP_VERBS):
        return False
    last = dotted(call.func.value).rsplit(".", 1)[-1].strip("_").lower()
    if last.endswith(NOT_HTTP):
        return False
    return bool(
        HTTP_RECEIVER.search(last)
        or any(kw.arg in HTTP_KEYWORDS for kw in call.keywords)
        or (call.args and _urlish(call.args[0]))
    )


def _http_calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and _is_http_call(n)]


@rule(
    "source/pagination",
    "source",
    Severity.BLOCKER,
    "List methods on a paginated API follow every page",
    "Loop until the API has no next page (next link, offset/limit, cursor) and yield each page",
    noise=(
        "it cannot tell a paginated API from one that returns everything in one response "
        "(1.1: PowerBI's group endpoints, Airbyte's /workspaces/list); check the API's documentation"
    ),
)
def pagination(ctx: ReviewContext) -> Iterator[Hit]:
    """A list function passes when it loops over pages, takes the page as a parameter (1.1's
    superset ``fetch_charts(current_page, page_size)``) or calls a function of its file that
    loops over pages (spline's ``get_pipelines`` → ``_paginate_pipelines``)."""
    for f in ctx.sources:
        paging = {fn.name for fn in functions(f.tree) if _loops_over_pages(fn)}
        for fn in functions(f.tree):
            if not LIST_NAME.match(fn.name) or NOT_LIST.search(fn.name) or not _http_calls(fn):
                continue
            if fn.returns is not None and not LIST_RETURN.search(ast.unparse(fn.returns)):
                continue  # returns one object (get_pipeline_details -> dict), not a list
            args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            if _loops_over_pages(fn) or any(PAGE_PARAM.search(a.arg) for a in args):
                continue
            if _hands_on(fn, paging):
                continue
            yield Hit(
                f.rel,
                fn.lineno,
                f"{fn.name}() fetches a list in one request: later pages are lost",
            )


def _hands_on(fn, paging: set[str]) -> bool:
    """Whether ``fn`` returns or yields what a paginating function gives (``yield from
    self._paginate(...)``), rather than only using one for something else."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            if any(isinstance(c, ast.Call) and call_name(c) in paging for c in ast.walk(node.value)):
                return True
    return False


def _loops_over_pages(fn) -> bool:
    has_loop = any(isinstance(n, (ast.For, ast.While, ast.AsyncFor)) for n in ast.walk(fn))
    return has_loop and bool(PAGINATION_WORDS.search(" ".join(names_in(fn))))


def _list_names(fn) -> set[str]:
    """Local names bound to list literals, list comprehensions or list(...)."""
    out = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            v = n.value
            if isinstance(v, (ast.List, ast.ListComp)) or (
                isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in ("list", "sorted")
            ):
                out.add(n.targets[0].id)
    return out


def _plain_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _nested_joins(node: ast.AST, outer: frozenset[str]) -> Iterator[ast.AST]:
    """Inner loops that compare their item with an outer loop's item (``a.id == b.owner``)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.For, ast.AsyncFor)):
            inner = _plain_names(child.target)
            if outer and any(
                isinstance(cmp, ast.Compare)
                and any(isinstance(op, ast.Eq) for op in cmp.ops)
                and _joins(cmp, inner, outer)
                for stmt in child.body
                for cmp in ast.walk(stmt)
            ):
                yield child
            yield from _nested_joins(child, outer | inner)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            yield from _nested_joins(child, frozenset())
        else:
            yield from _nested_joins(child, outer)


def _joins(cmp: ast.Compare, inner: set[str], outer: frozenset[str]) -> bool:
    sides = [_plain_names(x) for x in [cmp.left, *cmp.comparators]]
    return any(a & inner and b & outer and not a & outer for a in sides for b in sides if a is not b)


@rule(
    "source/lookup-in-loop",
    "source",
    Severity.WARNING,
    "No O(n*m) lookups in loops",
    "Build a dict or set once (e.g. in prepare()) and look items up by key inside the loop",
)
def lookup_in_loop(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for loop in _nested_joins(f.tree, frozenset()):
            yield Hit(f.rel, loop.lineno, "nested loop matching items by equality: O(n*m) lookup")
        for fn in functions(f.tree):
            lists = _list_names(fn)
            seen: set[int] = set()
            for node, depth in nodes_in_loops(fn):
                if depth == 0:
                    continue
                if isinstance(node, ast.Compare) and any(
                    isinstance(o, (ast.In, ast.NotIn)) for o in node.ops
                ):
                    if any(isinstance(c, ast.Name) and c.id in lists for c in node.comparators):
                        if node.lineno not in seen:
                            seen.add(node.lineno)
                            yield Hit(
                                f.rel,
                                node.lineno,
                                "`in` on a list inside a loop is a linear search",
                            )
                elif (
                    isinstance(node, ast.Call)
                    and call_name(node) == "index"
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in lists
                    and node.lineno not in seen
                ):
                    seen.add(node.lineno)
                    yield Hit(f.rel, node.lineno, "list.index() inside a loop is a linear search")


@rule(
    "source/n-plus-one",
    "source",
    Severity.WARNING,
    "No one API call per entity",
    "Fetch in batches (a list endpoint, or ids in one request) instead of one call per item",
    noise=(
        "some APIs have only per-item endpoints (1.1: PowerBI tiles per dashboard, Databricks "
        "runs per job); then one call per item is the only way, and the finding stays a warning"
    ),
)
def n_plus_one(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        reported: set[tuple[int, int]] = set()
        for loop in ast.walk(f.tree):
            if not isinstance(loop, (ast.For, ast.AsyncFor)):
                continue
            for stmt in loop.body:
                for call in _http_calls(stmt):
                    key = (call.lineno, call.col_offset)
                    if key in reported:
                        continue
                    reported.add(key)
                    if PAGINATION_WORDS.search(" ".join(names_in(call))):
                        continue  # fetching the next page, not one call per entity
                    yield Hit(
                        f.rel,
                        call.lineno,
                        f"{dotted(call.func)}() runs once per item of the loop on line {loop.lineno}",
                    )


@rule(
    "source/session-reuse",
    "source",
    Severity.WARNING,
    "One HTTP session is reused",
    "Create one requests.Session in the client's __init__ and call session.get/post on it",
)
def session_reuse(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for node in ast.walk(f.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "requests"
                and node.func.attr in HTTP_VERBS
            ):
                yield Hit(
                    f.rel,
                    node.lineno,
                    f"requests.{node.func.attr}() opens a new connection per call",
                )
