"""Register a connection schema in a UI ``*ServiceUtils.ts(x)`` file through its syntax tree.

Two shapes exist across OpenMetadata releases:

- switch: ``import fooConnection from '../jsons/connectionSchemas/connections/{type}/foo...json';``
  plus ``case XServiceType.Foo: { schema = fooConnection; break; }`` in ``switch (type)``;
- loader map: ``[XServiceType.Foo]: () => loadConnectionSchema('connections/{type}/foo...json'),``
  (or ``() => import('../jsons/.../fooConnection.json')``) in an object keyed by the enum.

tree-sitter finds the nodes; edits splice text in at their byte positions. New text is copied
from the nearest sibling entry (its quotes, line breaks, blank lines) with only the enum member,
identifier and file name changed, so the rest of the file is untouched and removing an entry
restores the original bytes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Tree

SWITCH = "switch"
LOADER_MAP = "loader-map"


class TsEditError(ValueError):
    """The file does not have a shape this module knows how to edit."""


@dataclass(frozen=True)
class SchemaEntry:
    """One connector's registration in a service utils file."""

    enum: str  # "DashboardServiceType"
    member: str  # "MyDb"
    service_type: str  # "dashboard"
    module: str  # "myDb"

    @property
    def file_name(self) -> str:
        return f"{self.module}Connection.json"

    @property
    def identifier(self) -> str:
        return f"{self.module}Connection"


@cache
def _parser(tsx: bool) -> Parser:
    lang = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    return Parser(Language(lang))


def parse(source: bytes, tsx: bool) -> Tree:
    return _parser(tsx).parse(source)


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _text(node: Node) -> str:
    return node.text.decode("utf-8") if node.text is not None else ""


def _member_parts(node: Node | None) -> tuple[str, Node] | None:
    """For ``Enum.Member`` return (``Enum``, member node)."""
    if node is None or node.type != "member_expression":
        return None
    obj = node.child_by_field_name("object")
    prop = node.child_by_field_name("property")
    if obj is None or prop is None:
        return None
    return _text(obj), prop


def service_enum_name(source: bytes, service_type: str, tsx: bool) -> str | None:
    """The ``XServiceType`` identifier imported from ``generated/entity/services/{type}Service``,
    else one named for the type from anywhere (1.1's storage utils import ``StorageServiceType``
    from ``generated/entity/data/container``)."""
    tree = parse(source, tsx)
    suffix = f"/{service_type}Service"
    named = None
    for node in _walk(tree.root_node):
        if node.type != "import_statement":
            continue
        src = node.child_by_field_name("source")
        from_service = src is not None and _string_value(src).endswith(suffix)
        for ident in _walk(node):
            if ident.type != "identifier" or not _text(ident).endswith("ServiceType"):
                continue
            if from_service:
                return _text(ident)
            if named is None and _text(ident).lower() == f"{service_type}servicetype":
                named = _text(ident)
    return named


def _string_value(node: Node) -> str:
    frag = _fragment(node)
    return _text(frag) if frag is not None else ""


def _fragment(node: Node) -> Node | None:
    for child in node.children:
        if child.type == "string_fragment":
            return child
    return None


# -- locating the structures ---------------------------------------------------------------


def _loader_pairs(obj: Node, enum: str) -> list[tuple[Node, Node]]:
    """(pair, member node) for each ``[Enum.Member]: ...`` pair of an object literal."""
    out = []
    for pair in obj.named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        if key is None or key.type != "computed_property_name":
            continue
        parts = _member_parts(key.named_children[0] if key.named_children else None)
        if parts and parts[0] == enum:
            out.append((pair, parts[1]))
    return out


def _switch_cases(switch: Node, enum: str) -> list[tuple[Node, Node]]:
    body = switch.child_by_field_name("body")
    out = []
    for case in body.named_children if body is not None else []:
        if case.type != "switch_case":
            continue
        parts = _member_parts(case.child_by_field_name("value"))
        if parts and parts[0] == enum:
            out.append((case, parts[1]))
    return out


def _best(tree: Tree, kind: str, enum: str) -> tuple[Node, list[tuple[Node, Node]]] | None:
    best = None
    for node in _walk(tree.root_node):
        if kind == LOADER_MAP and node.type == "object":
            entries = _loader_pairs(node, enum)
        elif kind == SWITCH and node.type == "switch_statement":
            entries = _switch_cases(node, enum)
        else:
            continue
        if entries and (best is None or len(entries) > len(best[1])):
            best = (node, entries)
    return best


def detect_shape(source: bytes, enum: str, tsx: bool) -> str:
    """``loader-map`` or ``switch``; TsEditError when the file has neither."""
    return listed(source, enum, tsx)[0]


