"""How one run behaves, declared once: the engine reads these fields, and every graph task's
command-line flags are derived from them (each field carries its help text), the way nox
declares its options once as data."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from connkit.errors import UsageError

LOG_MODES = ("full", "new", "errors", "none")


def _option(default: Any, help: str, short: str | None = None, choices: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"help": help, "short": short, "choices": choices})


@dataclass
class RunOptions:
    force: bool = _option(False, "run every selected step even on a cache hit (results are still recorded)")
    no_cache: bool = _option(False, "neither read nor write the cache for this run")
    dry_run: bool = _option(False, "print the plan (each step, its key, hit or miss) and run nothing")
    explain: bool = _option(False, "for each step that will run, say exactly what changed since its record")
    jobs: int = _option(1, "run up to N independent steps at once", short="j")
    json: bool = _option(False, "print the run summary (as in .connkit/runs/last.json) as JSON on stdout")
    logs: str = _option(
        "full", "full: replay logs of hits too; new: only steps that ran; errors; none", choices=LOG_MODES
    )
    remote_cache: str = _option(
        "", "shared cache URL (Bazel HTTP protocol); else $CONNKIT_REMOTE_CACHE or config"
    )
    remote_cache_mode: str = _option("", "read: only fetch; readwrite (default): also upload what ran")

    def __post_init__(self) -> None:
        for f in fields(self):
            choices = f.metadata.get("choices")
            value = getattr(self, f.name)
            if choices and value not in choices:
                flag = "--" + f.name.replace("_", "-")
                allowed = ", ".join(c for c in choices if c)
                raise UsageError(f"{flag} takes {allowed}, not {value!r}")
        try:
            self.jobs = int(self.jobs)
        except (TypeError, ValueError):
            raise UsageError(f"--jobs takes a number, not {self.jobs!r}") from None
        if self.jobs < 1:
            raise UsageError(f"--jobs takes a number of at least 1, not {self.jobs}")


def option_fields() -> list[tuple[str, Any, str, str | None]]:
    """(name, default, help, short flag) of every option, for front ends to declare flags."""
    return [(f.name, f.default, f.metadata["help"], f.metadata.get("short")) for f in fields(RunOptions)]
