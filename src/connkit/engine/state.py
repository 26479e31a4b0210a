"""Where one project's engine state lives: the store, the lock, the memos, logs and runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CacheLayout:
    """Where one workspace's engine state lives."""

    root: Path

    @property
    def store(self) -> Path:
        return self.root / "cache"

    @property
    def lock(self) -> Path:
        return self.root / "lock"

    @property
    def memo(self) -> Path:
        return self.root / "statmemo.bin"

    @property
    def tools(self) -> Path:
        return self.root / "tools.json"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def last_ingredients(self, step_id: str) -> Path:
        return self.root / "index" / f"{step_id}.json"
