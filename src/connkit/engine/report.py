"""What people see during a run: one line per step, live progress, a closing summary."""

from __future__ import annotations

import threading
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.status import Status as Spinner

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


class ConsoleReporter:
    """Turborepo-style lines; a spinner naming the running steps when on a terminal.

    ``logs``: ``full`` replays a hit's log, ``new`` prints only logs of steps that ran,
    ``errors`` only failures, ``none`` nothing but the status lines.
    """

    def __init__(self, console: Console | None = None, logs: str = "full") -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.logs = logs
        self._running: dict[str, str] = {}
        self._lock = threading.Lock()
        self._status: Spinner | None = None
        if self.console.is_terminal:
            self._status = Spinner("", console=self.console, spinner="dots")

    def waiting(self, message: str) -> None:
        self.console.print(f"[yellow]{escape(message)}[/]")

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/] {escape(message)}")

    def step_started(self, step: Step) -> None:
        with self._lock:
            self._running[step.id] = ""
            self._refresh()
        if self._status is None:  # no spinner off a terminal: say when long steps begin
            what = f" — {step.description}" if step.description else ""
            self.console.print(f"[dim]▶ {escape(step.id)} cache miss, executing{escape(what)}[/]")

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
        names = ", ".join(self._running)
        last = next((v for v in reversed(self._running.values()) if v), "")
        self._status.update(f"running {escape(names)} [dim]{escape(last)}[/]")
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
                self.console.print(f"    [dim]{escape(line)}[/]", soft_wrap=True)
        if result.status is Status.FAILED:
            if result.message:
                self.console.print(f"    [red]{escape(result.message)}[/]", soft_wrap=True)
            if self.logs != "none":
                for line in result.log_tail:
                    self.console.print(f"    {escape(line.rstrip())}", soft_wrap=True)

    def planned(self, entry: PlanEntry) -> None:
        mark, colour, words = _PLAN_STYLE[entry.hit]
        self._line(entry.id, mark, colour, words, entry.key, entry.reasons)

    def _line(self, step_id: str, mark: str, colour: str, words: str, key: str, reasons: list[str]) -> None:
        key_text = f" [dim]{key[:12]}[/]" if key else ""
        self.console.print(f"[{colour}]{mark} {escape(step_id):<28}[/] {words}{key_text}", soft_wrap=True)
        for reason in reasons:
            self.console.print(f"    [dim]because[/] {escape(reason)}")

    def finished(self, result: RunResult | Plan) -> None:
        if self._status is not None:
            self._status.stop()
        colour = "green" if result.ok else "red"
        self.console.print(f"[bold {colour}]{escape(result.summary_line())}[/]")
