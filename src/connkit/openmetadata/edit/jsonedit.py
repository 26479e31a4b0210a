"""Edit JSON files in place, touching only the bytes an edit is about.

OpenMetadata's schema files are hand-formatted (2-space indent mostly, some inline arrays,
some ``"key" : value``), so a ``json.loads``/``json.dumps`` round trip would rewrite lines that
an edit never meant to change. Instead this module parses the text into a tree that remembers
where every value, member and array item starts and ends, and edits splice new text in at those
positions, formatted like the neighbours. Removing what was inserted gives the original bytes
back, so ``git diff`` after an edit shows only added lines and a revert is byte-identical.

For whole-file writes, ``dumps_like`` detects indentation and the final newline of an existing
file and renders a value the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


class JsonEditError(ValueError):
    """The text is not JSON, or the path to edit is not where the edit expects it."""


@dataclass
class Node:
    """A JSON value and its span ``[start, end)`` in the text."""

    kind: str  # "object" | "array" | "string" | "number" | "literal"
    start: int
    end: int
    value: Any = None  # the Python value (for containers: the whole decoded value)
    members: list[Member] = field(default_factory=list)  # objects
    items: list[Node] = field(default_factory=list)  # arrays

    def member(self, key: str) -> Member | None:
        for m in self.members:
            if m.key == key:
                return m
        return None

    def get(self, key: str) -> Node | None:
        m = self.member(key)
        return m.value if m else None


@dataclass
class Member:
    """``"key": value`` inside an object; ``start`` is the key's opening quote."""

    key: str
    start: int
    key_end: int
    value: Node

    @property
    def end(self) -> int:
        return self.value.end


_WS = " \t\r\n"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str, pos: int | None = None) -> JsonEditError:
        pos = self.pos if pos is None else pos
        line = self.text.count("\n", 0, pos) + 1
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return JsonEditError(f"invalid JSON at line {line} column {col}: {message}")

    def skip_ws(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos] in _WS:
            self.pos += 1

    def parse_document(self) -> Node:
        if self.text.startswith("\ufeff"):
            self.pos = 1
        self.skip_ws()
        node = self.parse_value()
        self.skip_ws()
        if self.pos != len(self.text):
            raise self.error("extra data after the top-level value")
        return node

    def parse_value(self) -> Node:
        if self.pos >= len(self.text):
            raise self.error("unexpected end of file")
        ch = self.text[self.pos]
        if ch == "{":
            return self.parse_object()
        if ch == "[":
            return self.parse_array()
        if ch == '"':
            start = self.pos
            return Node("string", start, self.scan_string(), self.decode_string(start))
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                start = self.pos
                self.pos += len(word)
                return Node("literal", start, self.pos, val)
        m = _NUMBER.match(self.text, self.pos)
        if m and m.end() > self.pos:
            self.pos = m.end()
            return Node("number", m.start(), m.end(), json.loads(m.group()))
        raise self.error(f"unexpected character {ch!r}")

    def scan_string(self) -> int:
        text, n = self.text, len(self.text)
        i = self.pos + 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                self.pos = i + 1
                return self.pos
            if c == "\n":
                break
            i += 1
        raise self.error("unterminated string")

    def decode_string(self, start: int) -> str:
        try:
            return json.loads(self.text[start : self.pos])
        except json.JSONDecodeError as exc:
            raise self.error(f"bad string ({exc.msg})", start) from None

    def expect(self, ch: str) -> None:
        if self.pos >= len(self.text) or self.text[self.pos] != ch:
            found = self.text[self.pos] if self.pos < len(self.text) else "end of file"
            raise self.error(f"expected {ch!r}, found {found!r}")
        self.pos += 1

    def parse_object(self) -> Node:
        start = self.pos
        self.pos += 1
        members: list[Member] = []
        self.skip_ws()
        if self.pos < len(self.text) and self.text[self.pos] == "}":
            self.pos += 1
            return Node("object", start, self.pos, {}, members=members)
        while True:
            self.skip_ws()
            if self.pos >= len(self.text) or self.text[self.pos] != '"':
                raise self.error("expected a quoted key")
            key_start = self.pos
            self.scan_string()
            key = self.decode_string(key_start)
            key_end = self.pos
            self.skip_ws()
            self.expect(":")
            self.skip_ws()
            value = self.parse_value()
            members.append(Member(key, key_start, key_end, value))
            self.skip_ws()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            self.expect("}")
            break
        decoded = {m.key: m.value.value for m in members}
        return Node("object", start, self.pos, decoded, members=members)

    def parse_array(self) -> Node:
        start = self.pos
        self.pos += 1
        items: list[Node] = []
        self.skip_ws()
        if self.pos < len(self.text) and self.text[self.pos] == "]":
            self.pos += 1
            return Node("array", start, self.pos, [], items=items)
        while True:
            self.skip_ws()
            items.append(self.parse_value())
            self.skip_ws()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
                continue
            self.expect("]")
            break
        return Node("array", start, self.pos, [i.value for i in items], items=items)


def parse(text: str) -> Node:
    """Parse ``text`` into a span tree; raises JsonEditError with line and column."""
    return _Parser(text).parse_document()


def detect_indent(text: str) -> str:
    """The file's indentation unit: the smallest leading whitespace of an indented line."""
    best: str | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or stripped == line:
            continue
        lead = line[: len(line) - len(stripped)]
        if lead.startswith("\t"):
            return "\t"
        if best is None or len(lead) < len(best):
            best = lead
    return best or "  "


def dumps_like(value: Any, original: str) -> str:
    """Render ``value`` with the indentation and final newline of ``original``.

    Key order is the order of ``value`` (``json.loads`` keeps the file's order).
    """
    indent = detect_indent(original)
    out = json.dumps(value, indent=indent, ensure_ascii=False)
    return out + "\n" if original.endswith("\n") else out


