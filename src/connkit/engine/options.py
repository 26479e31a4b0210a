"""How one run behaves, declared once: the engine reads these fields, and every graph task's
command-line flags are derived from them (each field carries its help text), the way nox
declares its options once as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from connkit.errors import UsageError

LOG_MODES = ("full", "new", "errors", "none")


def _option(
    default: Any, help: str, short: str | None = None, choices: tuple[str, ...] = (), config: bool = False
) -> Any:
    """A run option; ``config``: a project's configuration may set its default (``with_defaults``)."""
    meta = {"help": help, "short": short, "choices": choices, "config": config}
    return field(default=default, metadata=meta)


@dataclass
class RunOptions:
    force: bool = _option(False, "run every selected step even on a cache hit (results are still recorded)")
    no_cache: bool = _option(False, "neither read nor write the cache for this run")
    dry_run: bool = _option(False, "print the plan (each step, its key, hit or miss) and run nothing")
    explain: bool = _option(False, "for each step that will run, say exactly what changed since its record")
    jobs: int = _option(1, "run up to N independent steps at once", short="j", config=True)
    json: bool = _option(False, "print the run summary (as in .connkit/runs/last.json) as JSON on stdout")
    logs: str = _option(
        "full",
        "full: replay logs of hits too; new: only steps that ran; errors; none",
        choices=LOG_MODES,
        config=True,
    )
    remote_cache: str = _option(
        "", "shared cache URL (Bazel HTTP protocol); else $CONNKIT_REMOTE_CACHE or config"
    )
    remote_cache_mode: str = _option("", "read: only fetch; readwrite (default): also upload what ran")
    profile: str = _option(
        "", "write a Chrome trace of the run to FILE (open it in Perfetto or chrome://tracing)", config=True
    )
    #: Options a command line left out: a project's configured default may still fill them.
    unset: frozenset[str] = field(default=frozenset(), compare=False, repr=False, metadata={"internal": True})

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
        if self.profile and self.dry_run:
            raise UsageError("--profile traces a run and --dry-run runs nothing: drop one of them")

    @classmethod
    def from_flags(cls, values: Mapping[str, Any]) -> RunOptions:
        """Options from a command line, where None is a flag left out: it takes the field's
        default until ``with_defaults`` offers a configured one."""
        given = {name: value for name, value in values.items() if value is not None}
        return cls(**given, unset=frozenset(name for name, value in values.items() if value is None))

    def with_defaults(self, defaults: Mapping[str, Any]) -> RunOptions:
        """These options with ``defaults`` (e.g. from connkit.toml) for the ones left out."""
        chosen = {name: value for name, value in defaults.items() if name in self.unset}
        if not chosen:
            return self
        return replace(self, **chosen, unset=self.unset - set(chosen))


def configurable() -> tuple[str, ...]:
    """Options whose default a project's configuration may set."""
    return tuple(f.name for f in fields(RunOptions) if f.metadata.get("config"))


def option_fields() -> list[tuple[str, Any, str, str | None]]:
    """(name, default, help, short flag) of every option, for front ends to declare flags.

    A configurable option's default is None (left out), so that a configured one can apply.
    """
    out = []
    for f in fields(RunOptions):
        if f.metadata.get("internal"):
            continue
        default, text = f.default, f.metadata["help"]
        if f.metadata.get("config"):
            shown = default if default not in ("", None) else "none"
            text = f"{text} (default: {shown}, or `{f.name}` in connkit.toml)"
            default = None
        out.append((f.name, default, text, f.metadata.get("short")))
    return out
