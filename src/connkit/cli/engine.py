"""Tasks for the engine itself: run any target, show the graph, look after the cache."""

from __future__ import annotations

import json as jsonlib
import re

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
        "format": "mermaid, dot or json",
    },
)
def graph(c, target="", format="mermaid"):
    """Print the steps, their edges and whether each would hit the cache now."""
    from connkit.engine.execute import run_steps
    from connkit.engine.graph import Graph, render
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    steps = all_steps(ws)
    graph_ = Graph.build(steps)
    ids = graph_.closure(graph_.resolve(split_list(target)))
    plan = run_steps(ws, steps, ids, RunOptions(dry_run=True))
    state = {s.id: s.cache for s in plan.steps}
    print(render(graph_, ids, format, state))


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
