"""Register a scaffolded connector everywhere the workspace's release expects it.

A registration is one small edit with four verbs (describe, is_present, apply, remove). The list
for a connector is built from what the workspace actually has (service schema, UI utils file and
its shape, i18n labels, ``setup.py`` extras); edits go to an in-memory ``FileSet`` first and are
written together with ``apply_all_or_nothing``, so a malformed target stops the run before any
file changes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from connkit.errors import UsageError
from connkit.fsutil import apply_all_or_nothing
from connkit.openmetadata import extras
from connkit.openmetadata.connectors import Connector, find_connector
from connkit.openmetadata.edit import tsedit
from connkit.openmetadata.edit.jsonedit import Document, JsonEditError
from connkit.openmetadata.pysource import plugins_dict
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.workspace import SETUP_PY, Workspace, layout

ADDED, ALREADY, REMOVED, ABSENT, MISSING, SKIPPED = (
    "added",
    "already registered",
    "removed",
    "not registered",
    "missing",
    "not needed",
)


class FileSet:
    """Original and edited text of the files a run touches; nothing is written until the end."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._orig: dict[Path, str] = {}
        self._text: dict[Path, str] = {}
        self._docs: dict[Path, Document] = {}

    def text(self, path: Path) -> str:
        if path not in self._text:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read {self.ws.rel(path)}: {exc.strerror}") from None
            try:
                self._orig[path] = self._text[path] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{self.ws.rel(path)} is not UTF-8 text; fix its encoding") from None
        return self._text[path]

    def set_text(self, path: Path, text: str) -> None:
        self.text(path)
        self._text[path] = text
        self._docs.pop(path, None)

    def json(self, path: Path) -> Document:
        if path not in self._docs:
            try:
                self._docs[path] = Document(self.text(path))
            except JsonEditError as exc:
                raise UsageError(f"{self.ws.rel(path)}: {exc}; fix the file and rerun") from None
        return self._docs[path]

    def commit_json(self, path: Path) -> None:
        """Record a Document's edits as the file's new text."""
        self._text[path] = self._docs[path].text

    def changes(self) -> dict[Path, bytes]:
        return {p: t.encode("utf-8") for p, t in self._text.items() if t != self._orig.get(p)}


class Registration(Protocol):
    path: Path

    def describe(self) -> str: ...

    def is_present(self, files: FileSet) -> bool: ...

    def apply(self, files: FileSet) -> None: ...

    def remove(self, files: FileSet) -> None: ...


# -- service schema ---------------------------------------------------------------------------


def _definition_name(doc: Document, prop: str, suffix: str, service_type: str) -> str | None:
    """The definition ``properties.{prop}`` refers to, else the one named ``{type}{suffix}``."""
    ref = doc.find("properties", prop, "$ref")
    if ref is not None and isinstance(ref.value, str) and ref.value.startswith("#/definitions/"):
        return ref.value.rsplit("/", 1)[-1]
    defs = doc.find("definitions")
    for m in defs.members if defs is not None and defs.kind == "object" else []:
        if m.key.lower() == f"{service_type}{suffix}".lower():
            return m.key
    return None


@dataclass
class _ServiceSchemaEdit:
    path: Path
    service_type: str
    rel: str

    def _doc(self, files: FileSet) -> Document:
        return files.json(self.path)

    def _enum_def(self, files: FileSet) -> str:
        doc = self._doc(files)
        name = _definition_name(doc, "serviceType", "ServiceType", self.service_type)
        node = doc.find("definitions", name) if name else None
        if node is None or node.get("enum") is None:
            raise UsageError(
                f"{self.rel} has no {self.service_type}ServiceType enum; is this the right service type?"
            )
        return name  # type: ignore[return-value]


@dataclass
class ServiceEnumValue(_ServiceSchemaEdit):
    camel: str

    def describe(self) -> str:
        return f"{self.rel}: {self.camel} in the service type enum"

    def _array(self, files: FileSet):
        return self._doc(files).find("definitions", self._enum_def(files), "enum")

    def is_present(self, files: FileSet) -> bool:
        return self.camel in (self._array(files).value or [])

    def apply(self, files: FileSet) -> None:
        self._doc(files).add_item(self._array(files), self.camel)
        files.commit_json(self.path)

    def remove(self, files: FileSet) -> None:
        arr = self._array(files)
        self._doc(files).remove_item(arr, arr.value.index(self.camel))
        files.commit_json(self.path)


