"""``connkit review``: golden-standard checks for one connector, as text, JSON, SARIF or
GitHub Actions annotations."""

from __future__ import annotations

from pathlib import Path

from invoke.exceptions import Exit

from connkit.cli._common import connkit_task, split_list
from connkit.errors import UsageError


@connkit_task(
    positional=[],
    help={
        "name": "connector name in snake_case, e.g. my_db",
        "service_type": "override the service type read from the connection schema",
        "format": "text (default), json, sarif, or github (::error file=...,line=...:: annotations)",
        "output": "write the report to this file instead of standard output",
        "rule": "run only rules whose id starts with this (repeat or comma-separate)",
        "list": "list the rules (id, category, severity, title) and exit",
        "baseline": "a baseline file: findings it records are shown as baselined and do not fail",
        "write_baseline": "record today's findings in the --baseline file (other connectors' stay)",
    },
    iterable=["rule"],
)
def review(
    c,
    name=None,
    service_type=None,
    format="text",
    output=None,
    rule=None,
    list=False,
    baseline=None,
    write_baseline=False,
):
    """Review a connector against the golden standards; exit 1 on any BLOCKER not baselined.

    Silence one finding with ``# connkit: ignore[rule-id] reason`` on its line.
    """
    from connkit.fsutil import atomic_write_text
    from connkit.openmetadata.review import RULES
    from connkit.openmetadata.review import baseline as baselines
    from connkit.openmetadata.review import review as run_review
    from connkit.openmetadata.review.output import FORMATS, render
    from connkit.openmetadata.workspace import find_workspace

    if list:
        for r in sorted(RULES.values(), key=lambda r: (r.category, r.id)):
            noisy = f" (noisy: {r.noise})" if r.noise else ""
            via = f" (ruff {', '.join(r.ruff.codes)} where the workspace uses ruff)" if r.ruff else ""
            print(f"{r.id:34} {r.category:10} {r.severity.value:10} {r.title}{via}{noisy}")
        return
    if not name:
        raise UsageError("--name is required (the connector's snake_case name)")
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    if write_baseline and not baseline:
        raise UsageError("--write-baseline needs --baseline FILE (where to record the findings)")
    rules = split_list(rule) or None
    if write_baseline and rules:
        raise UsageError("--write-baseline records every rule's findings: drop --rule")
    known = baselines.load(Path(baseline)) if baseline and not write_baseline else None
    result = run_review(find_workspace(), name, service_type=service_type, rules=rules)
    if write_baseline:
        count = baselines.record(Path(baseline), result.connector, result.findings)
        print(f"wrote {baseline}: {count} finding(s) of {result.connector} recorded")
        return
    if known is not None:
        result = result.with_baseline(known)
    report = render(result, format)
    if output:
        atomic_write_text(Path(output), report)
        print(f"wrote {output}: {len(result.findings)} finding(s)")
    else:
        print(report, end="")
    if result.blockers:
        old = f" ({len(result.baselined)} baselined finding(s) do not count)" if result.baselined else ""
        raise Exit(f"connkit: {len(result.blockers)} BLOCKER finding(s){old}", code=1)
