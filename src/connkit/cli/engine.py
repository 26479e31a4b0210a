"""Tasks for the engine itself: run any target, show the graph, look after the cache."""

from __future__ import annotations

import json as jsonlib
import re
import sys

from invoke import Collection
from invoke.exceptions import Exit

from connkit.cli._common import connkit_task, split_list
from connkit.cli._graph import graph_task, run_graph
from connkit.engine.options import RunOptions
from connkit.errors import UsageError


@graph_task(
    help={"target": "step ids or dotted prefixes (e.g. generate), comma-separated; `all` for every step"},
)
def run(c, target, options: RunOptions = None):
    """Run steps of the graph (and what they depend on), replaying cache hits.

    TARGET names a step (generate.python) or every step under a prefix (generate);
    `connkit run all` runs the whole graph. See the steps with `connkit graph`.
    """
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.workspace import find_workspace

    targets = split_list(target)
    ws = find_workspace()
    run_graph(ws, all_steps(ws), [] if targets == ["all"] else targets, options)


@connkit_task(
    help={
        "target": "step id or dotted prefix to show (default: every step)",
        "format": "what to print on stdout: mermaid (default), dot or json",
        "output": "write the picture to FILE instead; its extension picks the format: .svg (needs "
        "Graphviz's dot), .html (one self-contained page), .dot, .mermaid, .json",
    },
)
def graph(c, target="", format="", output=""):
    """Show the steps, their edges and each one's cache state (hit, miss, or failed in the
    last run), grouped by connector."""
    from pathlib import Path

    from connkit.engine import history, render
    from connkit.engine.execute import run_steps
    from connkit.engine.graph import Graph
    from connkit.engine.state import CacheLayout
    from connkit.fsutil import atomic_write_text
    from connkit.openmetadata.steps.catalog import all_steps, connector_group
    from connkit.openmetadata.workspace import find_workspace

    if output:
        fmt = render.format_for(Path(output))
        if format and format != fmt:
            raise UsageError(f"--format {format} disagrees with --output {output}: drop --format")
    else:
        fmt = format or "mermaid"
        if fmt not in render.TEXT_FORMATS:
            hint = f"for {fmt}, write a file: --output graph.{fmt}"
            raise UsageError(f"--format takes mermaid, dot or json; {hint}")
    if fmt == "svg":
        render.require_dot()
    ws = find_workspace()
    steps = all_steps(ws)
    graph_ = Graph.build(steps)
    ids = graph_.closure(graph_.resolve(split_list(target)))
    plan = run_steps(ws, steps, ids, RunOptions(dry_run=True))
    states = render.cache_states(plan, history.last_run(CacheLayout(ws.state_dir).runs))
    text = render.render(render.view(graph_, ids, states, connector_group(ws)), fmt)
    if not output:
        print(text)
        return
    atomic_write_text(Path(output), text if text.endswith("\n") else text + "\n")
    print(f"wrote {output}: {len(ids)} steps", file=sys.stderr)


@connkit_task(
    iterable=["diff"],
    help={
        "diff": "A B: the steps whose status or key changed from run A to run B (each an index "
        "from the list, 1 = newest, or a file name)",
        "json": "print the runs (or the changes) as JSON",
    },
)
def runs(c, diff=None, json=False):
    """List the stored runs, newest first (the last 50 are kept under .connkit/runs/), or
    compare two of them."""
    from connkit.engine import history
    from connkit.engine.state import CacheLayout
    from connkit.openmetadata.workspace import find_workspace

    folder = CacheLayout(find_workspace().state_dir).runs
    refs = split_list(diff)
    if refs:
        if len(refs) != 2:
            raise UsageError(f"--diff takes two runs (e.g. --diff 2 1), not {len(refs)}")
        first, second = (history.find_run(folder, ref) for ref in refs)
        changes = history.diff(first, second)
        if json:
            print(jsonlib.dumps([change.__dict__ for change in changes], indent=2))
            return
        print(f"{first.name} → {second.name}: {len(changes)} step(s) changed")
        for change in changes:
            print(f"  {change.line()}")
        return
    stored = history.stored_runs(folder)
    if json:
        print(jsonlib.dumps([run.__dict__ for run in stored], indent=2))
        return
    if not stored:
        print(f"no runs stored under {folder} yet: `connkit run all` records one")
        return
    print(history.LISTING_HEADER)
    for index, run in enumerate(stored, start=1):
        print(history.listing_line(index, run))


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$", re.I)
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", re.I)


def parse_size(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise UsageError(f"--max-size {text!r} is not a size; write e.g. 500M or 2G")
    unit = (match.group(2) or "").lower().rstrip("b").rstrip("i")
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[unit]
    return int(float(match.group(1)) * factor)


def parse_age(text: str) -> float:
    match = _AGE.match(text.strip())
    if not match:
        raise UsageError(f"--older-than {text!r} is not an age; write e.g. 12h, 7d or 2w")
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2).lower()]
    return float(match.group(1)) * factor


@connkit_task(help={"json": "print the figures as JSON"})
def stats(c, json=False):
    """Count the cache's records and blobs and their size."""
    from connkit.engine.driver import local_cache
    from connkit.openmetadata.workspace import find_workspace

    figures = local_cache(find_workspace()).stats()
    if json:
        print(jsonlib.dumps(figures.__dict__))
    else:
        print(
            f"{figures.records} records, {figures.blobs} blobs, "
            f"{figures.blob_bytes / 1e6:.1f} MB ({figures.orphan_blobs} unreferenced)"
        )


@connkit_task(help={"json": "print the report as JSON"})
def verify(c, json=False):
    """Re-hash every blob; drop corrupt ones and the records that need them."""
    from connkit.engine.driver import locked
    from connkit.openmetadata.workspace import find_workspace

    with locked(find_workspace()) as cache:
        report = cache.verify()
    if json:
        print(jsonlib.dumps(report.__dict__))
    else:
        print(
            f"checked {report.checked} blobs: {len(report.corrupt)} corrupt, "
            f"{len(report.invalidated)} records invalidated"
        )
    if report.corrupt:
        raise Exit(code=1)


@connkit_task(
    help={
        "max_size": "keep the most recently used records within this size (e.g. 2G)",
        "older_than": "drop records unused for this long (e.g. 7d, 12h)",
    }
)
def prune(c, max_size="", older_than=""):
    """Shrink the cache: drop old or least recently used records and unreferenced blobs."""
    from connkit.engine.driver import locked
    from connkit.openmetadata.workspace import find_workspace

    if not max_size and not older_than:
        raise UsageError("say what to prune: --max-size SIZE and/or --older-than AGE")
    max_bytes = parse_size(max_size) if max_size else None
    older_than_s = parse_age(older_than) if older_than else None
    with locked(find_workspace()) as cache:
        freed = cache.prune(max_bytes=max_bytes, older_than_s=older_than_s)
    print(f"freed {freed / 1e6:.1f} MB")


cache_collection = Collection("cache", stats, verify, prune)
