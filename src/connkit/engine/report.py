"""What people see during a run: one line per step, live progress, a closing summary."""

from __future__ import annotations

import threading
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.status import Status

from connkit.engine.results import RunResult, StepResult
from connkit.engine.step import Step

_STYLE = {
    "ran": ("✓", "green", "cache miss, executed"),
    "cached": ("✓", "cyan", "cache hit, outputs in place"),
    "restored": ("✓", "blue", "cache hit, restored outputs"),
    "failed": ("✗", "red", "failed"),
    "skipped": ("-", "yellow", "skipped: a dependency failed"),
    "hit": ("·", "cyan", "would hit the cache"),
    "miss": ("·", "magenta", "would run"),
}


class Reporter(Protocol):
    def waiting(self, message: str) -> None: ...
    def step_started(self, step: Step) -> None: ...
    def step_output(self, step_id: str, line: str) -> None: ...
    def step_finished(self, result: StepResult, replay: str | None = None) -> None: ...
    def note(self, message: str) -> None: ...
    def finished(self, result: RunResult) -> None: ...


class SilentReporter:
    def waiting(self, message: str) -> None: ...
    def step_started(self, step: Step) -> None: ...
    def step_output(self, step_id: str, line: str) -> None: ...
    def step_finished(self, result: StepResult, replay: str | None = None) -> None: ...
    def note(self, message: str) -> None: ...
    def finished(self, result: RunResult) -> None: ...


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
        self._status: Status | None = None
        if self.console.is_terminal:
            self._status = Status("", console=self.console, spinner="dots")

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
        mark, colour, words = _STYLE.get(result.status, ("?", "white", result.status))
        key = f" [dim]{result.key[:12]}[/]" if result.key else ""
        timing = f" {result.seconds:6.2f}s" if result.status not in ("skipped", "hit", "miss") else ""
        self.console.print(
            f"[{colour}]{mark} {escape(result.id):<28}[/] {words}{timing}{key}", soft_wrap=True
        )
        for reason in result.reasons:
            self.console.print(f"    [dim]because[/] {escape(reason)}")
        show_replay = replay and (
            (self.logs == "full" and result.status in ("cached", "restored"))
            or (self.logs in ("full", "new") and result.status == "ran")
        )
        if show_replay:
            for line in replay.rstrip("\n").splitlines():
                self.console.print(f"    [dim]{escape(line)}[/]", soft_wrap=True)
        if result.status == "failed":
            if result.message:
                self.console.print(f"    [red]{escape(result.message)}[/]", soft_wrap=True)
            if self.logs != "none":
                for line in result.log_tail:
                    self.console.print(f"    {escape(line.rstrip())}", soft_wrap=True)

    def finished(self, result: RunResult) -> None:
        if self._status is not None:
            self._status.stop()
        colour = "green" if result.ok else "red"
        self.console.print(f"[bold {colour}]{escape(result.summary_line())}[/]")
