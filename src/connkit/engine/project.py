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


class Project(Protocol):
    @property
    def root(self) -> Path: ...

    @property
    def state_dir(self) -> Path: ...


def default_state_dir(root: Path) -> Path:
    """``$CONNKIT_CACHE_DIR`` when set, else ``ROOT/.connkit``."""
    override = os.environ.get(STATE_DIR_ENV)
    return Path(override).resolve() if override else root / ".connkit"


@dataclass(frozen=True)
class Folder:
    """Any directory as a project."""

    root: Path

    @property
    def state_dir(self) -> Path:
        return default_state_dir(self.root)
