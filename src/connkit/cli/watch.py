"""`connkit watch`: rerun a target on every save, redrawing its step lines."""

from __future__ import annotations

import time

from invoke.exceptions import Exit

from connkit.cli._common import split_list
from connkit.cli._graph import graph_task
from connkit.engine.options import RunOptions


@graph_task(
    help={
        "target": "step ids or dotted prefixes to keep up to date, comma-separated (default: all)",
        "stack": "also copy each connector Python change into the running ingestion container "
        "(stack.up first); a schema, Java or packaging change rebuilds it with stack.up --fast",
    },
)
def watch(c, target="all", stack=False, options: RunOptions = None):
    """Run TARGET, then again on every save: only the steps whose inputs changed execute.

    Watches the folders the steps' inputs name; a burst of saves is one run, and a run in
    progress finishes before the next starts. Ctrl-C stops (exit code 130).
    """
    from rich.console import Console
    from rich.markup import escape

    from connkit.engine import driver
    from connkit.engine import watch as watching
    from connkit.engine.config import load_config
    from connkit.engine.graph import Graph
    from connkit.engine.report import ConsoleReporter
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    targets = [] if split_list(target) in ([], ["all"]) else split_list(target)
    # Hits' logs would fill the screen on every save: watch shows new logs unless told otherwise.
    options = options.with_defaults(load_config(ws).defaults).with_defaults({"logs": "new"})
    console = Console(stderr=True, highlight=False)

    def say(text: str) -> None:
        console.print(f"[bold]watch:[/] {escape(text)}")

    after_run = None
    if stack:
        from connkit.openmetadata.stack.sync import stack_hook

        after_run = stack_hook(ws, say)

    def load_steps():
        steps = all_steps(ws)
        graph = Graph.build(steps)
        return steps, [graph.steps[s] for s in graph.closure(graph.resolve(targets))]

    def run(steps, changes):
        console.clear()
        if changes:
            names = ", ".join(c.path for c in changes[:5]) + (" …" if len(changes) > 5 else "")
            say(f"{time.strftime('%H:%M:%S')} {len(changes)} changed: {names}")
        result = driver.run(ws, steps, targets, options, reporter=ConsoleReporter(console, logs=options.logs))
        if after_run is not None and changes:
            after_run(changes)
        return result

    def waiting(watched):
        say(f"watching {len(watched.folders)} folder(s) for changes to {target} (Ctrl-C to stop)")

    def failed(exc):
        console.print(f"[red]connkit: error:[/] {escape(str(exc))}")

    try:
        watching.watch(ws, load_steps, run, lambda: driver.local_cache(ws), waiting, failed)
    except KeyboardInterrupt:
        raise Exit("watch: stopped", code=130) from None
