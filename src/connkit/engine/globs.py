"""Expanding a step's input globs into the files they name, fast and deterministically.

Patterns are workspace-relative: ``*`` and ``?`` match within one path segment, ``**``
matches any number of folders, a pattern naming a folder means every file below it, and
``!pattern`` removes matches. Caches and tool droppings (``.git``, ``__pycache__``, ``*.pyc``
…) are never inputs. A ``Scanner`` remembers directory listings for one run, so steps that
share input trees list them once; the runner forgets the listings whenever a step writes.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

ALWAYS_EXCLUDED_DIRS = frozenset(
    {".git", ".connkit", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".nox"}
)
ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def _has_magic(text: str) -> bool:
    return any(ch in text for ch in "*?[")


@lru_cache(maxsize=512)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = pattern.split("/")
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        segment = _segment(part)
        out.append(segment if last else segment + "/")
    return re.compile("".join(out) + r"\Z")


def _segment(part: str) -> str:
    """One path segment of a glob as a regex that never crosses '/'."""
    out, i = [], 0
    while i < len(part):
        ch = part[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = part.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = part[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


class Scanner:
    """Directory listings cached for the life of one run (until ``invalidate``)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self._listings: dict[str, tuple[list[str], list[str]]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def invalidate(self, roots: Iterable[str] | None = None) -> None:
        """Forget listings: all of them, or those a write under ``roots`` may have changed
        (the roots, everything below them, and their ancestors)."""
        with self._lock:
            self.generation += 1
            if roots is None:
                self._listings.clear()
                return
            for rel in list(self._listings):
                if any(overlaps(rel, root) for root in roots):
                    del self._listings[rel]

    def listing(self, rel: str) -> tuple[list[str], list[str]]:
        """(sub-folders, files) of a workspace-relative folder; empty if it is not one."""
        cached = self._listings.get(rel)
        if cached is not None:
            return cached
        generation = self.generation
        dirs: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(os.path.join(self.root, rel) if rel else self.root) as it:
                for entry in it:
                    name = entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if name not in ALWAYS_EXCLUDED_DIRS:
                            dirs.append(name)
                    elif entry.is_file() and not name.endswith(ALWAYS_EXCLUDED_SUFFIXES):
                        files.append(name)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            pass
        result = (dirs, files)
        with self._lock:
            if generation == self.generation:  # not stale: nothing wrote since we looked
                self._listings[rel] = result
        return result

    def walk(self, rel: str, out: set[str]) -> None:
        dirs, files = self.listing(rel)
        prefix = f"{rel}/" if rel else ""
        out.update(prefix + f for f in files)
        for d in dirs:
            self.walk(prefix + d, out)

    def expand(self, patterns: Iterable[str]) -> list[str]:
        include: set[str] = set()
        excludes: list[re.Pattern[str]] = []
        for pattern in patterns:
            if pattern.startswith("!"):
                excludes.append(_pattern_regex(pattern[1:].strip("/")))
                continue
            pattern = pattern.strip("/")
            if not _has_magic(pattern):
                full = os.path.join(self.root, pattern)
                if os.path.isdir(full):
                    self.walk(pattern, include)
                elif os.path.isfile(full):
                    include.add(pattern)
                continue
            parts = pattern.split("/")
            base_parts: list[str] = []
            for part in parts:
                if _has_magic(part):
                    break
                base_parts.append(part)
            base = "/".join(base_parts)
            regex = _pattern_regex(pattern)
            depth = None if "**" in parts else len(parts) - len(base_parts)
            matched: set[str] = set()
            self._collect(base, depth, matched)
            include.update(p for p in matched if regex.match(p))
        if excludes:
            include = {p for p in include if not any(rx.match(p) for rx in excludes)}
        return sorted(include)

    def _collect(self, rel: str, depth: int | None, out: set[str]) -> None:
        """Files below ``rel`` up to ``depth`` levels deep (None: all)."""
        if depth is not None and depth <= 0:
            return
        dirs, files = self.listing(rel)
        prefix = f"{rel}/" if rel else ""
        out.update(prefix + f for f in files)
        for d in dirs:
            self._collect(prefix + d, None if depth is None else depth - 1, out)


def base_of(pattern: str) -> str:
    """The literal folder a pattern starts from: ``src`` for ``src/**/*.py``."""
    parts = []
    for part in pattern.lstrip("!").strip("/").split("/"):
        if _has_magic(part):
            break
        parts.append(part)
    return "/".join(parts)


def overlaps(a: str, b: str) -> bool:
    """True when one workspace-relative path is the other or lies below it."""
    return not a or not b or a == b or a.startswith(b + "/") or b.startswith(a + "/")


def expand(root: Path, patterns: Iterable[str]) -> list[str]:
    """Workspace-relative POSIX paths of the files the patterns match, sorted."""
    return Scanner(root).expand(patterns)
