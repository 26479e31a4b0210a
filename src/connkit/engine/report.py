"""What people see during a run: one line per step, live progress, a closing summary."""

from __future__ import annotations

import sys
import threading
from typing import Protocol, TextIO

from connkit.engine.results import Plan, PlanEntry, RunResult, Status, StepResult
from connkit.engine.step import Step

_STYLE = {
    Status.RAN: ("✓", "green", "cache miss, executed"),
    Status.CACHED: ("✓", "cyan", "cache hit, outputs in place"),
    Status.RESTORED: ("✓", "blue", "cache hit, restored outputs"),
    Status.FAILED: ("✗", "red", "failed"),
    Status.SKIPPED: ("-", "yellow", "skipped: a dependency failed"),
}
_PLAN_STYLE = {True: ("·", "cyan", "would hit the cache"), False: ("·", "magenta", "would run")}


class Reporter(Protocol):
    def waiting(self, message: str) -> None: ...
    def step_started(self, step: Step) -> None: ...
    def step_output(self, step_id: str, line: str) -> None: ...
    def step_finished(self, result: StepResult, replay: str | None = None) -> None: ...
    def planned(self, entry: PlanEntry) -> None: ...
    def note(self, message: str) -> None: ...
    def finished(self, result: RunResult | Plan) -> None: ...


class SilentReporter:
    def waiting(self, message: str) -> None: ...
    def step_started(self, step: Step) -> None: ...
    def step_output(self, step_id: str, line: str) -> None: ...
    def step_finished(self, result: StepResult, replay: str | None = None) -> None: ...
    def planned(self, entry: PlanEntry) -> None: ...
    def note(self, message: str) -> None: ...
    def finished(self, result: RunResult | Plan) -> None: ...


Segment = tuple[str, str | None]  # (text, rich style or None)


class _PlainOut:
    """Off a terminal: the same lines without colours, and no rich to import (a no-op run in
    a script or CI stays cheap)."""

    is_terminal = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def say(self, *parts: Segment) -> None:
        stream = self._stream or sys.stderr
        stream.write("".join(text for text, _ in parts) + "\n")
        stream.flush()


class _RichOut:
    """On a terminal (or a console handed in): rich, with a spinner for running steps."""

    def __init__(self, console) -> None:  # noqa: ANN001 - rich.console.Console
        self.console = console
        self.is_terminal = console.is_terminal

    def say(self, *parts: Segment) -> None:
        from rich.text import Text

        self.console.print(Text.assemble(*((text, style or "") for text, style in parts)), soft_wrap=True)

    def spinner(self):  # noqa: ANN201 - rich.status.Status
        from rich.status import Status as Spinner

        return Spinner("", console=self.console, spinner="dots")


class ConsoleReporter:
    """Turborepo-style lines; a spinner naming the running steps when on a terminal.

    ``logs``: ``full`` replays a hit's log, ``new`` prints only logs of steps that ran,
    ``errors`` only failures, ``none`` nothing but the status lines.
    """

    def __init__(self, console=None, logs: str = "full") -> None:  # noqa: ANN001 - a rich Console
        if console is None and sys.stderr.isatty():
            from rich.console import Console

            console = Console(stderr=True, highlight=False)
        self.out = _RichOut(console) if console is not None else _PlainOut()
        self.logs = logs
        self._running: dict[str, str] = {}
        self._lock = threading.Lock()
        self._status = self.out.spinner() if self.out.is_terminal else None

    def waiting(self, message: str) -> None:
        self.out.say((message, "yellow"))

    def note(self, message: str) -> None:
        self.out.say(("warning:", "yellow"), (f" {message}", None))

    def step_started(self, step: Step) -> None:
        with self._lock:
            self._running[step.id] = ""
            self._refresh()
        if self._status is None:  # no spinner off a terminal: say when long steps begin
            what = f" — {step.description}" if step.description else ""
            self.out.say((f"▶ {step.id} cache miss, executing{what}", "dim"))

    def step_output(self, step_id: str, line: str) -> None:
        if self._status is None:
            return
        with self._lock:
            self._running[step_id] = line.strip()[:80]
            self._refresh()

    def _refresh(self) -> None:
        if self._status is None:
            return
        if not self._running:
            self._status.stop()
            return
        from rich.text import Text

        names = ", ".join(self._running)
        last = next((v for v in reversed(self._running.values()) if v), "")
        self._status.update(Text.assemble(f"running {names} ", (last, "dim")))
        self._status.start()

    def step_finished(self, result: StepResult, replay: str | None = None) -> None:
        with self._lock:
            self._running.pop(result.id, None)
            self._refresh()
        mark, colour, words = _STYLE[result.status]
        timing = f" {result.seconds:6.2f}s" if result.status is not Status.SKIPPED else ""
        self._line(result.id, mark, colour, f"{words}{timing}", result.key, result.reasons)
        show_replay = replay and (
            (self.logs == "full" and result.status.from_cache)
            or (self.logs in ("full", "new") and result.status is Status.RAN)
        )
        if show_replay:
            for line in replay.rstrip("\n").splitlines():
                self.out.say(("    ", None), (line, "dim"))
        if result.status is Status.FAILED:
            if result.message:
                self.out.say(("    ", None), (result.message, "red"))
            if self.logs != "none":
                for line in result.log_tail:
                    self.out.say((f"    {line.rstrip()}", None))

    def planned(self, entry: PlanEntry) -> None:
        mark, colour, words = _PLAN_STYLE[entry.hit]
        self._line(entry.id, mark, colour, words, entry.key, entry.reasons)

    def _line(self, step_id: str, mark: str, colour: str, words: str, key: str, reasons: list[str]) -> None:
        parts: list[Segment] = [(f"{mark} {step_id:<28}", colour), (f" {words}", None)]
        if key:
            parts.append((f" {key[:12]}", "dim"))
        self.out.say(*parts)
        for reason in reasons:
            self.out.say(("    ", None), ("because", "dim"), (f" {reason}", None))

    def finished(self, result: RunResult | Plan) -> None:
        if self._status is not None:
            self._status.stop()
        colour = "green" if result.ok else "red"
        self.out.say((result.summary_line(), f"bold {colour}"))
