"""Review reports as text, JSON, SARIF 2.1.0 for GitHub code scanning, or GitHub Actions
annotations (workflow commands) for the run's log and the pull request's diff."""

from __future__ import annotations

import json

from connkit import __version__
from connkit.openmetadata.review import CATEGORIES, RULES, Finding, ReviewResult, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "note"}
FORMATS = ("text", "json", "sarif", "github")
GITHUB_LEVEL = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "notice"}
# rule id + path + normalised source line (review/baseline.py); v1 hashed the message
FINGERPRINT_KEY = "connkitFinding/v2"


def render(result: ReviewResult, fmt: str) -> str:
    if fmt == "text":
        return to_text(result)
    if fmt == "json":
        return json.dumps(to_json(result), indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(to_sarif(result), indent=2) + "\n"
    if fmt == "github":
        return to_github(result)
    raise ValueError(fmt)


def to_text(result: ReviewResult) -> str:
    lines = [
        f"{f.path}:{f.line}: {f.severity.value}{' (baselined)' if f.baselined else ''} "
        f"[{f.rule_id}] {f.message}\n    fix: {f.fix}"
        for f in result.findings
    ]
    lines += [f"note [{rid}]: {noise}" for rid, noise in notes(result).items()]
    c = result.counts()
    verdict = "BLOCKED" if c["BLOCKER"] else ("NEEDS CHANGES" if c["WARNING"] else "APPROVED")
    old = len(result.baselined)
    lines.append(
        f"{result.connector} ({result.service_type}): {c['BLOCKER']} blocker(s), "
        f"{c['WARNING']} warning(s), {c['SUGGESTION']} suggestion(s)"
        + (f" (+{old} baselined)" if old else "")
        + f": {verdict}"
    )
    return "\n".join(lines) + "\n"


def notes(result: ReviewResult) -> dict[str, str]:
    """The noise notes of the rules that fired, by rule id."""
    fired = sorted({f.rule_id for f in result.findings})
    return {rid: RULES[rid].noise for rid in fired if rid in RULES and RULES[rid].noise}


def to_json(result: ReviewResult) -> dict:
    return {
        "connector": result.connector,
        "service_type": result.service_type,
        "summary": {**result.counts(), "baselined": len(result.baselined)},
        "findings": [f.to_dict() for f in result.findings],
        "notes": notes(result),
    }


def _region(f: Finding) -> dict:
    """Lines, and columns where the rule knows them (1-based characters, end exclusive)."""
    region: dict = {"startLine": f.line}
    if f.column is None:
        return region
    region["startColumn"] = f.column
    end_line = max(f.end_line or f.line, f.line)
    if end_line > f.line:
        region["endLine"] = end_line
    if f.end_column is not None and (end_line > f.line or f.end_column > f.column):
        region["endColumn"] = f.end_column
    return region


def to_sarif(result: ReviewResult) -> dict:
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = []
    for rid in rule_ids:
        r = RULES[rid]
        rules.append(
            {
                "id": r.id,
                "name": r.id.replace("/", "-"),
                "shortDescription": {"text": r.title},
                "fullDescription": {
                    "text": f"{CATEGORIES[r.category]}: {r.title}"
                    + (f". Noisy: {r.noise}" if r.noise else "")
                },
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
                "properties": {"category": r.category, "severity": r.severity.value},
            }
        )
    results = []
    baselined = result.baseline is not None
    for f in result.findings:
        entry = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": _region(f),
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {"severity": f.severity.value, "category": f.category},
        }
        if baselined:
            entry["baselineState"] = "unchanged" if f.baselined else "new"
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "connkit-review",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"connkit-review/{result.connector}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _command_data(text: str) -> str:
    """A workflow command's message, escaped as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: ReviewResult) -> str:
    """One ``::error``/``::warning``/``::notice`` annotation per finding (BLOCKERs are errors)
    on its file and line, then the text report's verdict as a plain line."""
    lines = []
    for f in result.findings:
        where = f"file={_command_property(f.path)},line={f.line}"
        old = " (baselined)" if f.baselined else ""  # recorded in the baseline: does not fail
        title = _command_property(f"{f.severity.value}{old} {f.rule_id}")
        message = _command_data(f"{f.message}. Fix: {f.fix}")
        level = "notice" if f.baselined else GITHUB_LEVEL[f.severity]
        lines.append(f"::{level} {where},title={title}::{message}")
    lines.append(to_text(result).splitlines()[-1])
    return "\n".join(lines) + "\n"
