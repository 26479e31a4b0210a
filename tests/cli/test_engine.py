"""The real `connkit` and `invoke` command lines over a workspace's declared steps."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SRC, connkit_env, run_connkit

REPO = SRC.parent

CONFIG = textwrap.dedent(
    """
    [[steps]]
    id = "build.concat"
    inputs = ["src/*.txt"]
    outputs = ["out/all.txt"]
    command = ["sh", "-c", "mkdir -p out && cat src/*.txt > out/all.txt && echo concatenated"]

    [[steps]]
    id = "build.count"
    deps = ["build.concat"]
    inputs = ["out/all.txt"]
    outputs = ["out/count.txt"]
    env = ["GREETING"]
    command = ["sh", "-c", "wc -l < out/all.txt > out/count.txt; echo counted $GREETING"]

    [[steps]]
    id = "check.fail"
    command = ["sh", "-c", "echo something broke >&2; exit 4"]
    """
)


@pytest.fixture
def ws(ws_root: Path) -> Path:
    (ws_root / "connkit.toml").write_text(CONFIG)
    (ws_root / "src").mkdir()
    (ws_root / "src/a.txt").write_text("one\n")
    return ws_root


def test_connkit_and_invoke_list_the_same_tasks(tmp_path):
    ours = run_connkit("--list", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    theirs = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=REPO,
        env=connkit_env(),
        capture_output=True,
        text=True,
    )
    assert theirs.returncode == 0, theirs.stderr
    for name in ("run", "graph", "cache.stats", "cache.verify", "cache.prune"):
        assert name in ours.stdout and name in theirs.stdout


def test_run_json_and_summary_line(ws):
    first = run_connkit("run", "build", "--json", cwd=ws)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert [s["status"] for s in data["steps"]] == ["ran", "ran"]
    assert "2 steps: 2 ran" in first.stderr
    second = run_connkit("run", "build", cwd=ws)
    assert "2 steps: 2 cached" in second.stderr
    assert "concatenated" in second.stderr  # the hit's log is replayed
    assert json.loads((ws / ".connkit/runs/last.json").read_text())["steps"][0]["status"] == "cached"


def test_failing_step_exits_non_zero_and_shows_its_output(ws):
    result = run_connkit("run", "check", cwd=ws)
    assert result.returncode == 1
    assert "something broke" in result.stderr
    assert "exited with code 4" in result.stderr


def test_explain_names_the_changed_env_var(ws):
    run_connkit("run", "build", cwd=ws)
    result = run_connkit("run", "build", "--explain", cwd=ws, env=connkit_env(GREETING="hi"))
    assert "env GREETING set" in result.stderr
    assert "build.concat" in result.stderr and "cache hit" in result.stderr


def test_dry_run_and_graph_formats(ws):
    plan = run_connkit("run", "build", "--dry-run", "--json", cwd=ws)
    assert [s["status"] for s in json.loads(plan.stdout)["steps"]] == ["miss", "miss"]
    assert not (ws / "out").exists()
    mermaid = run_connkit("graph", "--target", "build", cwd=ws)
    assert "graph TD" in mermaid.stdout and "-->" in mermaid.stdout
    dot = run_connkit("graph", "--format", "dot", cwd=ws)
    assert dot.stdout.startswith("digraph")
    data = json.loads(run_connkit("graph", "--target", "build", "--format", "json", cwd=ws).stdout)
    assert data["edges"] == [{"from": "build.concat", "to": "build.count"}]


def test_cache_commands(ws):
    run_connkit("run", "build", cwd=ws)
    stats = json.loads(run_connkit("cache.stats", "--json", cwd=ws).stdout)
    assert stats["records"] == 2 and stats["blobs"] >= 3
    verify = run_connkit("cache.verify", cwd=ws)
    assert verify.returncode == 0 and "0 corrupt" in verify.stdout
    bad = run_connkit("cache.prune", "--max-size", "lots", cwd=ws)
    assert bad.returncode == 2 and "not a size" in bad.stderr
    pruned = run_connkit("cache.prune", "--older-than", "0s", cwd=ws)
    assert pruned.returncode == 0
    assert json.loads(run_connkit("cache.stats", "--json", cwd=ws).stdout)["records"] == 0


def test_no_workspace_is_one_clear_error(tmp_path):
    result = run_connkit("run", "all", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("connkit: error: no OpenMetadata workspace above")
    assert len(result.stderr.strip().splitlines()) == 1


def test_cache_dir_override(ws, tmp_path):
    elsewhere = tmp_path / "shared-cache"
    result = run_connkit("run", "build", cwd=ws, env=connkit_env(CONNKIT_CACHE_DIR=str(elsewhere)))
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "runs/last.json").is_file() and not (ws / ".connkit").exists()


def test_bad_step_config_is_a_clear_error(ws):
    (ws / "connkit.toml").write_text('[[steps]]\nid = "x"\ncommand = ["true"]\nflavour = 1\n')
    result = run_connkit("run", "all", cwd=ws)
    assert result.returncode == 2 and "unknown key 'flavour' in steps[0] (step 'x')" in result.stderr


def test_graph_output_files_by_extension_with_cache_state(ws, tmp_path):
    run_connkit("run", "all", cwd=ws)  # build.* hit from now on; check.fail failed
    pictures = tmp_path / "pictures"
    for ext in ("svg", "html", "dot", "mermaid", "json"):
        result = run_connkit("graph", "--output", str(pictures / f"g.{ext}"), cwd=ws)
        assert result.returncode == 0, result.stderr
    import xml.etree.ElementTree as ET

    svg = ET.parse(pictures / "g.svg").getroot()
    titles = {el.text for el in svg.iter() if el.tag.endswith("title")}
    assert {"build.concat", "build.count", "check.fail"} <= titles
    page = (pictures / "g.html").read_text()
    assert all(f'data-id="{s}"' in page for s in ("build.concat", "build.count", "check.fail"))
    states = {s["id"]: s["cache"] for s in json.loads((pictures / "g.json").read_text())["steps"]}
    assert states == {"build.concat": "hit", "build.count": "hit", "check.fail": "failed"}
    assert (pictures / "g.dot").read_text().startswith("digraph")
    assert "classDef failed" in (pictures / "g.mermaid").read_text()
    bad = run_connkit("graph", "--output", str(pictures / "g.png"), cwd=ws)
    assert bad.returncode == 2 and "unknown extension '.png'" in bad.stderr
    assert run_connkit("graph", "--format", "svg", cwd=ws).returncode == 2


def test_without_graphviz_svg_fails_in_one_line_and_html_still_works(ws, tmp_path):
    no_dot = connkit_env(PATH=str(tmp_path / "empty-path"))
    svg = run_connkit("graph", "--output", str(tmp_path / "g.svg"), cwd=ws, env=no_dot)
    assert svg.returncode == 1 and not (tmp_path / "g.svg").exists()
    assert len(svg.stderr.strip().splitlines()) == 1 and "apt-get install graphviz" in svg.stderr
    page = run_connkit("graph", "--output", str(tmp_path / "g.html"), cwd=ws, env=no_dot)
    assert page.returncode == 0, page.stderr
    assert 'data-id="build.count"' in (tmp_path / "g.html").read_text()


def test_runs_lists_newest_first_and_diff_names_the_changed_steps(ws, tmp_path):
    run_connkit("run", "build", cwd=ws)
    second = run_connkit("run", "build", "--profile", str(tmp_path / "trace.json"), cwd=ws)
    assert "2 steps: 2 cached" in second.stderr and "(saved " in second.stderr
    trace = json.loads((tmp_path / "trace.json").read_text())
    assert sorted(e["name"] for e in trace["traceEvents"] if e["ph"] == "X") == [
        "build.concat",
        "build.count",
    ]
    (ws / "src/b.txt").write_text("two\n")
    run_connkit("run", "all", cwd=ws)
    listing = run_connkit("runs", cwd=ws)
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.strip().splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["1", "2", "3"]
    assert "1 failed, 2 ran" in rows[0] and "2 cached" in rows[1]
    diff = run_connkit("runs", "--diff", "2", "1", cwd=ws)
    assert diff.returncode == 0, diff.stderr
    changed = [line.split(":")[0].strip() for line in diff.stdout.splitlines()[1:]]
    assert sorted(changed) == ["build.concat", "build.count", "check.fail"]
    data = json.loads(run_connkit("runs", "--diff", "3", "--diff", "2", "--json", cwd=ws).stdout)
    assert sorted(c["id"] for c in data) == ["build.concat", "build.count"]  # statuses only: ran -> cached
    assert run_connkit("runs", "--diff", "9", "1", cwd=ws).returncode == 2


def test_config_typo_fails_with_the_key_and_task_defaults_apply(ws, tmp_path):
    (ws / "connkit.toml").write_text("jobz = 2\n" + CONFIG)
    typo = run_connkit("run", "build", cwd=ws)
    assert typo.returncode == 2 and "unknown key 'jobz' (did you mean 'jobs'?)" in typo.stderr
    assert str(ws / "connkit.toml") in typo.stderr and not (ws / ".connkit/runs").exists()
    # Two steps that each wait for the other's file finish only when they run at once: jobs = 2.
    barrier = textwrap.dedent(
        """
        [[steps]]
        id = "pair.left"
        command = ["sh", "-c", "touch left; for i in $(seq 600); do [ -e right ] && exit 0; sleep 0.1; done; exit 1"]
        cacheable = false

        [[steps]]
        id = "pair.right"
        command = ["sh", "-c", "touch right; for i in $(seq 600); do [ -e left ] && exit 0; sleep 0.1; done; exit 1"]
        cacheable = false
        """
    )
    (ws / "connkit.toml").write_text('jobs = 2\nlogs = "none"\nprofile = "trace.json"\n' + CONFIG + barrier)
    paired = run_connkit("run", "pair", cwd=ws)
    assert paired.returncode == 0, paired.stderr
    assert (ws / "trace.json").is_file()  # profile, relative to the configuration file
    run_connkit("run", "build", cwd=ws)
    quiet = run_connkit("run", "build", cwd=ws)
    assert "2 cached" in quiet.stderr and "concatenated" not in quiet.stderr  # logs = "none"
    loud = run_connkit("run", "build", "--logs", "full", cwd=ws)
    assert "concatenated" in loud.stderr  # a flag beats the configured default
