"""`connkit validate`: the pre-PR checklist for one connector, as cached steps."""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path

from invoke.exceptions import Exit

from connkit.cli._graph import graph_task
from connkit.engine.options import RunOptions

_STATE_STYLE = {"passed": "green", "failed": "red", "skipped": "yellow", "not available": "dim"}


@graph_task(
    help={
        "name": "the connector's snake_case name (its package under ingestion/.../source/<type>/)",
        "service_type": "its service type, when the name exists under several",
        "json": "print the checklist (each item, its state, the step that proves it) and the run as JSON",
        "summary": "also append the checklist as a Markdown table to this file (e.g. $GITHUB_STEP_SUMMARY)",
    }
)
def validate(c, name, service_type=None, summary=None, options: RunOptions = None):
    """Run the whole pre-PR checklist for a connector; a second run with nothing changed is all hits.

    Every item is a step of the graph (schema and $refs, the three generators, test-connection
    steps, unit tests against the real framework, pagination, unbounded reads, cleanup,
    formatting in check mode, registration). Items this workspace cannot check say so
    instead of passing.
    """
    from connkit.openmetadata.steps.validate import validate as run_validate
    from connkit.openmetadata.workspace import find_workspace

    report = run_validate(find_workspace(), name, service_type, options)
    if summary:
        append_summary(Path(summary), report)
    if options.json:
        sys.stdout.write(jsonlib.dumps(report.as_dict(), indent=2) + "\n")
    else:
        print_checklist(report)
    if not report.ok:
        raise Exit(code=1)


def append_summary(path: Path, report) -> None:
    """Add the table after whatever earlier steps wrote there (GitHub shows the whole file)."""
    from connkit.fsutil import atomic_write_text
    from connkit.openmetadata.steps.validate import markdown

    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    atomic_write_text(path, before + markdown(report))


def print_checklist(report) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"validate {report.name} ({report.service_type})", show_edge=False)
    table.add_column("checklist item", ratio=3)
    table.add_column("result", ratio=2)
    for o in report.outcomes:
        style = _STATE_STYLE.get(o.state, "white")
        detail = f" [dim]({o.detail})[/]" if o.detail else ""
        table.add_row(o.label, f"[{style}]{o.state}[/]{detail}")
    Console(stderr=True).print(table)
