"""Findings, rules and the registry every rule module adds itself to."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connkit.openmetadata.review.context import ReviewContext
    from connkit.openmetadata.review.ruffrules import RuffSpec


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
    # Columns are 1-based characters; give them, or the ``ast`` node they come from.
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    node: ast.AST | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: str
    severity: Severity
    path: str
    line: int
    message: str
    fix: str
    column: int | None = None  # 1-based, in characters; None where the rule knows only the line
    end_line: int | None = None
    end_column: int | None = None  # exclusive, as SARIF counts
    # rule id + path + the finding's source line (whitespace-normalised), not line number or
    # message: it survives a reworded message and code moving down (see review/baseline.py)
    fingerprint: str = ""
    baselined: bool = False  # in the baseline given to review: shown, does not fail

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
    # The ruff codes that implement this rule where the workspace lints with ruff.
    ruff: RuffSpec | None = None

    def hits(self, ctx: ReviewContext) -> Iterable[Hit]:
        """ruff's results where the workspace lints with ruff, else connkit's own check."""
        run = ctx.ruff if self.ruff is not None else None
        if run is None:
            return self.check(ctx)
        if run.error:
            return [*self.check(ctx), _ruff_failed(ctx, run)]
        return self.ruff.hits(ctx, run)

    def run(self, ctx: ReviewContext) -> list[Finding]:
        """The rule's findings, each reported once (nested loops may meet a node twice)."""
        found = []
        for hit in self.hits(ctx):
            column, end_line, end_column = hit.column, hit.end_line, hit.end_column
            if hit.node is not None and column is None:
                column, end_line, end_column = ctx.columns(hit.path, hit.node)
            found.append(
                Finding(
                    rule_id=self.id,
                    category=self.category,
                    severity=hit.severity or self.severity,
                    path=hit.path,
                    line=max(1, hit.line),
                    message=hit.message,
                    fix=hit.fix or self.fix,
                    column=column,
                    end_line=end_line,
                    end_column=end_column,
                )
            )
        return list(dict.fromkeys(found))


def _ruff_failed(ctx: ReviewContext, run) -> Hit:
    return Hit(
        run.config,
        1,
        f"ruff could not run on this workspace ({run.error}); connkit's own check ran instead",
        severity=Severity.WARNING,
        fix="Fix the ruff configuration (or the workspace's ruff) so `ruff check` runs here",
    )


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    category: str,
    severity: Severity,
    title: str,
    fix: str,
    noise: str = "",
    ruff: RuffSpec | None = None,
):
    """Register a check function as a rule; ids are stable and appear in every output.

    ``noise`` says where a right rule also fires on sound code (it cannot see what it would
    need to tell them apart); every report carries it beside the rule's findings. ``ruff``
    maps a generic rule onto ruff's codes: where the workspace lints with ruff, ruff's results
    under its configuration replace the check function's (review/ruffrules.py).
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category}")

    def deco(fn: Callable[[ReviewContext], Iterable[Hit]]):
        if id in RULES:
            raise ValueError(f"duplicate rule id {id}")
        RULES[id] = Rule(id, category, severity, title, fix, fn, noise, ruff)
        return fn

    return deco
