"""Expanding a step's input globs into the files they name, fast and deterministically."""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable
from pathlib import Path

#: Never inputs: caches and tool droppings that change without the sources changing.
ALWAYS_EXCLUDED_DIRS = frozenset(
    {".git", ".connkit", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".nox"}
)
ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def _has_magic(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _walk(root: Path, rel: str, out: set[str]) -> None:
    base = root / rel
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in ALWAYS_EXCLUDED_DIRS)
        reldir = os.path.relpath(dirpath, root)
        for name in filenames:
            if name.endswith(ALWAYS_EXCLUDED_SUFFIXES):
                continue
            out.add(name if reldir == "." else f"{reldir}/{name}".replace(os.sep, "/"))


def _excluded(path: str) -> bool:
    parts = path.split("/")
    return any(p in ALWAYS_EXCLUDED_DIRS for p in parts[:-1]) or path.endswith(ALWAYS_EXCLUDED_SUFFIXES)


def expand(root: Path, patterns: Iterable[str]) -> list[str]:
    """Workspace-relative POSIX paths of the files the patterns match, sorted.

    A pattern naming a directory means every file below it; ``!pattern`` removes matches.
    Symbolic links to files are followed as their content; links to directories are not walked.
    """
    include: set[str] = set()
    excludes: list[str] = []
    for pattern in patterns:
        if pattern.startswith("!"):
            excludes.append(pattern[1:])
            continue
        if not _has_magic(pattern):
            target = root / pattern
            if target.is_dir():
                _walk(root, pattern, include)
            elif target.is_file():
                include.add(Path(pattern).as_posix())
            continue
        for match in glob.iglob(pattern, root_dir=root, recursive=True):
            match = match.replace(os.sep, "/")
            full = root / match
            if full.is_dir():
                if not pattern.endswith("**"):
                    _walk(root, match, include)
            elif not _excluded(match):
                include.add(match)
    if excludes:
        include = {p for p in include if not any(fnmatch.fnmatchcase(p, ex) for ex in excludes)}
    return sorted(include)