def _line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    i = line_start
    while i < len(text) and text[i] in " \t":
        i += 1
    return text[line_start:i]


def _render(value: Any, *, multiline: bool, unit: str, base: str, kv_sep: str = ": ", nl: str = "\n") -> str:
    if not multiline or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False, separators=(", ", kv_sep))
    # json lays out the file's key separator itself, between keys and values only: a string
    # value holding '": ' (escaped as '\\": ') is never touched. Its newlines are indentation
    # only, since newlines inside strings are escaped.
    out = json.dumps(value, indent=unit, ensure_ascii=False, separators=(",", kv_sep))
    return out.replace("\n", nl + base)


class Document:
    """A JSON file's text plus edits that keep every byte they do not mean to change."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = parse(text)

    @property
    def value(self) -> Any:
        return self.root.value

    def find(self, *path: str | int) -> Node | None:
        node: Node | None = self.root
        for step in path:
            if node is None:
                return None
            if isinstance(step, int):
                node = node.items[step] if node.kind == "array" and step < len(node.items) else None
            else:
                node = node.get(step) if node.kind == "object" else None
        return node

    @property
    def newline(self) -> str:
        """The file's line ending, so inserted lines match (CRLF files stay CRLF)."""
        return "\r\n" if "\r\n" in self.text else "\n"

    def _splice(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]
        self.root = parse(self.text)

    # -- arrays ---------------------------------------------------------------------------
    def add_item(self, array: Node, value: Any) -> None:
        """Add ``value`` near the end of ``array``, laid out like its items.

        In an array with one item a line, the new item goes just before the last one, so the
        edit adds whole lines and changes none (appending would add a comma to the old last
        line). In an inline array it is appended on the same line.
        """
        if array.kind != "array":
            raise JsonEditError("expected an array")
        unit, nl = detect_indent(self.text), self.newline
        items = array.items
        if not items:
            if "\n" in self.text[array.start : array.end]:
                base = _line_indent(self.text, array.start)
                rendered = _render(value, multiline=True, unit=unit, base=base + unit, nl=nl)
                text = nl + base + unit + rendered + nl + base
            else:
                text = _render(value, multiline=False, unit=unit, base="")
            self._splice(array.start + 1, array.end - 1, text)
            return
        last = items[-1]
        before_last = self.text[items[-2].end if len(items) >= 2 else array.start + 1 : last.start]
        multiline = "\n" in self.text[last.start : last.end]
        base = _line_indent(self.text, last.start)
        rendered = _render(value, multiline=multiline, unit=unit, base=base, nl=nl)
        if "\n" in before_last:
            sep = before_last if len(items) >= 2 else "," + before_last
            self._splice(last.start, last.start, rendered + sep)
        else:
            sep = before_last if len(items) >= 2 else ", "
            self._splice(last.end, last.end, sep + rendered)

    def remove_item(self, array: Node, index: int) -> None:
        """Remove one item and the separator that joined it to its neighbour (undoes add_item)."""
        items = array.items
        item = items[index]
        if index + 1 < len(items):
            self._splice(item.start, items[index + 1].start, "")
        elif index > 0:
            self._splice(items[index - 1].end, item.end, "")
        else:
            self._splice(array.start + 1, array.end - 1, "")

    # -- objects --------------------------------------------------------------------------
    def insert_member(self, obj: Node, key: str, value: Any, *, sorted_position: bool) -> None:
        """Add ``"key": value`` to ``obj``: before the first greater key, or at the end."""
        if obj.kind != "object":
            raise JsonEditError("expected an object")
        if obj.member(key) is not None:
            raise JsonEditError(f"key {key!r} already present")
        unit, nl = detect_indent(self.text), self.newline
        members = obj.members
        if not members:
            base = _line_indent(self.text, obj.start)
            rendered = _render(value, multiline=True, unit=unit, base=base + unit, nl=nl)
            body = json.dumps(key, ensure_ascii=False) + ": " + rendered
            self._splice(obj.start + 1, obj.end - 1, nl + base + unit + body + nl + base)
            return
        ref = members[-1]
        kv_sep = self.text[ref.key_end : ref.value.start]
        base = _line_indent(self.text, ref.start)
        multiline = "\n" in self.text[ref.value.start : ref.value.end]
        body = (
            json.dumps(key, ensure_ascii=False)
            + kv_sep
            + _render(value, multiline=multiline, unit=unit, base=base, kv_sep=kv_sep, nl=nl)
        )
        if len(members) >= 2:
            sep = self.text[members[-2].end : members[-1].start]
        else:
            sep = "," + self.text[obj.start + 1 : members[0].start]
        if sorted_position:
            index = next((i for i, m in enumerate(members) if m.key > key), len(members))
        else:
            index = len(members) - 1  # before the last member: the diff only adds lines
        if index < len(members):
            nxt = members[index]
            between = self.text[members[index - 1].end : nxt.start] if index > 0 else sep
            self._splice(nxt.start, nxt.start, body + between)
        else:
            self._splice(members[-1].end, members[-1].end, sep + body)

    def remove_member(self, obj: Node, key: str) -> None:
        """Remove ``key`` and the separator that joined it to its neighbour."""
        members = obj.members
        index = next((i for i, m in enumerate(members) if m.key == key), None)
        if index is None:
            raise JsonEditError(f"key {key!r} not present")
        m = members[index]
        if index + 1 < len(members):
            self._splice(m.start, members[index + 1].start, "")
        elif index > 0:
            self._splice(members[index - 1].end, m.end, "")
        else:
            self._splice(obj.start + 1, obj.end - 1, "")
