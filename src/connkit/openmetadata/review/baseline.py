"""Fingerprints of findings, and baselines: today's findings recorded so only new ones fail.

A fingerprint is the rule id, the file and a hash of the finding's source line with its
whitespace normalised: not the line number (code moves down when lines are added above it)
and not the message (messages get reworded). Findings of one rule on equal lines of one file
are told apart by their order (``:1``, ``:2``...), as GitHub's own line hashes are.

A baseline file is JSON, one entry per finding with its fingerprint and, for the people who
read the file in a diff, the rule, place and message it had when recorded (only the
fingerprint is compared). One file can hold several connectors: recording one replaces only
that connector's entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from connkit.errors import UsageError
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.review.model import Finding

VERSION = 1


def normalised(line: str) -> str:
    return " ".join(line.split())


def fingerprint(rule_id: str, path: str, line_text: str, occurrence: int = 0) -> str:
    digest = hashlib.sha256(f"{rule_id}\0{path}\0{normalised(line_text)}".encode()).hexdigest()[:32]
    return f"{digest}:{occurrence}" if occurrence else digest


def with_fingerprints(findings: list[Finding], text_of: Callable[[str], str | None]) -> list[Finding]:
    """The findings, each with its fingerprint; ``text_of`` gives a file's text by its path."""
    lines: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    prints: dict[int, str] = {}
    order = sorted(
        range(len(findings)), key=lambda i: (findings[i].path, findings[i].line, findings[i].column or 0)
    )
    for i in order:
        f = findings[i]
        if f.path not in lines:
            lines[f.path] = (text_of(f.path) or "").splitlines()
        file_lines = lines[f.path]
        text = file_lines[f.line - 1] if 0 < f.line <= len(file_lines) else ""
        base = fingerprint(f.rule_id, f.path, text)
        prints[i] = fingerprint(f.rule_id, f.path, text, seen.get(base, 0))
        seen[base] = seen.get(base, 0) + 1
    return [replace(f, fingerprint=prints[i]) for i, f in enumerate(findings)]


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[dict, ...] = ()

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e["fingerprint"] for e in self.entries)


def load(path: Path) -> Baseline:
    """A baseline file; a missing or malformed one is a usage error (exit 2)."""
    if not path.is_file():
        raise UsageError(
            f"no baseline {path}: record one with "
            f"`connkit review --name N --baseline {path} --write-baseline`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"{path} is not a review baseline ({exc}); record it again with --write-baseline"
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise UsageError(
            f"{path} is not a version-{VERSION} review baseline; record it again with --write-baseline"
        )
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise UsageError(
            f"{path}: 'findings' must be a list of entries with a 'fingerprint'; record it again"
        )
    return Baseline(path, tuple(entries))


def mark(findings: list[Finding], baseline: Baseline) -> list[Finding]:
    """The findings, those the baseline holds marked ``baselined`` (shown; they do not fail)."""
    known = baseline.fingerprints
    return [replace(f, baselined=f.fingerprint in known) for f in findings]


def record(path: Path, connector: str, findings: list[Finding]) -> int:
    """Write ``findings`` as ``connector``'s entries of the baseline at ``path`` (other
    connectors' entries stay); returns how many were recorded."""
    others: list[dict] = []
    if path.is_file():
        others = [e for e in load(path).entries if e.get("connector") != connector]
    mine = [
        {
            "fingerprint": f.fingerprint,
            "connector": connector,
            "rule_id": f.rule_id,
            "path": f.path,
            "line": f.line,
            "message": f.message,
        }
        for f in findings
    ]
    entries = sorted(
        others + mine,
        key=lambda e: (e.get("connector", ""), e.get("path", ""), e.get("line", 0), e["fingerprint"]),
    )
    atomic_write_text(path, json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n")
    return len(mine)
