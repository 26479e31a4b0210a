"""Expanding a step's input globs into the files they name, fast and deterministically.

One matcher decides what a pattern names, built on wcmatch: the walker below lists only what it
accepts, and ``ci.matrix`` asks it about paths that may no longer exist (``matches``), so the
two cannot disagree. Patterns are workspace-relative POSIX paths (a leading ``./`` or ``/`` and
a trailing ``/`` are ignored; ``.`` or an empty pattern is the whole workspace):

- ``*`` and ``?`` match within one path segment, ``[abc]``/``[!abc]`` one character of a set;
- ``**`` as a whole segment matches any number of folders, none included;
- ``{a,b}`` is the list of patterns it expands to (bash's rules, nesting and ``{1..3}``
  ranges included; ``\\{`` is a literal brace): ``src/{a,b}/*.py`` is ``src/a/*.py`` plus
  ``src/b/*.py``;
- dotfiles are not special: ``*`` matches ``.env`` and ``**`` goes into ``.github/``, as it
  did before this module used wcmatch;
- a pattern without wildcards names that file, or, naming a folder, every file below it;
  a pattern with wildcards names the files it matches (``src/*`` is the files directly in
  ``src/``; ``src/**`` everything below it);
- ``!pattern`` removes what the pattern names, whatever the order: ``!src/gen`` removes
  everything below ``src/gen``; to remove every folder called ``tests`` write ``!**/tests/**``;
- caches and tool droppings are never inputs: files below a folder named in
  ``ALWAYS_EXCLUDED_DIRS`` (``.git``, ``__pycache__`` …) and files ending in
  ``ALWAYS_EXCLUDED_SUFFIXES`` (``.pyc``, ``.pyo``), even when a pattern names them.

Patterns are compiled once per process (``compile_patterns`` is cached). A ``Scanner``
remembers directory listings for one run, so steps that share input trees list them once; the
runner forgets the listings whenever a step writes.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import bracex
from wcmatch import glob as wcglob

ALWAYS_EXCLUDED_DIRS = frozenset(
    {".git", ".connkit", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".nox"}
)
ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")

#: How wcmatch reads a pattern once its braces are expanded (``bracex``, which is what
#: wcmatch's own BRACE flag calls): ``**`` spans folders, dotfiles match, case counts, ``/``
#: is the only separator on every platform.
WCMATCH_FLAGS = wcglob.GLOBSTAR | wcglob.DOTGLOB | wcglob.CASE | wcglob.FORCEUNIX
BRACE_LIMIT = 1000


def always_excluded(rel: str) -> bool:
    """True for a path below a cache folder or with a bytecode suffix: never an input."""
    if rel.endswith(ALWAYS_EXCLUDED_SUFFIXES):
        return True
    folder = rel.rpartition("/")[0]
    return bool(folder) and not ALWAYS_EXCLUDED_DIRS.isdisjoint(folder.split("/"))


def _normalize(text: str) -> str:
    return "/".join(part for part in text.split("/") if part not in ("", "."))


def _is_magic(text: str) -> bool:
    return wcglob.is_magic(text, flags=WCMATCH_FLAGS)


def _translate(text: str) -> re.Pattern[str]:
    return re.compile("|".join(wcglob.translate(text, flags=WCMATCH_FLAGS)[0]))


class Rule:
    """One brace-free pattern: the paths it names, and where the walker finds them."""

    __slots__ = ("text", "literal", "base", "depth", "excluded_base", "match", "folder_ok", "name_ok")

    def __init__(self, text: str) -> None:
        self.text = text
        self.literal = not _is_magic(text)
        parts = text.split("/") if text else []
        #: When set, ``match(rel)`` is ``folder_ok(folder) and name_ok(name)`` for
        #: ``rel == folder/name``, and the walker asks each folder and each name once.
        self.folder_ok: Callable[[str], bool] | None = None
        self.name_ok: Callable[[str], bool] | None = None
        if self.literal:
            self.base, self.depth = text, None
            self.match = _literal_matcher(text)
        else:
            n = next(i for i, part in enumerate(parts) if _is_magic(part))
            self.base = "/".join(parts[:n])
            tail = parts[n:]
            # Files up to this many folders below the base can match (None: any depth).
            self.depth = None if any("**" in part for part in tail) else len(tail)
            halves = _split_matchers(text)
            if halves is None:
                self.match = _whole_path_matcher(text, self.base, tail)
            else:
                self.folder_ok, self.name_ok = halves
                self.match = _joined(*halves)
        #: The base lies inside a cache folder: nothing below it is an input.
        self.excluded_base = not ALWAYS_EXCLUDED_DIRS.isdisjoint(self.base.split("/"))

    def __repr__(self) -> str:
        return f"Rule({self.text!r})"


def _literal_matcher(text: str) -> Callable[[str], bool]:
    if not text:
        return lambda rel: True
    prefix = text + "/"
    return lambda rel: rel == text or rel.startswith(prefix)


def _memo(match: Callable[[str], bool]) -> Callable[[str], bool]:
    """Names and folders repeat across a tree (``__init__.py``, ``src/pkg``): answer each once."""
    return lru_cache(maxsize=4096)(match)


def _whole_matcher(text: str) -> Callable[[str], bool]:
    """A brace-free pattern against a whole path: wcmatch's regex, or equality when literal."""
    if not _is_magic(text):
        return text.__eq__
    regex = _translate(text).match
    return lambda rel: regex(rel) is not None


