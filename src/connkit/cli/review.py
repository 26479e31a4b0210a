"""``connkit review``: golden-standard checks for one connector, as text, JSON, SARIF or
GitHub Actions annotations."""

from __future__ import annotations

from pathlib import Path

from invoke.exceptions import Exit

from connkit.cli._common import connkit_task, split_list
from connkit.errors import UsageError
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.review import RULES
from connkit.openmetadata.review import review as run_review
from connkit.openmetadata.review.output import FORMATS, render
from connkit.openmetadata.workspace import find_workspace


@connkit_task(
    positional=[],
    help={
        "name": "connector name in snake_case, e.g. my_db",
        "service_type": "override the service type read from the connection schema",
        "format": "text (default), json, sarif, or github (::error file=...,line=...:: annotations)",
        "output": "write the report to this file instead of standard output",
        "rule": "run only rules whose id starts with this (repeat or comma-separate)",
        "list": "list the rules (id, category, severity, title) and exit",
    },
    iterable=["rule"],
)
def review(c, name=None, service_type=None, format="text", output=None, rule=None, list=False):
    """Review a connector against the golden standards; exit 1 on any BLOCKER."""
    if list:
        for r in sorted(RULES.values(), key=lambda r: (r.category, r.id)):
            noisy = f" (noisy: {r.noise})" if r.noise else ""
            print(f"{r.id:34} {r.category:10} {r.severity.value:10} {r.title}{noisy}")
        return
    if not name:
        raise UsageError("--name is required (the connector's snake_case name)")
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    rules = split_list(rule) or None
    result = run_review(find_workspace(), name, service_type=service_type, rules=rules)
    report = render(result, format)
    if output:
        atomic_write_text(Path(output), report)
        print(f"wrote {output}: {len(result.findings)} finding(s)")
    else:
        print(report, end="")
    if result.blockers:
        raise Exit(f"connkit: {len(result.blockers)} BLOCKER finding(s)", code=1)