@dataclass
class ServiceJavaEnum(_ServiceSchemaEdit):
    camel: str

    def describe(self) -> str:
        return f'{self.rel}: {{"name": "{self.camel}"}} in javaEnums'

    def _array(self, files: FileSet):
        return self._doc(files).find("definitions", self._enum_def(files), "javaEnums")

    def _index(self, files: FileSet) -> int | None:
        for i, item in enumerate(self._array(files).value):
            if isinstance(item, dict) and item.get("name") == self.camel:
                return i
        return None

    def is_present(self, files: FileSet) -> bool:
        return self._index(files) is not None

    def apply(self, files: FileSet) -> None:
        self._doc(files).add_item(self._array(files), {"name": self.camel})
        files.commit_json(self.path)

    def remove(self, files: FileSet) -> None:
        self._doc(files).remove_item(self._array(files), self._index(files))  # type: ignore[arg-type]
        files.commit_json(self.path)


@dataclass
class ServiceConnectionRef(_ServiceSchemaEdit):
    ref: str

    def describe(self) -> str:
        return f"{self.rel}: $ref {self.ref} in the connection config.oneOf"

    def _array(self, files: FileSet):
        doc = self._doc(files)
        name = _definition_name(doc, "connection", "Connection", self.service_type)
        arr = doc.find("definitions", name, "properties", "config", "oneOf") if name else None
        if arr is None or arr.kind != "array":
            raise UsageError(f"{self.rel} has no connection config.oneOf list; is it a service schema?")
        return arr

    def _index(self, files: FileSet) -> int | None:
        wanted = _norm_ref(self.ref)
        for i, item in enumerate(self._array(files).value):
            if isinstance(item, dict) and _norm_ref(str(item.get("$ref", ""))) == wanted:
                return i
        return None

    def is_present(self, files: FileSet) -> bool:
        return self._index(files) is not None

    def apply(self, files: FileSet) -> None:
        self._doc(files).add_item(self._array(files), {"$ref": self.ref})
        files.commit_json(self.path)

    def remove(self, files: FileSet) -> None:
        self._doc(files).remove_item(self._array(files), self._index(files))  # type: ignore[arg-type]
        files.commit_json(self.path)


def _norm_ref(ref: str) -> str:
    return ref[2:] if ref.startswith("./") else ref


# -- UI utils ----------------------------------------------------------------------------------


@dataclass
class UiSchemaEntry:
    path: Path
    entry: tsedit.SchemaEntry
    rel: str

    @property
    def tsx(self) -> bool:
        return self.path.suffix == ".tsx"

    def _src(self, files: FileSet) -> bytes:
        return files.text(self.path).encode("utf-8")

    def describe(self) -> str:
        return f"{self.rel}: {self.entry.enum}.{self.entry.member} -> {self.entry.file_name}"

    def is_present(self, files: FileSet) -> bool:
        try:
            return tsedit.presence(self._src(files), self.entry, self.tsx).complete
        except tsedit.TsEditError as exc:
            raise UsageError(
                f"{self.rel}: {exc}; cannot register the UI schema (the shapes connkit edits: an "
                "import per schema with a `switch` whose `case` sets it, or a map of schema loaders "
                "keyed by the service type enum)"
            ) from None

    def apply(self, files: FileSet) -> None:
        self._edit(files, tsedit.add)

    def remove(self, files: FileSet) -> None:
        self._edit(files, tsedit.remove)

    def _edit(self, files: FileSet, fn) -> None:
        try:
            files.set_text(self.path, fn(self._src(files), self.entry, self.tsx).decode("utf-8"))
        except tsedit.TsEditError as exc:
            raise UsageError(f"{self.rel}: {exc}") from None


# -- i18n labels --------------------------------------------------------------------------------


@dataclass
class I18nLabel:
    path: Path
    key: str
    label: str
    rel: str

    def describe(self) -> str:
        return f"{self.rel}: label.{self.key}"

    def _labels(self, files: FileSet):
        node = files.json(self.path).find("label")
        if node is None or node.kind != "object":
            raise UsageError(f'{self.rel} has no "label" object')
        return node

    def is_present(self, files: FileSet) -> bool:
        return self._labels(files).member(self.key) is not None

    def apply(self, files: FileSet) -> None:
        files.json(self.path).insert_member(self._labels(files), self.key, self.label, sorted_position=True)
        files.commit_json(self.path)

    def remove(self, files: FileSet) -> None:
        files.json(self.path).remove_member(self._labels(files), self.key)
        files.commit_json(self.path)


# -- setup.py extras ------------------------------------------------------------------------------


