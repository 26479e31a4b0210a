"""What ``connkit doctor`` reports: one check per tool, service or resource, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from connkit.engine.process import InstallHint, for_user


class State(str, Enum):
    OK = "ok"
    MISSING = "missing"
    WRONG_VERSION = "wrong version"
    NOT_ANSWERING = "not answering"
    LOW = "low"
    NEEDS_WORKSPACE = "needs a workspace"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was looked for, what was found, and how to fix it."""

    name: str
    state: State
    detail: str = ""
    #: What uses it: step ids, or a capability (``stack.up``, ``graph --output x.svg``).
    needed_for: str = ""
    #: False for what only some commands use (Graphviz): missing it warns, never fails.
    required: bool = True
    fix: InstallHint | None = None

    @property
    def failed(self) -> bool:
        return self.required and self.state not in (State.OK, State.NEEDS_WORKSPACE)

    @property
    def warned(self) -> bool:
        return not self.required and self.state not in (State.OK, State.NEEDS_WORKSPACE)

    def as_dict(self) -> dict:
        data: dict = {
            "name": self.name,
            "state": self.state.value,
            "required": self.required,
            "detail": self.detail,
            "needed_for": self.needed_for,
            "fix": None,
        }
        if self.fix is not None and self.state is not State.OK:
            data["fix"] = {
                "debian": for_user(self.fix.debian),
                "macos": self.fix.macos,
                "note": for_user(self.fix.note),
            }
        return data


@dataclass
class Report:
    workspace: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    @property
    def needs_workspace(self) -> list[str]:
        return [c.name for c in self.checks if c.state is State.NEEDS_WORKSPACE]

    def as_dict(self) -> dict:
        return {
            "workspace": self.workspace,
            "ok": self.ok,
            "failed": [c.name for c in self.checks if c.failed],
            "warnings": [c.name for c in self.checks if c.warned],
            "needs_workspace": self.needs_workspace,
            "checks": [c.as_dict() for c in self.checks],
        }
