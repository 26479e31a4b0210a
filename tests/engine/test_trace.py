"""--profile: a Chrome trace-event file of the run, one lane per worker, one slice per step."""

from __future__ import annotations

import json

import pytest

from connkit.engine.options import RunOptions
from connkit.engine.step import Step
from connkit.engine.trace import trace_events, write_trace
from connkit.errors import UsageError
from tests.engine.helpers import concat_step, py, run, upper_step, write_sources


def _steps() -> list[Step]:
    others = [
        Step(
            id=f"side.{n}",
            outputs=(f"out/{n}.txt",),
            command=py(f"import os;os.makedirs('out',exist_ok=True);open('out/{n}.txt','w').write('{n}')"),
        )
        for n in ("a", "b", "c")
    ]
    failing = Step(id="side.fail", command=py("raise SystemExit(3)"))
    return [concat_step(), upper_step(), *others, failing]


def test_the_trace_has_one_complete_event_per_step_and_lanes_that_never_overlap(tmp_path):
    write_sources(tmp_path, a="one\n")
    result = run(tmp_path, _steps(), jobs=3)
    path = tmp_path / "trace.json"
    write_trace(path, result)
    trace = json.loads(path.read_text())  # valid JSON, in the object form Perfetto reads
    events = trace["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    assert sorted(e["name"] for e in slices) == sorted(s.id for s in result.steps)
    by_id = result.by_id()
    for e in slices:
        assert isinstance(e["ts"], int) and isinstance(e["dur"], int) and e["ts"] >= 0 and e["dur"] >= 0
        assert e["args"]["status"] == by_id[e["name"]].status.value
        assert e["args"]["key"] == by_id[e["name"]].key
    assert by_id["side.fail"].status.value == "failed" and "side.fail" in {e["name"] for e in slices}
    lanes = {e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {e["tid"] for e in slices} <= lanes and len(lanes) <= 3
    # a worker thread processes one step at a time: slices in one lane never overlap
    for lane in lanes:
        mine = sorted((e["ts"], e["ts"] + e["dur"]) for e in slices if e["tid"] == lane)
        assert all(end <= nxt for (_, end), (nxt, _) in zip(mine, mine[1:], strict=False))
    # a dependent's slice starts after its dependency's ended
    start = {e["name"]: e["ts"] for e in slices}
    end = {e["name"]: e["ts"] + e["dur"] for e in slices}
    assert end["build.concat"] <= start["build.upper"] + 1


def test_hits_carry_their_source_and_what_they_saved(tmp_path):
    write_sources(tmp_path, a="one\n")
    run(tmp_path, [concat_step()])
    events = trace_events(run(tmp_path, [concat_step()]))["traceEvents"]
    (hit,) = [e for e in events if e["ph"] == "X"]
    assert hit["args"]["status"] == "cached" and hit["args"]["source"] == "local"
    assert hit["args"]["saved_seconds"] > 0


def test_a_dry_run_has_nothing_to_profile():
    with pytest.raises(UsageError, match="--profile traces a run"):
        RunOptions(dry_run=True, profile="t.json")
