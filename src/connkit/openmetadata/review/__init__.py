"""``connkit review``: deterministic checks of a connector against the golden standards.

Rules live one module per category (schema, connection, source, memory, testing, quality) and
register themselves in ``model.RULES``; ``review`` runs them all over one connector, drops
what in-source suppressions silence (suppress.py) and fingerprints the rest (baseline.py).
The generic rules run through ruff where the workspace lints with ruff (ruffrules.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.connectors import find_connector
from connkit.openmetadata.review import connection, memory, quality, schema, source, suppress, testing  # noqa: F401
from connkit.openmetadata.review.baseline import Baseline, mark, with_fingerprints
from connkit.openmetadata.review.context import PyFile, ReviewContext
from connkit.openmetadata.review.model import CATEGORIES, RULES, Finding, Rule, Severity
from connkit.openmetadata.workspace import Workspace

__all__ = [
    "Baseline",
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
    findings: list[Finding] = field(default_factory=list)  # baselined ones included, marked
    # what in-source suppressions silenced (not reported), with the suppression that did
    suppressed: list[tuple[Finding, suppress.Suppression]] = field(default_factory=list)
    baseline: str | None = None  # the baseline file the findings were compared with

    @property
    def new(self) -> list[Finding]:
        """The findings that count: those no baseline holds."""
        return [f for f in self.findings if not f.baselined]

    @property
    def baselined(self) -> list[Finding]:
        return [f for f in self.findings if f.baselined]

    @property
    def blockers(self) -> list[Finding]:
        """BLOCKERs that fail the review (a baselined one does not)."""
        return [f for f in self.new if f.severity is Severity.BLOCKER]

    def counts(self) -> dict[str, int]:
        """Findings that count, by severity (baselined ones apart: ``len(result.baselined)``)."""
        return {s.value: sum(1 for f in self.new if f.severity is s) for s in Severity}

    def with_baseline(self, baseline: Baseline) -> ReviewResult:
        return ReviewResult(
            self.connector,
            self.service_type,
            mark(self.findings, baseline),
            self.suppressed,
            str(baseline.path),
        )


def run_rules(ctx: ReviewContext, rules: list[Rule] | None = None) -> list[Finding]:
    return run_order([f for r in (rules or list(RULES.values())) for f in r.run(ctx)])


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
    chosen = select_rules(rules) if rules is not None else list(RULES.values())
    findings = run_rules(ctx, chosen)
    ran = {r.id for r in chosen}
    applied = suppress.apply(_commented_files(ctx, findings), findings, ran, suppress.RULE_ID in ran)
    kept = run_order(applied.kept + applied.problems)
    return ReviewResult(
        name, conn.service_type, with_fingerprints(kept, lambda p: _text(ctx, p)), applied.suppressed
    )


def run_order(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity.rank, f.path, f.line, f.rule_id))


def _text(ctx: ReviewContext, rel: str) -> str | None:
    known = ctx.text(rel)
    if known is not None:
        return known
    try:
        return (ctx.ws.root / rel).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _commented_files(ctx: ReviewContext, findings: list[Finding]) -> list[PyFile]:
    """The files whose suppressions count: the reviewed Python files, and any other Python
    file a finding points into (``ingestion/setup.py`` for a missing extra)."""
    files = list(ctx.python)
    known = {f.rel for f in files}
    for rel in sorted({f.path for f in findings if f.path.endswith(".py")} - known):
        text = _text(ctx, rel)
        if text is not None:
            files.append(PyFile(ctx.ws.root / rel, rel, text, False))
    return files
