"""Pictures of the step graph for `connkit graph`: mermaid, dot, json, a self-contained HTML
page and (through Graphviz's ``dot``) SVG, each node coloured by its cache state and placed in
its group.

The engine knows no groups of its own: a front end passes ``group_of`` (a step to a group
name, or None), e.g. the connector a step belongs to. The HTML page lays the graph out
itself (columns by dependency depth, one band per group), so it needs no Graphviz and opens
offline: its script and styles are inline, and it loads nothing.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from connkit.engine.graph import Graph
from connkit.engine.results import Plan
from connkit.engine.step import Step
from connkit.errors import ConnkitError, UsageError
from connkit.resources import templates_dir

#: Cache states a node can show: ``failed`` is a miss whose last run failed with the same key.
STATES = ("hit", "miss", "failed", "unknown")
#: (fill, stroke) per state; the same in every format.
COLOURS = {
    "hit": ("#d9f2e1", "#2e9d5b"),
    "miss": ("#fdebd0", "#c27c1a"),
    "failed": ("#f8d7d5", "#c9302c"),
    "unknown": ("#eceef1", "#8a8f98"),
}
#: File extensions `connkit graph --output` understands, and the format each means.
EXTENSIONS = {
    ".svg": "svg",
    ".html": "html",
    ".htm": "html",
    ".dot": "dot",
    ".gv": "dot",
    ".mermaid": "mermaid",
    ".mmd": "mermaid",
    ".json": "json",
}
TEXT_FORMATS = ("mermaid", "dot", "json")
NO_DOT = (
    "Graphviz's `dot` is not installed, which .svg needs: apt-get install graphviz "
    "(macOS: brew install graphviz), or write .html, which needs nothing"
)


def no_group(step: Step) -> str | None:
    return None


@dataclass(frozen=True)
class Node:
    id: str
    state: str
    group: str | None
    deps: tuple[str, ...]
    description: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    runs: str


@dataclass(frozen=True)
class GraphView:
    """What a picture shows: the selected steps in dependency order and their edges."""

    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]

    def groups(self) -> dict[str | None, list[Node]]:
        """Nodes per group, groups in order of first appearance (None: no group)."""
        out: dict[str | None, list[Node]] = {}
        for node in self.nodes:
            out.setdefault(node.group, []).append(node)
        return out


def view(
    graph: Graph,
    ids: Sequence[str],
    state: Mapping[str, str],
    group_of: Callable[[Step], str | None] = no_group,
) -> GraphView:
    ordered = graph.order(ids)
    nodes = tuple(
        Node(
            id=s,
            state=state.get(s, "unknown"),
            group=group_of(graph.steps[s]),
            deps=tuple(d for d in graph.steps[s].deps if d in ordered),
            description=graph.steps[s].description,
            inputs=tuple(graph.steps[s].inputs),
            outputs=tuple(graph.steps[s].outputs),
            runs=graph.steps[s].runs,
        )
        for s in ordered
    )
    edges = tuple((d, n.id) for n in nodes for d in n.deps)
    return GraphView(nodes, edges)


def cache_states(plan: Plan, last_run: Mapping | None = None) -> dict[str, str]:
    """hit or miss from a dry run; ``failed`` where the last run failed with the same key."""
    failed = {}
    for step in (last_run or {}).get("steps", []):
        if step.get("status") == "failed":
            failed[step.get("id")] = step.get("key")
    states = {}
    for entry in plan.steps:
        states[entry.id] = "failed" if not entry.hit and failed.get(entry.id) == entry.key else entry.cache
    return states


def format_for(path: Path) -> str:
    """The format a file name asks for, by its extension."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted({e for e in EXTENSIONS if e not in (".htm", ".gv", ".mmd")}))
        suffix = path.suffix or "(none)"
        raise UsageError(f"--output {path}: unknown extension {suffix!r}; use one of {known}")
    return fmt


def render(graph_view: GraphView, fmt: str) -> str:
    renderers = {"json": to_json, "mermaid": to_mermaid, "dot": to_dot, "html": to_html, "svg": to_svg}
    renderer = renderers.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown graph format {fmt!r}; use mermaid, dot or json (or --output FILE.html)")
    return renderer(graph_view)


