"""``connkit review``: golden-standard checks for one connector, as text, JSON or SARIF."""

from __future__ import annotations

from pathlib import Path

from invoke import task
from invoke.exceptions import Exit

from connkit.cli._common import reports_errors
from connkit.errors import UsageError
from connkit.fsutil import atomic_write_text
from connkit.review import review as run_review
from connkit.review.output import FORMATS, render
from connkit.workspace import find_workspace


@task(
    positional=[],
    help={
        "name": "connector name in snake_case, e.g. my_db",
        "service_type": "override the service type read from the connection schema",
        "format": "text (default), json or sarif",
        "output": "write the report to this file instead of standard output",
    },
)
@reports_errors
def review(c, name, service_type=None, format="text", output=None):
    """Review a connector against the golden standards; exit 1 on any BLOCKER."""
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
    result = run_review(find_workspace(), name, service_type=service_type)
    report = render(result, format)
    if output:
        atomic_write_text(Path(output), report)
        print(f"wrote {output}: {len(result.findings)} finding(s)")
    else:
        print(report, end="")
    if result.blockers:
        raise Exit(f"connkit: {len(result.blockers)} BLOCKER finding(s)", code=1)