def _split_matchers(text: str) -> tuple[Callable[[str], bool], Callable[[str], bool]] | None:
    """wcmatch's answer for a pattern, asked in two halves: whether a path's folder matches
    the pattern up to its last ``/``, and whether its name matches the last segment. Each
    half is memoized: a tree has far fewer folders and distinct names than files, and
    wcmatch's regex for a whole path with ``**`` in it is several times slower than these.
    None where the halves would not be exact (a ``**`` in the last segment, or ``**/**``);
    ``test_globs`` holds the answers equal to the whole-path regex."""
    head, _, last = text.rpartition("/")
    if "**" in last or head.endswith("**/**"):
        return None
    name_ok = _memo(_whole_matcher(last))
    folder_ok = _whole_matcher(head)
    if head == "**" or head.endswith("/**"):  # a/**/x also matches a/x: ** spans no folder
        zero = _whole_matcher(head[:-3].rstrip("/"))
        return _memo(lambda folder, deep=folder_ok: zero(folder) or deep(folder)), name_ok
    return _memo(folder_ok), name_ok


def _joined(folder_ok: Callable[[str], bool], name_ok: Callable[[str], bool]) -> Callable[[str], bool]:
    def match(rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        return name_ok(name) and folder_ok(folder)

    return match


def _whole_path_matcher(text: str, base: str, tail: list[str]) -> Callable[[str], bool]:
    if tail == ["**"]:  # src/**: everything below a literal folder
        prefix = base + "/" if base else ""
        return lambda rel: len(rel) > len(prefix) and rel.startswith(prefix)
    whole = _translate(text).match
    return lambda rel: whole(rel) is not None


@lru_cache(maxsize=2048)
def _rule(text: str) -> Rule:
    return Rule(text)


def _alternatives(pattern: str) -> list[str]:
    """The brace-free patterns a pattern stands for, normalized, in order, without repeats."""
    body = _normalize(pattern)
    if not body or "{" not in body:
        return [body]
    try:
        expanded = bracex.expand(body, keep_escapes=True, limit=BRACE_LIMIT)
    except bracex.ExpansionLimitException:
        raise ValueError(f"input pattern {pattern!r} expands to more than {BRACE_LIMIT} patterns") from None
    out: list[str] = []
    for alt in expanded:
        alt = _normalize(alt)
        if alt and alt not in out:  # an empty alternative names nothing, not the workspace
            out.append(alt)
    return out


class Patterns:
    """A step's input patterns, compiled: which workspace-relative paths they name."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        include: list[Rule] = []
        exclude: list[Rule] = []
        for pattern in patterns:
            negate = pattern.startswith("!")
            rules = exclude if negate else include
            for alt in _alternatives(pattern[1:] if negate else pattern):
                rule = _rule(alt)
                if rule not in rules:
                    rules.append(rule)
        self.patterns = patterns
        self.include = tuple(include)
        self.exclude = tuple(exclude)

    def excluded(self, rel: str) -> bool:
        """A ``!pattern`` names ``rel``."""
        return any(rule.match(rel) for rule in self.exclude)

    def match(self, rel: str) -> bool:
        """The patterns name ``rel``, decided from the path alone (it need not exist)."""
        if always_excluded(rel) or self.excluded(rel):
            return False
        return any(rule.match(rel) for rule in self.include)

    __call__ = match


@lru_cache(maxsize=512)
def compile_patterns(patterns: tuple[str, ...]) -> Patterns:
    return Patterns(patterns)


def matches(patterns: Iterable[str], rel: str) -> bool:
    """Whether input ``patterns`` name the workspace-relative path ``rel``; the walker lists
    exactly the existing files for which this is true."""
    return compile_patterns(tuple(patterns)).match(rel)


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
        """The existing files the patterns name (``matches``), sorted; each pattern lists only
        the folders it can reach, through the listing cache."""
        spec = compile_patterns(tuple(patterns))
        found: set[str] = set()
        for rule in spec.include:
            if rule.literal:
                full = os.path.join(self.root, rule.text) if rule.text else self.root
                if os.path.isdir(full):
                    if not rule.excluded_base:
                        self.walk(rule.text, found)
                elif os.path.isfile(full) and not always_excluded(rule.text):
                    found.add(rule.text)
                continue
            if rule.excluded_base:
                continue
            if rule.folder_ok is not None and rule.name_ok is not None:
                self._collect_matching(rule.base, rule.depth, rule.folder_ok, rule.name_ok, found)
                continue
            candidates: set[str] = set()
            self._collect(rule.base, rule.depth, candidates)
            match = rule.match
            found.update(p for p in candidates if match(p))
        if spec.exclude:
            excluded = spec.excluded
            found = {p for p in found if not excluded(p)}
        return sorted(found)

    def _collect_matching(
        self,
        rel: str,
        depth: int | None,
        folder_ok: Callable[[str], bool],
        name_ok: Callable[[str], bool],
        out: set[str],
    ) -> None:
        """``_collect`` keeping only ``rel/name`` where ``folder_ok(rel) and name_ok(name)``:
        the same answer as the rule's ``match`` on each file, asked once per folder."""
        if depth is not None and depth <= 0:
            return
        dirs, files = self.listing(rel)
        prefix = f"{rel}/" if rel else ""
        if folder_ok(rel):
            out.update(prefix + f for f in files if name_ok(f))
        for d in dirs:
            self._collect_matching(prefix + d, None if depth is None else depth - 1, folder_ok, name_ok, out)

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
    """The literal folder a pattern starts from: ``src`` for ``src/**/*.py`` and for
    ``src/{a,b}/*.py`` (a write below it may change what the pattern names)."""
    parts = []
    for part in _normalize(pattern.removeprefix("!")).split("/"):
        if wcglob.is_magic(part, flags=WCMATCH_FLAGS | wcglob.BRACE):
            break
        parts.append(part)
    return "/".join(parts)


def overlaps(a: str, b: str) -> bool:
    """True when one workspace-relative path is the other or lies below it."""
    return not a or not b or a == b or a.startswith(b + "/") or b.startswith(a + "/")


def expand(root: Path, patterns: Iterable[str]) -> list[str]:
    """Workspace-relative POSIX paths of the files the patterns match, sorted."""
    return Scanner(root).expand(patterns)