# ---------------------------------------------------------------- text formats


def to_json(graph_view: GraphView) -> str:
    steps = []
    for node in graph_view.nodes:
        steps.append(
            {
                "id": node.id,
                "deps": list(node.deps),
                "description": node.description,
                "inputs": list(node.inputs),
                "outputs": list(node.outputs),
                "runs": node.runs,
                "cache": node.state,
                "group": node.group,
            }
        )
    edges = [{"from": a, "to": b} for a, b in graph_view.edges]
    return json.dumps({"steps": steps, "edges": edges}, indent=2)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graph_view: GraphView) -> str:
    node = {n.id: f"n{i}" for i, n in enumerate(graph_view.nodes)}
    lines = ["graph TD"]
    for state in STATES:
        fill, stroke = COLOURS[state]
        lines.append(f"  classDef {state} fill:{fill},stroke:{stroke},color:#1f2328")
    for g, (group, members) in enumerate(graph_view.groups().items()):
        indent = "  "
        if group is not None:
            lines.append(f'  subgraph g{g}["{_mermaid_text(group)}"]')
            indent = "    "
        for n in members:
            lines.append(f'{indent}{node[n.id]}["{_mermaid_text(n.id)} ({n.state})"]')
        if group is not None:
            lines.append("  end")
    lines += [f"  {node[a]} --> {node[b]}" for a, b in graph_view.edges]
    for state in STATES:
        members = [node[n.id] for n in graph_view.nodes if n.state == state]
        if members:
            lines.append(f"  class {','.join(members)} {state}")
    return "\n".join(lines)


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph_view: GraphView) -> str:
    lines = [
        "digraph connkit {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [color="#6e7781"];',
    ]
    for g, (group, members) in enumerate(graph_view.groups().items()):
        indent = "  "
        if group is not None:
            lines.append(f"  subgraph cluster_{g} {{")
            lines.append(f'    label={_dot_str(group)}; style="rounded,dashed"; color="#8a8f98";')
            indent = "    "
        for n in members:
            fill, stroke = COLOURS.get(n.state, COLOURS["unknown"])
            tooltip = n.description or n.runs
            lines.append(
                f"{indent}{_dot_str(n.id)} [label={_dot_str(n.id + chr(10) + n.state)}, "
                f'fillcolor="{fill}", color="{stroke}", tooltip={_dot_str(tooltip)}];'
            )
        if group is not None:
            lines.append("  }")
    lines += [f"  {_dot_str(a)} -> {_dot_str(b)};" for a, b in graph_view.edges]
    lines.append("}")
    return "\n".join(lines)


def require_dot() -> str:
    """Graphviz's ``dot``, or the one-line error that names how to get it."""
    dot = shutil.which("dot")
    if dot is None:
        raise ConnkitError(NO_DOT)
    return dot