def listed(source: bytes, enum: str, tsx: bool) -> tuple[str, tuple[str, ...]]:
    """The file's shape and the ``enum`` members it registers; TsEditError when it has neither shape."""
    tree = parse(source, tsx)
    for shape in (LOADER_MAP, SWITCH):
        found = _best(tree, shape, enum)
        if found:
            return shape, tuple(_text(member) for _, member in found[1])
    raise TsEditError(f"no `switch` over {enum} and no schema loader map keyed by {enum} found")


def _schema_imports(tree: Tree, service_type: str) -> list[tuple[Node, Node, Node | None]]:
    """(import statement, source fragment, default identifier) for connection-schema imports."""
    out = []
    marker = f"connections/{service_type}/"
    for node in tree.root_node.children:
        if node.type != "import_statement":
            continue
        src = node.child_by_field_name("source")
        frag = _fragment(src) if src is not None else None
        if frag is None or marker not in _text(frag) or not _text(frag).endswith(".json"):
            continue
        ident = None
        for child in node.children:
            if child.type == "import_clause":
                ident = next((c for c in child.children if c.type == "identifier"), None)
        out.append((node, frag, ident))
    return out


def _find_import(tree: Tree, entry: SchemaEntry) -> tuple[Node, Node, Node | None] | None:
    for imp in _schema_imports(tree, entry.service_type):
        if posixpath.basename(_text(imp[1])) == entry.file_name:
            return imp
    return None


# -- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    shape: str
    entry: bool  # the case / map entry
    schema_import: bool  # switch shape only; True for the loader map

    @property
    def complete(self) -> bool:
        return self.entry and self.schema_import


def presence(source: bytes, entry: SchemaEntry, tsx: bool) -> Presence:
    tree = parse(source, tsx)
    shape = detect_shape(source, entry.enum, tsx)
    found = _best(tree, shape, entry.enum)
    assert found is not None
    has_entry = any(_text(m) == entry.member for _, m in found[1])
    has_import = True if shape == LOADER_MAP else _find_import(tree, entry) is not None
    return Presence(shape, has_entry, has_import)


# -- edits ----------------------------------------------------------------------------------


def _splice(source: bytes, start: int, end: int, new: bytes) -> bytes:
    return source[:start] + new + source[end:]


def _replace_spans(base: Node, replacements: list[tuple[Node, str]]) -> str:
    """Text of ``base`` with the given descendant nodes' text replaced."""
    text = base.text or b""
    for node, new in sorted(replacements, key=lambda r: r[0].start_byte, reverse=True):
        s, e = node.start_byte - base.start_byte, node.end_byte - base.start_byte
        text = text[:s] + new.encode("utf-8") + text[e:]
    return text.decode("utf-8")


def _line_bounds(source: bytes, start: int, end: int) -> tuple[int, int]:
    line_start = source.rfind(b"\n", 0, start) + 1
    nl = source.find(b"\n", end)
    return line_start, (len(source) if nl < 0 else nl + 1)


def _indent_at(source: bytes, pos: int) -> bytes:
    line_start = source.rfind(b"\n", 0, pos) + 1
    i = line_start
    while i < len(source) and source[i : i + 1] in (b" ", b"\t"):
        i += 1
    return source[line_start:i]


def _fragment_path(template_fragment: str, entry: SchemaEntry) -> str:
    return posixpath.join(posixpath.dirname(template_fragment), entry.file_name)


def add(source: bytes, entry: SchemaEntry, tsx: bool) -> bytes:
    """Register ``entry``; already-present parts are left alone."""
    state = presence(source, entry, tsx)
    if state.shape == LOADER_MAP:
        return source if state.entry else _add_loader_entry(source, entry, tsx)
    if not state.schema_import:
        source = _add_import(source, entry, tsx)
    if not state.entry:
        source = _add_case(source, entry, tsx)
    return source


def remove(source: bytes, entry: SchemaEntry, tsx: bool) -> bytes:
    """Remove ``entry`` (the map entry, or the case and its import)."""
    state = presence(source, entry, tsx)
    tree = parse(source, tsx)
    found = _best(tree, state.shape, entry.enum)
    assert found is not None
    target = next((n for n, m in found[1] if _text(m) == entry.member), None)
    if target is not None:
        if state.shape == LOADER_MAP:
            source = _remove_list_element(source, target)
        else:
            prev = target.prev_sibling
            start = prev.end_byte if prev is not None else target.start_byte
            source = _splice(source, start, target.end_byte, b"")
    if state.shape == SWITCH:
        imp = _find_import(parse(source, tsx), entry)
        if imp is not None:
            start, end = _line_bounds(source, imp[0].start_byte, imp[0].end_byte)
            source = _splice(source, start, end, b"")
    return source


def _remove_list_element(source: bytes, node: Node) -> bytes:
    nxt, prev = node.next_sibling, node.prev_sibling
    if nxt is not None and nxt.type == ",":
        start = prev.end_byte if prev is not None else node.start_byte
        return _splice(source, start, nxt.end_byte, b"")
    if prev is not None and prev.type == ",":
        return _splice(source, prev.start_byte, node.end_byte, b"")
    return _splice(source, node.start_byte, node.end_byte, b"")


