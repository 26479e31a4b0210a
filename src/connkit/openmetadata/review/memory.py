"""Memory: unbounded reads, fetchall, large objects kept alive, unbounded caches."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import Hit, Severity, rule
from connkit.openmetadata.review.pyast import call_name, dotted, functions, walk_no_nested

UNBOUNDED_READS = {"read", "readall", "download_as_string", "download_as_bytes", "download_as_text"}
SIZE_WORDS = re.compile(r"size|content_length|contentlength|length|max_bytes|limit|st_size", re.I)
LARGE_LOADS = UNBOUNDED_READS | {"fetchall", "read_csv", "read_parquet", "read_json", "read_excel"}


def _identifiers(node: ast.AST) -> set[str]:
    """Names, attributes and keyword names: code that checks a size, not text that mentions one."""
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.keyword) and n.arg:
            out.add(n.arg)
    return out


@rule(
    "memory/unbounded-read",
    "memory",
    Severity.BLOCKER,
    "No unbounded reads",
    "Check the object's size first and stream it in chunks (read(n) in a loop, iter_content)",
)
def unbounded_read(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for fn in functions(f.tree):
            checked = any(SIZE_WORDS.search(w) for w in _identifiers(fn))
            for node in walk_no_nested(fn):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in UNBOUNDED_READS
                    and not node.args
                    and not node.keywords
                    and not checked
                ):
                    yield Hit(
                        f.rel,
                        node.lineno,
                        f".{node.func.attr}() loads the whole object with no size check",
                    )


@rule(
    "memory/fetchall",
    "memory",
    Severity.BLOCKER,
    "No fetchall()/all() on large results",
    "Iterate the cursor or query (for row in result, yield_per, fetchmany) instead of .fetchall()",
    noise=(
        "it cannot see a result's size, so it also fires on catalogue queries that return a few "
        "rows (1.1: hive and impala DESCRIBE/SHOW cursors, postgres and snowflake schema "
        "queries); iterate the result anyway, or accept it where the query is small by design"
    ),
)
def fetchall(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for node in ast.walk(f.tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "fetchall" or (
                node.func.attr == "all" and not node.args and isinstance(node.func.value, ast.Call)
            ):
                if _bounded(node.func.value):
                    continue  # query(...).limit(n).all(): at most n rows
                yield Hit(f.rel, node.lineno, f"{dotted(node.func)}() loads every row into memory")


def _bounded(node: ast.expr) -> bool:
    """Whether a query chain caps its rows with ``.limit(n)`` (1.1's airflow DagRun queries)."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call) and call_name(node) == "limit" and node.args:
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


@rule(
    "memory/large-object-cleanup",
    "memory",
    Severity.WARNING,
    "Large objects are released",
    "After processing, `del` the large object and call gc.collect() (or scope it in a generator)",
    noise=(
        "it fires on every read()/fetchall() result bound to a name, large or not; a local is "
        "freed when its function returns, so it matters in long-running functions and generators"
    ),
)
def large_object_cleanup(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        for fn in functions(f.tree):
            deleted = {
                t.id
                for n in walk_no_nested(fn)
                if isinstance(n, ast.Delete)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
            collects = any(
                isinstance(n, ast.Call) and dotted(n.func) == "gc.collect" for n in walk_no_nested(fn)
            )
            for node in walk_no_nested(fn):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Call)
                    and call_name(node.value) in LARGE_LOADS
                ):
                    name = node.targets[0].id
                    if name not in deleted or not collects:
                        yield Hit(
                            f.rel,
                            node.lineno,
                            f"`{name}` holds a large {call_name(node.value)}() result "
                            "with no `del` + gc.collect()",
                        )


def _cache_decorator(dec: ast.expr) -> str | None:
    target = dec.func if isinstance(dec, ast.Call) else dec
    full = dotted(target)
    name = full.rsplit(".", 1)[-1]
    if full in ("cache", "functools.cache"):  # not e.g. sqlalchemy's @reflection.cache
        return "@cache"
    if name == "lru_cache" and full in ("lru_cache", "functools.lru_cache") and isinstance(dec, ast.Call):
        for kw in dec.keywords:
            if kw.arg == "maxsize" and isinstance(kw.value, ast.Constant) and kw.value.value is None:
                return "@lru_cache(maxsize=None)"
        if dec.args and isinstance(dec.args[0], ast.Constant) and dec.args[0].value is None:
            return "@lru_cache(None)"
    return None


@rule(
    "memory/unbounded-cache",
    "memory",
    Severity.WARNING,
    "Caches are bounded",
    "Give the cache a maxsize, or clear it when the scope it serves (a database, a page) ends",
)
def unbounded_cache(ctx: ReviewContext) -> Iterator[Hit]:
    for f in ctx.sources:
        cleared = {
            dotted(n.func.value).rsplit(".", 1)[-1]
            for n in ast.walk(f.tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("clear", "popitem", "pop")
        }
        for fn in functions(f.tree):
            for dec in fn.decorator_list:
                kind = _cache_decorator(dec)
                if kind:
                    yield Hit(f.rel, dec.lineno, f"{kind} on {fn.name}() grows without bound")
        for loop in ast.walk(f.tree):
            if not isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
                continue
            for stmt in loop.body:
                for n in ast.walk(stmt):
                    if isinstance(n, ast.Assign):
                        for t in n.targets:
                            if isinstance(t, ast.Subscript):
                                owner = dotted(t.value).rsplit(".", 1)[-1]
                                if "cache" in owner.lower() and owner not in cleared:
                                    yield Hit(
                                        f.rel,
                                        n.lineno,
                                        f"`{owner}` grows in a loop and is never cleared",
                                    )
