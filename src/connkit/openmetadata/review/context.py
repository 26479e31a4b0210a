"""What a review looks at: one connector's schema, test-connection file, sources and tests."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.edit.jsonedit import Document, JsonEditError, Node
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