def _add_loader_entry(source: bytes, entry: SchemaEntry, tsx: bool) -> bytes:
    tree = parse(source, tsx)
    found = _best(tree, LOADER_MAP, entry.enum)
    assert found is not None
    obj, pairs = found
    last, last_member = pairs[-1]
    repl: list[tuple[Node, str]] = [(last_member, entry.member)]
    frag = next((n for n in _walk(last) if n.type == "string_fragment"), None)
    if frag is None:
        raise TsEditError(f"the {entry.enum} loader map entries name no schema file")
    repl.append((frag, _fragment_path(_text(frag), entry)))
    new = _replace_spans(last, repl).encode("utf-8")
    prev = last.prev_sibling
    sep = source[prev.end_byte : last.start_byte] if prev is not None else b"\n"
    if b"\n" not in sep:
        sep = (b"\r\n" if b"\r\n" in source else b"\n") + _indent_at(source, last.start_byte)
    comma = last.next_sibling
    if comma is not None and comma.type == ",":
        return _splice(source, comma.end_byte, comma.end_byte, sep + new + b",")
    return _splice(source, last.end_byte, last.end_byte, b"," + sep + new)


def _add_import(source: bytes, entry: SchemaEntry, tsx: bool) -> bytes:
    tree = parse(source, tsx)
    nl = b"\r\n" if b"\r\n" in source else b"\n"
    for node in _walk(tree.root_node):
        if node.type == "identifier" and _text(node) == entry.identifier:
            raise TsEditError(f"`{entry.identifier}` is already used in the file for something else")
    imports = _schema_imports(tree, entry.service_type)
    if imports:
        template, frag, ident = imports[-1]
        if ident is None:
            raise TsEditError("connection schema imports have no default identifier")
        path = _fragment_path(_text(frag), entry)
        new = _replace_spans(template, [(ident, entry.identifier), (frag, path)]).encode()
        key = path.lower()
        for node, other, _ in imports:
            if _text(other).lower() > key:
                start, _ = _line_bounds(source, node.start_byte, node.end_byte)
                return _splice(source, start, start, new + nl)
        _, end = _line_bounds(source, template.start_byte, template.end_byte)
        return _splice(source, end, end, new + nl)
    all_imports = [n for n in tree.root_node.children if n.type == "import_statement"]
    if not all_imports:
        raise TsEditError("no import statements to place the schema import after")
    quote = "'" if b"'" in (all_imports[-1].text or b"") else '"'
    path = f"../jsons/connectionSchemas/connections/{entry.service_type}/{entry.file_name}"
    new = f"import {entry.identifier} from {quote}{path}{quote};".encode()
    _, end = _line_bounds(source, all_imports[-1].start_byte, all_imports[-1].end_byte)
    return _splice(source, end, end, new + nl)


def _simple_case(case: Node) -> tuple[Node, Node] | None:
    """(member node, assigned identifier) for ``case E.X: { schema = y; break; }``."""
    block = next((c for c in case.named_children if c.type == "statement_block"), None)
    if block is None:
        return None
    stmts = [c for c in block.named_children if c.type != "comment"]
    if len(stmts) != 2 or stmts[0].type != "expression_statement" or stmts[1].type != "break_statement":
        return None
    assign = stmts[0].named_children[0] if stmts[0].named_children else None
    if assign is None or assign.type != "assignment_expression":
        return None
    right = assign.child_by_field_name("right")
    parts = _member_parts(case.child_by_field_name("value"))
    if right is None or right.type != "identifier" or parts is None:
        return None
    return parts[1], right


def _add_case(source: bytes, entry: SchemaEntry, tsx: bool) -> bytes:
    tree = parse(source, tsx)
    found = _best(tree, SWITCH, entry.enum)
    assert found is not None
    _, cases = found
    imp = _find_import(tree, entry)
    ident = _text(imp[2]) if imp is not None and imp[2] is not None else entry.identifier
    last = cases[-1][0]
    template = next((c for c, _ in reversed(cases) if _simple_case(c)), None)
    if template is not None:
        member, right = _simple_case(template)  # type: ignore[misc]
        new = _replace_spans(template, [(member, entry.member), (right, ident)])
    else:
        ind = _indent_at(source, last.start_byte).decode()
        inner = ind + "  "
        new = f"case {entry.enum}.{entry.member}: {{\n{inner}schema = {ident};\n\n{inner}break;\n{ind}}}"
    prev = last.prev_sibling
    sep = source[prev.end_byte : last.start_byte] if prev is not None else b"\n"
    if b"\n" not in sep:
        sep = (b"\r\n" if b"\r\n" in source else b"\n") + _indent_at(source, last.start_byte)
    return _splice(source, last.end_byte, last.end_byte, sep + new.encode("utf-8"))
