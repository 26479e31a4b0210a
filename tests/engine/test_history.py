"""Run history: one file per run, bounded, each saying what the cache saved; diffs name
exactly the steps that changed."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connkit.engine import history
from connkit.engine.driver import local_cache
from connkit.engine.project import Folder
from connkit.engine.results import RunResult, Status, StepResult
from connkit.engine.step import Step
from connkit.errors import UsageError
from tests.engine.helpers import concat_step, py, run, upper_step, write_sources


def _runs(root: Path) -> Path:
    return root / ".connkit" / "runs"


def _independent() -> Step:
    return Step(
        id="docs.copy",
        inputs=("docs/*.md",),
        outputs=("out/docs.md",),
        command=py(
            "import os;os.makedirs('out',exist_ok=True);open('out/docs.md','w').write(open('docs/a.md').read())"
        ),
    )


def test_each_run_is_stored_beside_last_json_with_offsets_and_time_saved(tmp_path):
    write_sources(tmp_path, a="one\n")
    steps = [concat_step(), upper_step()]
    first = run(tmp_path, steps)
    assert first.saved == 0
    second = run(tmp_path, steps)
    stored = history.stored_runs(_runs(tmp_path))
    assert [len(r.steps) for r in stored] == [2, 2]
    newest, oldest = stored
    assert [s["status"] for s in oldest.steps] == ["ran", "ran"]
    assert [s["status"] for s in newest.steps] == ["cached", "cached"]
    assert all(s["source"] == "local" for s in newest.steps)
    # What a hit saved is the recorded duration of the run it replays, step by step.
    assert newest.saved == pytest.approx(second.saved) and newest.saved > 0
    cache = local_cache(Folder(tmp_path))
    for step in newest.steps:
        assert step["saved"] == cache.get_record(step["key"]).seconds > 0
    # start offsets: a dependent starts after its dependency has finished
    concat, upper = oldest.steps
    assert 0 <= concat["started"] and concat["started"] + concat["seconds"] <= upper["started"] + 0.001
    assert (_runs(tmp_path) / "last.json").is_file()
    assert json.loads((_runs(tmp_path) / "last.json").read_text())["saved"] == newest.saved
    assert "(saved " in second.summary_line() and "(saved " not in first.summary_line()


def test_the_commit_is_recorded_in_a_git_tree_and_none_elsewhere(tmp_path):
    write_sources(tmp_path, a="one\n")
    run(tmp_path, [concat_step()])
    assert history.stored_runs(_runs(tmp_path))[0].commit is None
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "src"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    run(tmp_path, [concat_step()])
    assert history.stored_runs(_runs(tmp_path))[0].commit == head
    # what git itself says, in the other layouts a checkout comes in
    subprocess.run([*git, "pack-refs", "--all"], check=True)
    assert not list((tmp_path / ".git/refs/heads").iterdir())
    assert history.git_commit(tmp_path / "src") == head  # packed refs, from a subfolder
    linked = tmp_path.parent / f"{tmp_path.name}-linked"
    subprocess.run([*git, "worktree", "add", "-q", "-b", "other", str(linked)], check=True)
    assert history.git_commit(linked) == head
    subprocess.run([*git, "checkout", "-q", "--detach"], check=True)
    assert history.git_commit(tmp_path) == head


def _result(status: str = "ran") -> RunResult:
    return RunResult(steps=[StepResult("a", Status(status), key="k", seconds=1.0)], seconds=1.0)


def test_history_keeps_the_last_fifty(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "last.json").write_text("{}")
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(history.KEEP + 3):
        history.record(runs, _result(), ["all"], None, now=start + timedelta(seconds=i))
    names = sorted(p.name for p in runs.iterdir() if p.name != "last.json")
    assert len(names) == history.KEEP
    assert names[0].startswith("20250101T000003")  # the three oldest went
    assert (runs / "last.json").read_text() == "{}"
    assert history.stored_runs(runs)[0].when == (start + timedelta(seconds=history.KEEP + 2)).isoformat()


def test_two_runs_in_the_same_microsecond_are_both_kept(tmp_path):
    moment = datetime(2025, 1, 1, tzinfo=timezone.utc)
    a = history.record(tmp_path, _result("ran"), [], None, now=moment)
    b = history.record(tmp_path, _result("cached"), [], None, now=moment)
    assert a != b and len(history.stored_runs(tmp_path)) == 2


def test_diff_names_exactly_the_steps_whose_status_or_key_changed(tmp_path):
    write_sources(tmp_path, a="one\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/a.md").write_text("# docs\n")
    steps = [concat_step(), upper_step(), _independent()]
    run(tmp_path, steps)
    run(tmp_path, steps)  # all cached: every status changed, no key did
    write_sources(tmp_path, a="two\n")
    run(tmp_path, steps)  # concat and upper run again with new keys; docs stays a hit
    runs = _runs(tmp_path)
    changes = history.diff(history.find_run(runs, "2"), history.find_run(runs, "1"))
    assert sorted(c.id for c in changes) == ["build.concat", "build.upper"]
    assert all(c.status == ("cached", "ran") and c.key[0] != c.key[1] for c in changes)
    by_name = history.diff(
        history.find_run(runs, "3"), history.find_run(runs, history.stored_runs(runs)[1].name)
    )
    assert {c.id for c in by_name} == {"build.concat", "build.upper", "docs.copy"}
    assert all(c.key[0] == c.key[1] for c in by_name)  # only statuses changed from run 3 to 2


def test_an_unknown_run_is_a_usage_error(tmp_path):
    history.record(tmp_path, _result(), [], None)
    with pytest.raises(UsageError, match="no run 4: 1 stored"):
        history.find_run(tmp_path, "4")
    with pytest.raises(UsageError, match="no stored run 'nope'"):
        history.find_run(tmp_path, "nope")