@dataclass
class SetupExtra:
    """``"name": set(),`` in ``plugins`` of ``ingestion/setup.py``, located with ``ast``.

    ``extra`` is spelt as the release spells its extras (review's ``extras.decide``);
    ``needs`` are the imports no requirement installs, which is why the extra is wanted."""

    path: Path
    extra: str
    rel: str
    needs: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.rel}: plugins[{self.extra!r}] extra"

    def _plugins(self, files: FileSet) -> ast.Dict:
        try:
            tree = ast.parse(files.text(self.path))
        except SyntaxError as exc:
            raise UsageError(f"{self.rel}: invalid Python at line {exc.lineno}; fix it and rerun") from None
        found = plugins_dict(tree)
        if found is None:
            raise UsageError(f"{self.rel} has no `plugins = {{...}}` dict")
        return found

    def _key(self, files: FileSet) -> tuple[int, ast.expr] | None:
        d = self._plugins(files)
        for i, k in enumerate(d.keys):
            if isinstance(k, ast.Constant) and k.value == self.extra:
                return i, k
        return None

    def is_present(self, files: FileSet) -> bool:
        return self._key(files) is not None

    def apply(self, files: FileSet) -> None:
        text = files.text(self.path)
        lines = text.splitlines(keepends=True)
        d = self._plugins(files)
        keys = [k for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        if not keys:
            raise UsageError(f"{self.rel}: `plugins` has no string keys to line up with")
        before = next((k for k in keys if k.value > self.extra), None)
        anchor = before or keys[-1]
        indent = lines[anchor.lineno - 1][: anchor.col_offset]
        if indent.strip():
            raise UsageError(f"{self.rel}: `plugins` entries are not one per line; add the extra by hand")
        quote = lines[anchor.lineno - 1][anchor.col_offset]
        nl = "\r\n" if "\r\n" in text else "\n"
        new_line = f"{indent}{quote}{self.extra}{quote}: set(),{nl}"
        if before is not None:
            at = before.lineno - 1
        else:
            at = (d.end_lineno or len(lines)) - 1  # the line holding the closing brace
            if lines[at].strip() != "}" and not lines[at].lstrip().startswith("}"):
                raise UsageError(f"{self.rel}: cannot place a new `plugins` entry; add it by hand")
        lines.insert(at, new_line)
        files.set_text(self.path, "".join(lines))

    def remove(self, files: FileSet) -> None:
        found = self._key(files)
        if found is None:
            return
        i, key = found
        value = self._plugins(files).values[i]
        lines = files.text(self.path).splitlines(keepends=True)
        first, last = key.lineno - 1, (value.end_lineno or key.lineno) - 1
        head = lines[first][: key.col_offset]
        tail = lines[last][value.end_col_offset or 0 :].strip()
        if head.strip() or not re.fullmatch(r",?\s*(#.*)?", tail):
            raise UsageError(
                f"{self.rel}: the {self.extra!r} entry shares lines with others; remove it by hand"
            )
        del lines[first : last + 1]
        files.set_text(self.path, "".join(lines))


# -- a connector's registrations ----------------------------------------------------------


def registrations(
    ws: Workspace, conn: Connector, files: FileSet, skipped: list[str] | None = None
) -> list[Registration]:
    """Every registration this workspace's release needs; malformed targets raise UsageError.

    Targets this release does not have are named in ``skipped`` (when given).
    """
    skipped = skipped if skipped is not None else []
    st = conn.service_type
    service = ws.service_schema(st)
    rel = ws.rel(service)
    if not service.is_file():
        raise UsageError(f"{rel} does not exist: is {st!r} a service type of this release?")
    regs: list[Registration] = []
    enum_reg = ServiceEnumValue(service, st, rel, conn.camel)
    enum_def = enum_reg._enum_def(files)
    regs.append(enum_reg)
    if files.json(service).find("definitions", enum_def, "javaEnums") is not None:
        regs.append(ServiceJavaEnum(service, st, rel, conn.camel))
    regs.append(ServiceConnectionRef(service, st, rel, f"./connections/{st}/{conn.module}Connection.json"))
    found = layout.detect_layout(ws.root)
    ui_info = found.services.get(st)
    ui = ws.root / ui_info.path if ui_info is not None and ui_info.path else None
    if ui is not None:
        src = files.text(ui).encode("utf-8")
        tsx = ui.suffix == ".tsx"
        enum = tsedit.service_enum_name(src, st, tsx)
        if enum is None:
            raise UsageError(f"{ws.rel(ui)} does not import the {st} service type enum; cannot register")
        entry = tsedit.SchemaEntry(enum=enum, member=conn.camel, service_type=st, module=conn.module)
        reg = UiSchemaEntry(ui, entry, ws.rel(ui))
        reg.is_present(files)  # validates the shape now, before anything is written
        regs.append(reg)
    else:
        stem = SERVICES[st].ui_utils
        skipped.append(f"UI utils: no {stem}.ts(x) under {ws.rel(ws.root / layout.UI_UTILS_DIR)}")
    i18n = ws.root / layout.EN_US
    if found.i18n_labels and i18n.is_file():
        regs.append(I18nLabel(i18n, layout.kebab(conn.camel), conn.camel, ws.rel(i18n)))
    else:
        skipped.append(f"{ws.rel(i18n)}: this release does not label connectors there")
    setup = ws.root / SETUP_PY
    if found.setup_py_extras:
        SetupExtra(setup, "", ws.rel(setup))._plugins(files)  # validates now
        decision = _extra_decision(ws, conn, files.text(setup))
        if decision is not None and decision.wanted:
            regs.append(SetupExtra(setup, decision.key, ws.rel(setup), decision.needed))
        elif decision is not None and decision.imports:
            skipped.append(
                f"{ws.rel(setup)}: no plugins extra needed: its requirements install what "
                f"{conn.name} imports ({', '.join(decision.imports)})"
            )
        else:
            skipped.append(
                f"{ws.rel(setup)}: no plugins extra needed: {conn.name} imports no third-party package"
            )
    else:
        skipped.append(f"{ws.rel(setup)}: no `plugins` extras in this workspace")
    return regs


def _extra_decision(ws: Workspace, conn: Connector, setup_text: str) -> extras.ExtraDecision | None:
    """The release's convention for this connector's extra: whether one is wanted, and its key."""
    reqs = extras.setup_requirements(setup_text)
    if reqs is None:
        return None
    trees = extras.source_trees(ws.root / conn.package)
    return extras.decide(reqs, (conn.name, conn.module, conn.camel), Path(conn.package).name, trees)


@dataclass
class Report:
    """What a register/unregister/check run found or did, one line per registration."""

    connector: Connector
    lines: list[tuple[str, str]] = field(default_factory=list)  # (status, description)
    written: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [d for s, d in self.lines if s == MISSING]

    def render(self) -> str:
        return "\n".join(f"{status:>18}  {desc}" for status, desc in self.lines)


def register(ws: Workspace, name: str, service_type: str | None = None, check: bool = False) -> Report:
    """Add every missing registration (or, with ``check``, only list them)."""
    conn = find_connector(ws, name, service_type)
    if not (ws.root / conn.schema).is_file():
        raise UsageError(
            f"no connections/{conn.service_type}/{conn.module}Connection.json: "
            "scaffold the connector before registering it"
        )
    files = FileSet(ws)
    skipped: list[str] = []
    regs = registrations(ws, conn, files, skipped)
    report = Report(conn, [(SKIPPED, note) for note in skipped])
    for reg in regs:
        if reg.is_present(files):
            report.lines.append((ALREADY, reg.describe()))
        elif check:
            report.lines.append((MISSING, reg.describe()))
        else:
            reg.apply(files)
            report.lines.append((ADDED, reg.describe()))
    _write(ws, files, report)
    return report


def unregister(ws: Workspace, name: str, service_type: str | None = None) -> Report:
    """Remove the registrations ``register`` adds; the connector's own files stay."""
    conn = find_connector(ws, name, service_type)
    files = FileSet(ws)
    skipped: list[str] = []
    regs = registrations(ws, conn, files, skipped)
    report = Report(conn, [(SKIPPED, note) for note in skipped])
    for reg in regs:
        if reg.is_present(files) or _partly_present(reg, files):
            reg.remove(files)
            report.lines.append((REMOVED, reg.describe()))
        else:
            report.lines.append((ABSENT, reg.describe()))
    _write(ws, files, report)
    return report


def _partly_present(reg: Registration, files: FileSet) -> bool:
    if isinstance(reg, UiSchemaEntry):
        state = tsedit.presence(reg._src(files), reg.entry, reg.tsx)
        return state.entry or state.schema_import
    return False


def _write(ws: Workspace, files: FileSet, report: Report) -> None:
    changes = files.changes()
    if changes:
        apply_all_or_nothing(changes, journal_dir=ws.journal_dir, label="register/unregister")
    report.written = sorted(ws.rel(p) for p in changes)
