"""The generic rules, run through ruff where the workspace lints with ruff.

Copyright header, annotations, import order and pytest style are not OpenMetadata's own
conventions; ruff implements them, and a workspace that uses ruff has configured them
(isort's first-party packages, per-file ignores, ``# noqa``, the copyright pattern). There
connkit asks ruff, under the workspace's configuration, for the rule codes each connkit rule
maps to, and turns its diagnostics into that rule's findings (same id, severity and fix).

"Uses ruff" is read from the tree: a ``.ruff.toml``, ``ruff.toml`` or a ``pyproject.toml``
with ``[tool.ruff]`` in the connector's folder or a folder above it, up to the workspace root
(what ruff itself would find; assembled 1.4 workspaces carry the ``ingestion/ruff.toml``
connkit writes). The 1.1 checkout formats with black, isort and pycln and has none: there
connkit's own checks run.

Only the codes are chosen here; everything else is the workspace's. ruff's command-line
``--select`` would override the configuration's ``ignore``, so codes the configuration
ignores (by code or prefix) are not asked for instead.

``connection/swallowed-except`` stays connkit's: BLE001/E722 (with S110/S112) judge a different
thing. On the assembled 1.4 workspace's upstream connectors they flag 334 handlers where the
rule flags 8 (6 in common): OpenMetadata's convention (``logger.warning`` plus
``logger.debug(traceback...)``) counts as handling the error there, BLE001 accepts only
``logger.exception`` or ``exc_info``; and none of them sees an empty ``except KeyError: pass``.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from connkit.openmetadata import formatting
from connkit.openmetadata.review.model import Hit
from connkit.openmetadata.steps.pyenv import python_env
from connkit.openmetadata.workspace import Workspace
from connkit.openmetadata.workspace.python import uv_command

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from connkit.openmetadata.review.context import PyFile, ReviewContext
#: In the order ruff itself prefers them within one folder.
CONFIG_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")
TIMEOUT = 120


@dataclass(frozen=True)
class Diagnostic:
    """One ruff result; rows and columns are 1-based, columns in characters (as ruff counts)."""

    code: str
    path: str  # workspace-relative
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


@dataclass(frozen=True)
class RuffRun:
    """What ruff said about one review's files."""

    config: str  # workspace-relative path of the configuration that made the workspace count
    ruff: str  # which ruff ran: "connkit's", the workspace environment's, or a requirement
    diagnostics: tuple[Diagnostic, ...] = ()
    asked: frozenset[str] = frozenset()  # the codes ruff was asked for (not ignored by the config)
    error: str = ""  # ruff could not run: the rules fall back to connkit's own checks

    def of(self, codes: Sequence[str]) -> list[Diagnostic]:
        """The diagnostics of these codes or prefixes (``PT`` is every flake8-pytest-style code)."""
        return [d for d in self.diagnostics if d.code.startswith(tuple(codes))]


@dataclass(frozen=True)
class RuffSpec:
    """How one connkit rule maps onto ruff: its codes, on which files, grouped how."""

    codes: tuple[str, ...]
    files: str  # "python" (sources and tests), "sources" or "tests"
    preview: bool = False  # the codes are ruff preview rules (CPY001)
    #: (file, that file's diagnostics) -> hits; default: one hit per diagnostic
    group: Callable[[PyFile, list[Diagnostic]], Iterator[Hit]] | None = None
    #: file -> whether connkit exempts it (empty files need no copyright header)
    exempt: Callable[[PyFile], bool] | None = field(default=None)

    def hits(self, ctx: ReviewContext, run: RuffRun) -> Iterator[Hit]:

        files = {f.rel: f for f in _scope(ctx, self.files)}
        by_file: dict[str, list[Diagnostic]] = {}
        for d in run.of(self.codes):
            if d.path in files and not (self.exempt and self.exempt(files[d.path])):
                by_file.setdefault(d.path, []).append(d)
        for rel, diagnostics in by_file.items():
            if self.group is not None:
                yield from self.group(files[rel], diagnostics)
            else:
                yield from (_alone(files[rel], d) for d in diagnostics)


def _scope(ctx: ReviewContext, which: str) -> list[PyFile]:
    if which == "sources":
        return ctx.sources
    if which == "tests":
        return ctx.tests
    return list(ctx.python)


# -- whether, and how, the workspace uses ruff ------------------------------------------------


def _toml(path: Path) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def _ruff_table(path: Path) -> dict | None:
    """The ruff settings in a config file (a pyproject's ``[tool.ruff]``), None if it has none."""
    data = _toml(path)
    if data is None:
        return None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("ruff")
        return table if isinstance(table, dict) else None
    return data


