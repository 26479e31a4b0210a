"""What the cache stores per key: the action record and its output entries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import NamedTuple


class OutputEntry(NamedTuple):
    """One file, symbolic link or directory a step produced, relative to the workspace.

    A tuple, because a no-op run builds and compares thousands of them.
    """

    path: str
    kind: str  # "file" | "link" | "dir"
    digest: str | None = None
    mode: int = 0o644
    size: int = 0
    target: str | None = None


@dataclass
class ActionRecord:
    """Written only after a step succeeded and every output blob is stored."""

    key: str
    step: str
    roots: list[str]
    outputs: list[OutputEntry]
    exit_code: int
    log: str | None
    seconds: float
    created: float
    ingredients: dict = field(default_factory=dict)

    def blobs(self) -> set[str]:
        found = {o.digest for o in self.outputs if o.kind == "file" and o.digest}
        if self.log:
            found.add(self.log)
        return found

    def to_json(self) -> bytes:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["outputs"] = [list(o) for o in self.outputs]  # rows, not objects: fast to load
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ActionRecord:
        raw = json.loads(data)
        raw["outputs"] = [OutputEntry(*row) for row in raw["outputs"]]
        return cls(**raw)
