"""``connkit review``: deterministic checks of a connector against the golden standards.

Rules live one module per category (schema, connection, source, memory, testing, quality) and
register themselves in ``model.RULES``; ``review`` runs them all over one connector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.connectors import find_connector
from connkit.openmetadata.review import connection, memory, quality, schema, source, testing  # noqa: F401
from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import CATEGORIES, RULES, Finding, Rule, Severity
from connkit.openmetadata.workspace import Workspace

__all__ = [
    "CATEGORIES",
    "RULES",
    "Finding",
    "ReviewResult",
    "Rule",
    "Severity",
    "review",
    "select_rules",
]


@dataclass
class ReviewResult:
    connector: str
    service_type: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKER]

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for f in self.findings if f.severity is s) for s in Severity}


def run_rules(ctx: ReviewContext, rules: list[Rule] | None = None) -> list[Finding]:
    findings = [f for r in (rules or list(RULES.values())) for f in r.run(ctx)]
    return sorted(findings, key=lambda f: (f.severity.rank, f.path, f.line, f.rule_id))


def select_rules(patterns: Iterable[str]) -> list[Rule]:
    """Rules whose id equals a pattern or starts with it (``memory/``, ``source/pagination``)."""
    patterns = list(patterns)
    chosen = [r for rid, r in sorted(RULES.items()) if any(rid.startswith(p) for p in patterns)]
    if not chosen:
        raise UsageError(f"no review rule matches {', '.join(patterns)}; see `connkit review --list`")
    return chosen


def review(
    ws: Workspace, name: str, service_type: str | None = None, rules: Iterable[str] | None = None
) -> ReviewResult:
    """Run every rule (or those ``rules`` selects, for validate's checklist) over one connector.

    A package with no connection schema (1.1's ``database/dbt``, ``database/query``: helpers
    and workflows that live beside the connectors) is refused: there is nothing to review it as.
    """
    conn = find_connector(ws, name, service_type)
    if not (ws.root / conn.schema).is_file():
        raise UsageError(
            f"{conn.package}/ is not a connector with a connection schema: no "
            f"{Path(conn.schema).parent.as_posix()}/*Connection.json is named like {name!r}"
        )
    ctx = ReviewContext.build(ws, conn)
    chosen = select_rules(rules) if rules is not None else None
    return ReviewResult(name, conn.service_type, run_rules(ctx, chosen))