def ruff_config(ws: Workspace, start: Path) -> Path | None:
    """The ruff configuration nearest to ``start`` inside the workspace, or None: the tree
    does not lint with ruff there. A folder above the workspace root does not count."""
    root = ws.root.resolve()
    folder = start.resolve()
    if not folder.is_relative_to(root):
        return None
    while True:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and _ruff_table(candidate) is not None:
                return candidate
        if folder == root:
            return None
        folder = folder.parent


def ignored(config: Path) -> tuple[str, ...]:
    """Codes and prefixes the configuration ignores (``ignore``, ``extend-ignore``, top level or
    under ``lint``), following ``extend`` to the configurations it builds on."""
    out: list[str] = []
    seen: set[Path] = set()
    path: Path | None = config
    while path is not None and path not in seen and path.is_file():
        seen.add(path)
        table = _ruff_table(path) or {}
        for scope in (table, table.get("lint", {})):
            if isinstance(scope, dict):
                for key in ("ignore", "extend-ignore"):
                    value = scope.get(key, [])
                    out.extend(v for v in value if isinstance(v, str)) if isinstance(value, list) else None
        extend = table.get("extend")
        path = (path.parent / extend).resolve() if isinstance(extend, str) else None
    return tuple(dict.fromkeys(out))


def asked_codes(codes: Sequence[str], ignores: Sequence[str]) -> list[str]:
    """The codes to ``--select``: those the configuration does not ignore."""
    return [c for c in codes if not any(i == "ALL" or c.startswith(i) for i in ignores)]


def narrower_ignores(codes: Sequence[str], ignores: Sequence[str]) -> list[str]:
    """Ignores more specific than a selected prefix (``PT011`` under ``PT``), passed on as
    ``--ignore``: within one command line ruff lets the more specific selector win."""
    return [i for i in ignores if any(i != c and i.startswith(c) for c in codes)]


def ruff_requirement(ws: Workspace) -> str:
    """The ruff the workspace formats with (``connkit format``'s model: setup.py's pin, else
    the pre-commit rev, else connkit's own), so review and format judge with one version."""
    requirement, _why = formatting.choose_requirement(ws.root, "ruff", formatting.precommit_revs(ws.root))
    return requirement


def ruff_commands(ws: Workspace) -> list[tuple[str, list[str]]]:
    """The ruffs to try, best first: the one ``connkit format`` runs here (the workspace
    environment's copy when it exists, else connkit's own when it is the version asked for,
    else ``uv tool run`` of exactly that version), then connkit's own (a dependency of
    connkit) should that one not run."""
    env = python_env(ws)
    python = env.python if env.python.is_file() else None
    requirement = ruff_requirement(ws)
    chosen = formatting.runner_for(python, uv_command(), None)("ruff", requirement)
    own = [sys.executable, "-m", "ruff"]
    if chosen == own:
        return [("connkit's", own)]
    where = (
        f"the workspace environment's ({python.parent / 'ruff'})" if chosen[0] == str(python) else requirement
    )
    return [(where, chosen), ("connkit's", own)]


def _parse(root: Path, stdout: str) -> list[Diagnostic]:
    out = []
    for d in json.loads(stdout or "[]"):
        if not d.get("code"):
            continue  # a syntax error: quality/syntax reports those
        start, end = d.get("location") or {}, d.get("end_location") or d.get("location") or {}
        try:
            rel = Path(d["filename"]).resolve().relative_to(root).as_posix()
        except ValueError:
            rel = d["filename"]
        out.append(
            Diagnostic(
                code=d["code"],
                path=rel,
                line=int(start.get("row", 1)),
                column=int(start.get("column", 1)),
                end_line=int(end.get("row", start.get("row", 1))),
                end_column=int(end.get("column", start.get("column", 1))),
                message=str(d.get("message", "")),
            )
        )
    return out