def to_svg(graph_view: GraphView) -> str:
    """The dot rendering laid out by Graphviz."""
    dot = require_dot()
    proc = subprocess.run([dot, "-Tsvg"], input=to_dot(graph_view), capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConnkitError(f"`dot -Tsvg` failed (exit {proc.returncode}): {detail}")
    return proc.stdout


# ---------------------------------------------------------------- HTML

BOX_H = 38
ROW_GAP = 14
COL_GAP = 70
BAND_PAD = 16
LABEL_W = 130
CHAR_W = 7.0


@dataclass(frozen=True)
class Placed:
    node: Node
    x: float
    y: float
    w: float


def _depths(graph_view: GraphView) -> dict[str, int]:
    depth: dict[str, int] = {}
    for n in graph_view.nodes:  # dependency order: every dep is placed first
        depth[n.id] = 1 + max((depth[d] for d in n.deps), default=-1)
    return depth


def layout(graph_view: GraphView) -> tuple[list[Placed], list[tuple[str, float, float]], float, float]:
    """Columns by depth, one horizontal band per group; within a band's column, nodes sorted
    by where their dependencies sit (fewer crossings), then by id. Returns the placed nodes,
    the bands (group, top, height), and the picture's width and height."""
    depth = _depths(graph_view)
    columns = max(depth.values(), default=-1) + 1
    width_of = {n.id: max(150.0, CHAR_W * len(n.id) + 28) for n in graph_view.nodes}
    col_w = [
        max((width_of[n.id] for n in graph_view.nodes if depth[n.id] == c), default=150.0)
        for c in range(columns)
    ]
    col_x = [LABEL_W + sum(col_w[:c]) + COL_GAP * c for c in range(columns)]
    placed: dict[str, Placed] = {}
    bands = []
    top = 0.0
    for group, members in graph_view.groups().items():
        rows = 0
        for c in range(columns):
            here = [n for n in members if depth[n.id] == c]

            def centre(n: Node) -> float:
                ys = [placed[d].y for d in n.deps if d in placed]
                return sum(ys) / len(ys) if ys else 0.0

            here.sort(key=lambda n: (centre(n), n.id))
            for r, n in enumerate(here):
                y = top + BAND_PAD + r * (BOX_H + ROW_GAP)
                placed[n.id] = Placed(n, col_x[c] + (col_w[c] - width_of[n.id]) / 2, y, width_of[n.id])
            rows = max(rows, len(here))
        height = 2 * BAND_PAD + rows * BOX_H + max(rows - 1, 0) * ROW_GAP
        bands.append((group or "", top, height))
        top += height + 10
    width = (col_x[-1] + col_w[-1] + 20) if columns else LABEL_W + 200
    return [placed[n.id] for n in graph_view.nodes], bands, width, max(top, 60.0)


def _svg_body(graph_view: GraphView) -> tuple[str, float, float]:
    nodes, bands, width, height = layout(graph_view)
    at = {p.node.id: p for p in nodes}
    esc = html.escape
    parts = []
    for i, (group, top, band_h) in enumerate(bands):
        shade = "#f6f8fa" if i % 2 == 0 else "#ffffff"
        parts.append(
            f'<g class="band" data-group="{esc(group)}"><rect x="0" y="{top:.1f}" width="{width:.1f}" '
            f'height="{band_h:.1f}" fill="{shade}" stroke="#d0d7de"/>'
            f'<text class="band-label" x="10" y="{top + 22:.1f}">{esc(group or "(workspace)")}</text></g>'
        )
    for a, b in graph_view.edges:
        pa, pb = at[a], at[b]
        x1, y1 = pa.x + pa.w, pa.y + BOX_H / 2
        x2, y2 = pb.x, pb.y + BOX_H / 2
        bend = max(30.0, (x2 - x1) / 2)
        parts.append(
            f'<path class="edge" data-from="{esc(a)}" data-to="{esc(b)}" '
            f'd="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
            'marker-end="url(#arrow)"/>'
        )
    for p in nodes:
        fill, stroke = COLOURS.get(p.node.state, COLOURS["unknown"])
        parts.append(
            f'<g class="node" data-id="{esc(p.node.id)}" data-state="{esc(p.node.state)}">'
            f"<title>{esc(p.node.id)}: {esc(p.node.state)}</title>"
            f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" height="{BOX_H}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
            f'<text x="{p.x + p.w / 2:.1f}" y="{p.y + 16:.1f}" text-anchor="middle">{esc(p.node.id)}</text>'
            f'<text class="state" x="{p.x + p.w / 2:.1f}" y="{p.y + 30:.1f}" text-anchor="middle">'
            f"{esc(p.node.state)}</text></g>"
        )
    return "\n".join(parts), width, height


def to_html(graph_view: GraphView, title: str = "connkit graph") -> str:
    """One file, nothing fetched: inline SVG laid out here, the styles and script of
    ``templates/graph/page.html.j2`` inline."""
    body, width, height = _svg_body(graph_view)
    counts = {s: sum(1 for n in graph_view.nodes if n.state == s) for s in STATES}
    legend = [(s, counts[s], *COLOURS[s]) for s in STATES if counts[s] or s != "unknown"]
    data = to_json(graph_view).replace("<", "\\u003c")  # no text can end or open a <script>
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "graph")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("page.html.j2").render(
        title=title,
        legend=legend,
        steps=len(graph_view.nodes),
        width=width,
        height=height,
        body=Markup(body),
        data=Markup(data),
    )
