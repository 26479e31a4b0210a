"""What a review looks at: one connector's schema, test-connection file, sources and tests."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.edit.jsonedit import Document, JsonEditError, Node
from connkit.openmetadata.review import ruffrules
from connkit.openmetadata.review.ruffrules import RuffRun
from connkit.openmetadata.workspace import Workspace


@dataclass
class JsonFile:
    path: Path
    rel: str
    text: str | None = None
    doc: Document | None = None
    error: str | None = None

    @classmethod
    def load(cls, ws: Workspace, path: Path) -> JsonFile:
        f = cls(path, ws.rel(path))
        if not path.is_file():
            return f
        f.text = path.read_text(encoding="utf-8", errors="replace")
        try:
            f.doc = Document(f.text)
        except JsonEditError as exc:
            f.error = str(exc)
        return f

    @property
    def value(self):
        return self.doc.value if self.doc else None

    def line(self, node: Node | None) -> int:
        if node is None or self.text is None:
            return 1
        return self.text.count("\n", 0, node.start) + 1

    def line_of(self, *path: str | int) -> int:
        return self.line(self.doc.find(*path) if self.doc else None)


@dataclass
class PyFile:
    path: Path
    rel: str
    text: str
    is_test: bool

    @cached_property
    def tree(self) -> ast.Module | None:
        try:
            return ast.parse(self.text)
        except SyntaxError:
            return None

    @cached_property
    def syntax_error(self) -> SyntaxError | None:
        try:
            ast.parse(self.text)
        except SyntaxError as exc:
            return exc
        return None


@dataclass
class ReviewContext:
    ws: Workspace
    connector: Connector
    schema: JsonFile
    test_connection: JsonFile
    python: list[PyFile] = field(default_factory=list)

    @property
    def sources(self) -> list[PyFile]:
        return [f for f in self.python if not f.is_test and f.tree is not None]

    @property
    def tests(self) -> list[PyFile]:
        return [f for f in self.python if f.is_test and f.tree is not None]

    def source(self, name: str) -> PyFile | None:
        return next((f for f in self.sources if f.path.name == name), None)

    def text(self, rel: str) -> str | None:
        """A reviewed file's text by its workspace-relative path (None: not one of them)."""
        for f in self.python:
            if f.rel == rel:
                return f.text
        for j in (self.schema, self.test_connection):
            if j.rel == rel:
                return j.text
        return None

    def columns(self, rel: str, node: ast.AST) -> tuple[int | None, int | None, int | None]:
        """(column, end line, end column) of an ``ast`` node, 1-based characters, end exclusive.

        A function or class is marked by its name, another compound statement (a loop, an
        ``except``) by its first line: their whole bodies would be too wide to point at."""
        text = self.text(rel)
        col = getattr(node, "col_offset", None)
        if text is None or col is None:
            return None, None, None
        lines = text.splitlines()
        line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""

        def chars(line_text: str, offset: int) -> int:
            return len(line_text.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1

        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found = re.search(rf"\b(?:def|class)\s+({re.escape(node.name)})\b", line)
            if found:
                return found.start(1) + 1, node.lineno, found.end(1) + 1
        start = chars(line, col)
        if isinstance(node, ast.stmt | ast.ExceptHandler) and hasattr(node, "body"):
            return start, node.lineno, len(line.rstrip()) + 1
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            return start, node.lineno, None
        end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        return start, end_line, chars(end_text, end_col)

    @cached_property
    def ruff(self) -> RuffRun | None:
        """ruff's results for the rules that run through it, None where the workspace does not
        lint with ruff (review/ruffrules.py). One run serves every such rule."""
        from connkit.openmetadata.review.model import RULES

        return ruffrules.run(self, [r.ruff for r in RULES.values() if r.ruff is not None])

    @classmethod
    def build(cls, ws: Workspace, conn: Connector) -> ReviewContext:
        name = conn.name
        ctx = cls(
            ws=ws,
            connector=conn,
            schema=JsonFile.load(ws, ws.root / conn.schema),
            test_connection=JsonFile.load(ws, ws.root / conn.test_connection),
        )
        pkg = ws.root / conn.package
        paths = sorted(pkg.rglob("*.py")) if pkg.is_dir() else []
        tests_root = ws.ingestion_dir / "tests"
        test_paths = [
            *unit_tests(ws, conn),
            tests_root / "integration" / "connections" / f"test_{name}_connection.py",
        ]
        integration = tests_root / "integration" / name
        if integration.is_dir():
            test_paths += sorted(integration.rglob("*.py"))
        for p in paths:
            ctx.python.append(PyFile(p, ws.rel(p), p.read_text(encoding="utf-8"), False))
        for p in dict.fromkeys(test_paths):
            if p.is_file():
                ctx.python.append(PyFile(p, ws.rel(p), p.read_text(encoding="utf-8"), True))
        return ctx


def unit_tests(ws: Workspace, conn: Connector) -> list[Path]:
    """The connector's unit tests: ``unit/topology/{type}/test_{name}.py`` (what scaffold writes)
    and any other test module there that imports the package (1.1: ``test_databricks_pipeline.py``
    for ``databrickspipeline``, ``test_storage.py`` for ``s3``)."""
    folder = ws.ingestion_dir / "tests" / "unit" / "topology" / conn.service_type
    own = folder / f"test_{conn.name}.py"
    found = [own] if own.is_file() else []
    if folder.is_dir():
        imports = re.compile(rf"\bmetadata\.ingestion\.source\.{conn.service_type}\.{conn.name}\b")
        for p in sorted(folder.rglob("test_*.py")):
            if p != own and imports.search(p.read_text(encoding="utf-8", errors="replace")):
                found.append(p)
    return found
