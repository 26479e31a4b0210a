"""What the engine needs to know of the tree it builds: where it is and where its state goes.

The engine is generic; a domain (an OpenMetadata workspace) satisfies ``Project`` with its own
type. ``Folder`` is the plain implementation for any directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

#: Moves the engine's state (cache, records, logs) out of the tree, e.g. onto a shared disk.
STATE_DIR_ENV = "CONNKIT_CACHE_DIR"
#: The engine's folder inside the tree: its state by default, and where steps keep private outputs.
TREE_DIR = ".connkit"


class Project(Protocol):
    @property
    def root(self) -> Path: ...

    @property
    def state_dir(self) -> Path: ...


def default_state_dir(root: Path) -> Path:
    """``$CONNKIT_CACHE_DIR`` when set, else ``ROOT/.connkit``."""
    override = os.environ.get(STATE_DIR_ENV)
    return Path(override).resolve() if override else root / TREE_DIR


def keep_out_of_git(root: Path) -> None:
    """Give ``ROOT/.connkit`` a ``.gitignore`` of ``*`` (as pytest's and ruff's caches do), so
    the folder never shows in ``git status`` of a person's clone, whatever wrote into it."""
    folder = root / TREE_DIR
    marker = folder / ".gitignore"
    if folder.is_dir() and not marker.exists():
        try:
            marker.write_text("# connkit's own files: never commit them\n*\n")
        except OSError:  # a read-only tree: git status shows the folder, nothing worse
            pass


@dataclass(frozen=True)
class Folder:
    """Any directory as a project."""

    root: Path

    @property
    def state_dir(self) -> Path:
        return default_state_dir(self.root)
