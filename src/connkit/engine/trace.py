"""A run as a Chrome trace (the trace-event JSON format Perfetto and chrome://tracing open):
one lane per worker thread, one complete event (``"ph": "X"``) per step, timed from the run's
start, with the step's status, key and cache source in its ``args``."""

from __future__ import annotations

import json
from pathlib import Path

from connkit.engine.results import RunResult
from connkit.fsutil import atomic_write_text

_US = 1_000_000  # trace timestamps are microseconds


def trace_events(result: RunResult, name: str = "connkit run") -> dict:
    """The trace of one run, as a JSON-ready object."""
    pid = 1
    events: list[dict] = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}]
    for worker in sorted({s.worker for s in result.steps}):
        label = {"name": f"worker {worker}"}
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": worker, "args": label})
    for step in result.steps:
        args = {"status": step.status.value, "key": step.key}
        if step.source:
            args.update(source=step.source, saved_seconds=step.saved)
        if step.message:
            args["message"] = step.message
        events.append(
            {
                "name": step.id,
                "cat": step.status.value,
                "ph": "X",
                "ts": round(step.started * _US),
                "dur": round(step.seconds * _US),
                "pid": pid,
                "tid": step.worker,
                "args": args,
            }
        )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def write_trace(path: Path, result: RunResult) -> None:
    atomic_write_text(path, json.dumps(trace_events(result), indent=1) + "\n")
