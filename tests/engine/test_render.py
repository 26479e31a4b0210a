"""Pictures of the graph: every format shows every step, its cache state and its group; the
HTML page opens offline; the SVG is Graphviz's, and without Graphviz .svg says how to get it."""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from connkit.engine import render
from connkit.engine.graph import Graph
from connkit.engine.results import Plan, PlanEntry
from connkit.engine.step import Step
from connkit.errors import ConnkitError, UsageError

STEPS = [
    Step(
        id="generate.python", command=("true",), description='models "from" schemas </script><script>alert(1)'
    ),
    Step(id="format.python.acmedb", command=("true",), deps=("generate.python",)),
    Step(id="test.acmedb", command=("true",), deps=("format.python.acmedb", "generate.python")),
    Step(id="test.other_db", command=("true",), deps=("generate.python",)),
    Step(id="docs.build", command=("true",)),
]
STATES = {
    "generate.python": "hit",
    "format.python.acmedb": "miss",
    "test.acmedb": "failed",
    "test.other_db": "hit",
}


def group_of(step: Step) -> str | None:
    last = step.id.rpartition(".")[2]
    return last if last in ("acmedb", "other_db") else None


def _view() -> render.GraphView:
    graph = Graph.build(STEPS)
    return render.view(graph, list(graph.steps), STATES, group_of)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = dict(attrs).get("id") if tag == "script" else None

    def handle_data(self, data):
        if self._in:
            self.data[self._in] = self.data.get(self._in, "") + data


def test_html_is_one_offline_page_with_every_step_state_and_group():
    page = render.to_html(_view())
    parser = _Page()
    parser.feed(page)
    for step in STEPS:
        assert f'data-id="{step.id}"' in page
    # nothing to fetch: no external script, stylesheet, image or font
    for tag, attrs in parser.tags:
        assert tag != "link"
        for name in ("src", "href"):
            assert not attrs.get(name), (tag, attrs)
    assert "@import" not in page and "url(http" not in page
    data = json.loads(parser.data["graph-data"])
    assert {s["id"]: s["cache"] for s in data["steps"]} == {**STATES, "docs.build": "unknown"}
    assert {s["id"]: s["group"] for s in data["steps"]}["test.acmedb"] == "acmedb"
    assert 'data-group="acmedb"' in page and 'data-group="other_db"' in page
    # text is data: a description cannot end the data block or start a script
    assert page.count("<script") == 2
    assert data["steps"][0]["description"].endswith("</script><script>alert(1)")


def test_the_html_layout_puts_each_group_in_its_own_band_and_dependencies_to_the_left():
    nodes, bands, width, height = render.layout(_view())
    at = {p.node.id: p for p in nodes}
    for a, b in _view().edges:
        assert at[a].x + at[a].w < at[b].x
    band_of = {}
    for group, top, band_h in bands:
        for p in nodes:
            if top <= p.y and p.y + render.BOX_H <= top + band_h:
                band_of[p.node.id] = group
    assert band_of == {
        "generate.python": "",
        "docs.build": "",
        "format.python.acmedb": "acmedb",
        "test.acmedb": "acmedb",
        "test.other_db": "other_db",
    }
    assert all(p.x + p.w <= width and p.y + render.BOX_H <= height for p in nodes)


def test_mermaid_and_dot_colour_states_and_group_by_connector():
    mermaid = render.to_mermaid(_view())
    assert re.search(r'subgraph g\d+\["acmedb"\]', mermaid) and "classDef failed" in mermaid
    assert mermaid.count("subgraph") == 2
    dot = render.to_dot(_view())
    assert dot.count("subgraph cluster_") == 2 and 'label="acmedb"' in dot
    assert f'fillcolor="{render.COLOURS["failed"][0]}"' in dot
    assert '\\"from\\"' in dot  # text is data: quotes escaped, not ending the string


@pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz is not installed (ci/setup-toolchain.sh installs it)",
)
def test_svg_is_graphviz_xml_naming_every_step():
    svg = render.to_svg(_view())
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    titles = {el.text for el in root.iter() if el.tag.endswith("title")}
    assert {s.id for s in STEPS} <= titles
    assert "acmedb" in titles or any("acmedb" == (el.text or "") for el in root.iter())


def test_without_dot_svg_is_one_line_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConnkitError) as exc:
        render.to_svg(_view())
    assert "apt-get install graphviz" in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.exit_code == 1
    assert "test.acmedb" in render.to_html(_view())  # .html needs nothing


def test_cache_states_mark_a_step_that_failed_with_the_same_key():
    plan = Plan(
        steps=[
            PlanEntry("a", "k1", hit=True),
            PlanEntry("b", "k2", hit=False),
            PlanEntry("c", "k3", hit=False),
        ],
        seconds=0,
    )
    last = {
        "steps": [{"id": "b", "status": "failed", "key": "k2"}, {"id": "c", "status": "failed", "key": "old"}]
    }
    assert render.cache_states(plan, last) == {"a": "hit", "b": "failed", "c": "miss"}
    assert render.cache_states(plan, None) == {"a": "hit", "b": "miss", "c": "miss"}


def test_the_extension_picks_the_format():
    from pathlib import Path

    assert [render.format_for(Path(f"g{e}")) for e in (".svg", ".HTML", ".dot", ".mermaid", ".json")] == [
        "svg",
        "html",
        "dot",
        "mermaid",
        "json",
    ]
    with pytest.raises(UsageError, match="unknown extension '.png'"):
        render.format_for(Path("g.png"))
