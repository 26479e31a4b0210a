"""In-source suppressions: ``# connkit: ignore[rule-id] reason`` on the finding's line.

A suppression silences the findings of the rules it names on its own line, and only those.
The reason is required, so the next reader knows why the rule does not apply there: without
one the suppression silences nothing and is reported. So is a suppression that silences
nothing (the code changed, or the rule id is misspelt), as ruff's RUF100 reports an unused
``# noqa``. Several rules go comma-separated: ``# connkit: ignore[memory/fetchall,
source/n-plus-one] the API returns at most 50``. Comments are read with ``tokenize``, so the
text inside a string is never a suppression. Findings in JSON files cannot be suppressed
(JSON has no comments): record them in a baseline instead.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

from connkit.openmetadata.review.context import PyFile
from connkit.openmetadata.review.model import Finding, Severity, rule

RULE_ID = "quality/suppression"
PATTERN = re.compile(r"#\s*connkit:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>[^#]*)")


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    column: int  # 1-based, where the comment starts
    rule_ids: tuple[str, ...]
    reason: str


def suppressions(f: PyFile) -> list[Suppression]:
    """Every ``connkit: ignore[...]`` comment of a file (up to a tokenizing error, if any)."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(f.text).readline):
            if tok.type != tokenize.COMMENT:
                continue
            for m in PATTERN.finditer(tok.string):
                ids = tuple(dict.fromkeys(i.strip() for i in m.group("ids").split(",") if i.strip()))
                reason = m.group("reason").strip().lstrip(":-—–").strip()
                found.append(Suppression(f.rel, tok.start[0], tok.start[1] + 1 + m.start(), ids, reason))
    except (tokenize.TokenError, SyntaxError):
        pass  # an unterminated string or bad indent: quality/syntax reports the file
    return found


@rule(
    RULE_ID,
    "quality",
    Severity.WARNING,
    "Suppressions give a reason and silence a finding",
    "Write `# connkit: ignore[rule-id] why the rule does not apply here` on the finding's line, "
    "or remove the comment",
)
def _reported_by_apply(ctx) -> Iterable:
    """Found by ``apply`` after every other rule has run (it needs their findings)."""
    return ()


@dataclass
class Applied:
    kept: list[Finding]
    suppressed: list[tuple[Finding, Suppression]]
    problems: list[Finding]  # quality/suppression findings


def _problem(s: Suppression, message: str) -> Finding:
    from connkit.openmetadata.review.model import RULES

    r = RULES[RULE_ID]
    return Finding(RULE_ID, r.category, r.severity, s.path, s.line, message, r.fix, column=s.column)


def apply(files: Iterable[PyFile], findings: list[Finding], ran: set[str], check: bool) -> Applied:
    """Silence the findings their line's suppressions name.

    ``ran``: the rules that ran (a suppression of a rule that did not run is not unused);
    ``check``: report bad suppressions (quality/suppression is among the chosen rules).
    """
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    every = [s for f in files for s in suppressions(f)]
    for s in every:
        by_line.setdefault((s.path, s.line), []).append(s)
    used: set[tuple[Suppression, str]] = set()
    kept, silenced = [], []
    for finding in findings:
        match = next(
            (
                s
                for s in by_line.get((finding.path, finding.line), [])
                if finding.rule_id in s.rule_ids and s.reason
            ),
            None,
        )
        if match is None or finding.rule_id == RULE_ID:
            kept.append(finding)
            continue
        used.add((match, finding.rule_id))
        silenced.append((finding, match))
    problems = []
    if check:
        from connkit.openmetadata.review.model import RULES

        for s in every:
            if not s.rule_ids:
                problems.append(_problem(s, "suppression names no rule: write ignore[rule-id]"))
                continue
            if not s.reason:
                problems.append(
                    _problem(
                        s, f"suppression of {', '.join(s.rule_ids)} gives no reason, so it silences nothing"
                    )
                )
                continue
            for rid in s.rule_ids:
                if rid not in RULES:
                    problems.append(
                        _problem(s, f"suppression names {rid!r}, which is no rule (`connkit review --list`)")
                    )
                elif rid in ran and (s, rid) not in used:
                    problems.append(_problem(s, f"unused suppression: no {rid} finding on this line"))
    return Applied(kept, silenced, problems)
