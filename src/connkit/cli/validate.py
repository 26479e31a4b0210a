"""`connkit validate`: the pre-PR checklist for one connector, as cached steps."""

from __future__ import annotations

import json as jsonlib
import sys

from invoke.exceptions import Exit
from rich.console import Console
from rich.table import Table

from connkit.cli._graph import GraphFlags, graph_task

_STATE_STYLE = {"passed": "green", "failed": "red", "skipped": "yellow", "not available": "dim"}


@graph_task(
    help={
        "name": "the connector's snake_case name (its package under ingestion/.../source/<type>/)",
        "service_type": "its service type, when the name exists under several",
    }
)
def validate(c, name, service_type=None, flags: GraphFlags = None):
    """Run the whole pre-PR checklist for a connector; a second run with nothing changed is all hits.

    Every item is a step of the graph (schema and $refs, the three generators, test-connection
    steps, unit tests against the real framework, pagination, unbounded reads, cleanup,
    formatting in check mode, registration). Items this workspace cannot check say so
    instead of passing.
    """
    from connkit.openmetadata.connectors import find_connector
    from connkit.openmetadata.steps import validate as checks
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    conn = find_connector(ws, name, service_type)
    if not (ws.root / conn.schema).is_file():
        raise Exit(f"connkit: error: {name} has no connection schema: run `connkit scaffold` first", code=2)
    steps = checks.graph_for(ws, name, all_steps(ws))
    items = checks.checklist(ws, conn, [s.id for s in steps])
    targets = [i.step_id for i in items if i.step_id]
    json_out, flags.json = flags.json, False
    result = flags.run(targets, steps=steps, ws=ws, exit_on_failure=False)
    outcomes = checks.outcomes(items, result)
    if json_out:
        payload = {
            "connector": name,
            "service_type": conn.service_type,
            "ok": all(o.state in ("passed", "not available") for o in outcomes),
            "items": [o.__dict__ for o in outcomes],
            "run": result.as_dict(),
        }
        sys.stdout.write(jsonlib.dumps(payload, indent=2) + "\n")
    else:
        table = Table(title=f"validate {name} ({conn.service_type})", show_edge=False)
        table.add_column("checklist item", ratio=3)
        table.add_column("result", ratio=2)
        for o in outcomes:
            style = _STATE_STYLE.get(o.state, "white")
            detail = f" [dim]({o.detail})[/]" if o.detail else ""
            table.add_row(o.label, f"[{style}]{o.state}[/]{detail}")
        Console(stderr=True).print(table)
    if not result.ok or any(o.state in ("failed", "skipped", "not run") for o in outcomes):
        raise Exit(code=1)
