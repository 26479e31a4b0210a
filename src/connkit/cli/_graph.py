"""The flags every graph-running task shares, declared once.

``@graph_task(help=...)`` adds ``--force --no-cache --dry-run --explain -j/--jobs --json
--logs`` to a task and hands the body a ready ``GraphFlags``; the body calls
``flags.run(targets, steps=...)``. One declaration serves every task, as nox declares its
options once as data.
"""

from __future__ import annotations

import functools
import inspect
import json as jsonlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from invoke import task
from invoke.exceptions import Exit

from connkit.cli._common import reports_errors
from connkit.engine.results import RunResult
from connkit.engine.step import Step
from connkit.openmetadata.workspace import Workspace, find_workspace

COMMON_FLAGS: tuple[tuple[str, Any, str], ...] = (
    ("force", False, "run every selected step even on a cache hit (results are still recorded)"),
    ("no_cache", False, "neither read nor write the cache for this run"),
    ("dry_run", False, "print the plan (each step, its key, hit or miss) and run nothing"),
    ("explain", False, "for each step that will run, say exactly what changed since its record"),
    ("jobs", 1, "run up to N independent steps at once"),
    ("json", False, "print the run summary (as in .connkit/runs/last.json) as JSON on stdout"),
    ("logs", "full", "full: replay logs of hits too; new: only steps that ran; errors; none"),
    ("remote_cache", "", "shared cache URL (Bazel HTTP protocol); else $CONNKIT_REMOTE_CACHE or config"),
    ("remote_cache_mode", "", "read: only fetch; readwrite (default): also upload what ran"),
)


@dataclass
class GraphFlags:
    force: bool = False
    no_cache: bool = False
    dry_run: bool = False
    explain: bool = False
    jobs: int = 1
    json: bool = False
    logs: str = "full"
    remote_cache: str = ""
    remote_cache_mode: str = ""

    def run(
        self,
        targets: Sequence[str],
        steps: Sequence[Step] | None = None,
        ws: Workspace | None = None,
        exit_on_failure: bool = True,
    ) -> RunResult:
        """Run ``targets`` over the workspace's steps; exit 1 if any step failed."""
        from connkit.engine.execute import RunOptions, run_steps
        from connkit.engine.report import ConsoleReporter
        from connkit.openmetadata.steps.catalog import all_steps

        if self.logs not in ("full", "new", "errors", "none"):
            raise Exit("connkit: error: --logs takes full, new, errors or none", code=2)
        ws = ws or find_workspace()
        reporter = ConsoleReporter(logs=self.logs)
        cache = _cache_for(ws, self, reporter)
        options = RunOptions(
            force=self.force,
            no_cache=self.no_cache,
            dry_run=self.dry_run,
            explain=self.explain,
            jobs=int(self.jobs),
        )
        try:
            result = run_steps(
                ws,
                all_steps(ws) if steps is None else steps,
                targets,
                options,
                reporter=reporter,
                cache=cache,
            )
        finally:
            if cache is not None:
                cache.close()
        remote_stats = getattr(cache, "stats", None)
        if remote_stats is not None and not self.dry_run:
            sys.stderr.write(remote_stats.line() + "\n")
        if self.json:
            sys.stdout.write(jsonlib.dumps(result.as_dict(), indent=2) + "\n")
        if exit_on_failure and not result.ok:
            raise Exit(code=1)
        return result


def _cache_for(ws: Workspace, flags: GraphFlags, reporter: Any) -> Any:
    """The local store, layered over a remote one when a flag, $CONNKIT_REMOTE_CACHE or the
    workspace's config names one (``--no-cache`` leaves the remote alone too)."""
    from connkit.engine.config import load_config
    from connkit.engine.execute import CacheLayout
    from connkit.engine.store.bazel_http import backend_for, resolve_settings

    if flags.no_cache:
        return None
    config = load_config(ws)
    settings = resolve_settings(
        flags.remote_cache or None,
        flags.remote_cache_mode or None,
        config.remote_cache,
        config.raw.get("remote_cache_mode"),
    )
    if settings is None:
        return None
    return backend_for(CacheLayout(ws.cache_dir).store, settings, warn=reporter.note)


def graph_task(*args: Any, help: dict[str, str] | None = None, **task_kwargs: Any) -> Callable:
    """Like ``invoke.task`` for a body that takes ``flags: GraphFlags`` as its last argument."""

    def decorate(body: Callable) -> Any:
        sig = inspect.signature(body)
        own = [p for p in sig.parameters.values() if p.name != "flags"]
        extra = [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
            for name, default, _ in COMMON_FLAGS
        ]

        @functools.wraps(body)
        def wrapper(c: Any, *a: Any, **kw: Any) -> Any:
            common = {name: kw.pop(name, default) for name, default, _ in COMMON_FLAGS}
            return body(c, *a, flags=GraphFlags(**common), **kw)

        wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
        merged_help = {name: text for name, _, text in COMMON_FLAGS}
        merged_help.update(help or {})
        return task(reports_errors(wrapper), help=merged_help, **task_kwargs)

    if args and callable(args[0]):
        return decorate(args[0])
    return decorate
