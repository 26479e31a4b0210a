"""Review reports as text, JSON, SARIF 2.1.0 for GitHub code scanning, or GitHub Actions
annotations (workflow commands) for the run's log and the pull request's diff."""

from __future__ import annotations

import hashlib
import json

from connkit import __version__
from connkit.openmetadata.review import CATEGORIES, RULES, ReviewResult, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "note"}
FORMATS = ("text", "json", "sarif", "github")
GITHUB_LEVEL = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "notice"}


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
        f"{f.path}:{f.line}: {f.severity.value} [{f.rule_id}] {f.message}\n    fix: {f.fix}"
        for f in result.findings
    ]
    lines += [f"note [{rid}]: {noise}" for rid, noise in notes(result).items()]
    c = result.counts()
    verdict = "BLOCKED" if c["BLOCKER"] else ("NEEDS CHANGES" if c["WARNING"] else "APPROVED")
    lines.append(
        f"{result.connector} ({result.service_type}): {c['BLOCKER']} blocker(s), "
        f"{c['WARNING']} warning(s), {c['SUGGESTION']} suggestion(s): {verdict}"
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
        "summary": result.counts(),
        "findings": [f.to_dict() for f in result.findings],
        "notes": notes(result),
    }


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
    for f in result.findings:
        fingerprint = hashlib.sha256(f"{f.rule_id}|{f.path}|{f.message}".encode()).hexdigest()
        results.append(
            {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message}. Fix: {f.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": f.line},
                        }
                    }
                ],
                "partialFingerprints": {"connkitFinding/v1": fingerprint},
                "properties": {"severity": f.severity.value, "category": f.category},
            }
        )
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
        title = _command_property(f"{f.severity.value} {f.rule_id}")
        message = _command_data(f"{f.message}. Fix: {f.fix}")
        lines.append(f"::{GITHUB_LEVEL[f.severity]} {where},title={title}::{message}")
    lines.append(to_text(result).splitlines()[-1])
    return "\n".join(lines) + "\n"