def _check(
    argv: list[str], root: Path, codes: list[str], ignores: list[str], preview: bool, paths: list[str]
) -> list[Diagnostic]:
    """One ``ruff check`` (no fixes, no cache written into the tree) under the files' own config."""
    cmd = [*argv, "check", "--no-fix", "--no-cache", "--exit-zero", "--output-format", "json"]
    cmd += ["--preview"] if preview else []
    cmd += ["--select", ",".join(codes)]
    cmd += ["--ignore", ",".join(ignores)] if ignores else []
    cmd += ["--", *paths]
    proc = subprocess.run(
        cmd, cwd=root, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit {proc.returncode}")
    try:
        return _parse(root, proc.stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"unreadable ruff output ({exc})") from None


def run(ctx: ReviewContext, specs: Sequence[RuffSpec]) -> RuffRun | None:
    """ruff over the review's Python files for every spec's codes, or None where the workspace
    does not lint with ruff. Preview codes get a run of their own, so the others keep the
    stable behaviour the workspace's own ``ruff check`` has."""
    ws = ctx.ws
    config = ruff_config(ws, ws.root / ctx.connector.package)
    if config is None:
        return None
    ignores = ignored(config)
    stable = asked_codes([c for s in specs if not s.preview for c in s.codes], ignores)
    preview = asked_codes([c for s in specs if s.preview for c in s.codes], ignores)
    paths = [f.rel for f in ctx.python]
    rel_config = ws.rel(config)
    root = ws.root.resolve()
    errors = []
    for name, argv in ruff_commands(ws):
        try:
            found: list[Diagnostic] = []
            for codes, is_preview in ((stable, False), (preview, True)):
                if codes and paths:
                    found += _check(argv, root, codes, narrower_ignores(codes, ignores), is_preview, paths)
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            errors.append(f"{name} ruff: {exc}")
            continue
        return RuffRun(rel_config, name, tuple(found), frozenset(stable + preview))
    return RuffRun(rel_config, "", (), frozenset(stable + preview), error="; ".join(errors))


# -- grouping: one finding where connkit's own rule made one -----------------------------------

_NAME = re.compile(r"`([^`]+)`")


def _char_col(line: str, byte_col: int) -> int:
    """A 1-based character column from ``ast``'s 0-based UTF-8 byte offset."""
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace")) + 1


def _signature_end(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    first = fn.body[0]
    return (first.lineno, first.col_offset)


def enclosing_function(
    tree: ast.AST, lines: list[str], d: Diagnostic
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function whose signature (``def`` to its body) holds the diagnostic's position."""
    best = None
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.body:
            continue
        start = (node.lineno, 0)
        end_line, end_byte = _signature_end(node)
        end = (end_line, _char_col(lines[end_line - 1], end_byte) if end_line <= len(lines) else 1)
        if start <= (d.line, d.column) < end and (best is None or node.lineno >= best.lineno):
            best = node
    return best


def group_by_function(f: PyFile, diagnostics: list[Diagnostic]) -> Iterator[Hit]:
    """``name() lacks annotations: x, return`` per function, at its ``def`` (as connkit's own
    rule reports), listing what ruff found missing."""
    lines = f.text.splitlines()
    grouped: dict[ast.AST, list[Diagnostic]] = {}
    loose = []
    for d in diagnostics:
        fn = enclosing_function(f.tree, lines, d) if f.tree is not None else None
        if fn is None:
            loose.append(d)
        else:
            grouped.setdefault(fn, []).append(d)
    for fn, found in grouped.items():
        what = []
        for d in sorted(found, key=lambda d: (d.line, d.column)):
            names = _NAME.findall(d.message)
            what.append("return" if d.code.startswith("ANN2") else (names[-1] if names else d.code))
        what = list(dict.fromkeys(what))
        what.sort(key=lambda w: w == "return")  # stable: arguments in order, then the return
        codes = ", ".join(sorted({d.code for d in found}))
        message = f"{fn.name}() lacks annotations: {', '.join(what)} (ruff {codes})"
        yield Hit(f.rel, fn.lineno, message, node=fn)  # marks the name
    yield from (_alone(f, d) for d in loose)


def group_by_class(f: PyFile, diagnostics: list[Diagnostic]) -> Iterator[Hit]:
    """One finding per test class (where connkit's own rule reports a TestCase), others alone."""
    classes = [n for n in ast.walk(f.tree) if isinstance(n, ast.ClassDef)] if f.tree is not None else []
    grouped: dict[ast.ClassDef, list[Diagnostic]] = {}
    loose = []
    for d in diagnostics:
        inside = [c for c in classes if c.lineno <= d.line <= (c.end_lineno or c.lineno)]
        if inside:
            grouped.setdefault(max(inside, key=lambda c: c.lineno), []).append(d)
        else:
            loose.append(d)
    for cls, found in grouped.items():
        counts: dict[str, int] = {}
        for d in found:
            counts[d.code] = counts.get(d.code, 0) + 1
        codes = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(counts.items()))
        first = min(found, key=lambda d: (d.line, d.column))
        yield Hit(
            f.rel, cls.lineno, f"{cls.name} is not pytest style: {first.message} (ruff {codes})", node=cls
        )
    yield from (_alone(f, d) for d in loose)


def _alone(f: PyFile, d: Diagnostic) -> Hit:
    return Hit(
        f.rel,
        d.line,
        f"{d.message} (ruff {d.code})",
        column=d.column,
        end_line=d.end_line,
        end_column=d.end_column,
    )


def blank(f: PyFile) -> bool:
    return not f.text.strip()
