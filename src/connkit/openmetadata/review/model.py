"""Findings, rules and the registry every rule module adds itself to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connkit.openmetadata.review.context import ReviewContext


class Severity(str, Enum):
    BLOCKER = "BLOCKER"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        return {"BLOCKER": 0, "WARNING": 1, "SUGGESTION": 2}[self.value]


# The five golden-standard categories plus the memory rules, one module each.
CATEGORIES = {
    "schema": "Schema & registration",
    "connection": "Connection & errors",
    "source": "Source, topology, performance",
    "memory": "Memory",
    "tests": "Tests",
    "quality": "Code quality",
}


@dataclass(frozen=True)
class Hit:
    """What a rule check reports; the registry turns it into a Finding."""

    path: str  # workspace-relative
    line: int
    message: str
    severity: Severity | None = None  # overrides the rule's default
    fix: str | None = None  # overrides the rule's default


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: str
    severity: Severity
    path: str
    line: int
    message: str
    fix: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: Severity
    title: str
    fix: str
    check: Callable[[ReviewContext], Iterable[Hit]]
    # Where the rule fires on sound code and why it stays anyway (shown with its findings).
    noise: str = ""

    def run(self, ctx: ReviewContext) -> list[Finding]:
        """The rule's findings, each reported once (nested loops may meet a node twice)."""
        found = [
            Finding(
                rule_id=self.id,
                category=self.category,
                severity=hit.severity or self.severity,
                path=hit.path,
                line=max(1, hit.line),
                message=hit.message,
                fix=hit.fix or self.fix,
            )
            for hit in self.check(ctx)
        ]
        return list(dict.fromkeys(found))


RULES: dict[str, Rule] = {}


def rule(id: str, category: str, severity: Severity, title: str, fix: str, noise: str = ""):
    """Register a check function as a rule; ids are stable and appear in every output.

    ``noise`` says where a right rule also fires on sound code (it cannot see what it would
    need to tell them apart); every report carries it beside the rule's findings.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category}")

    def deco(fn: Callable[[ReviewContext], Iterable[Hit]]):
        if id in RULES:
            raise ValueError(f"duplicate rule id {id}")
        RULES[id] = Rule(id, category, severity, title, fix, fn, noise)
        return fn

    return deco
