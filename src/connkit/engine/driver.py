"""One front door to the engine: run these steps with the options a person chose.

It fills the options a command line left out from the project's configuration (``jobs``,
``logs``, ``profile``), picks the store (the local one, layered over a remote when a flag,
``$CONNKIT_REMOTE_CACHE`` or the configuration names one), the reporter, and the output
(``--json``, ``--profile``), then runs and closes what it opened. The CLI, validate and the
stack all call ``run``; none of them builds a cache or a reporter of its own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from connkit.engine.config import Config, load_config
from connkit.engine.execute import acquire_lock, run_steps
from connkit.engine.options import RunOptions
from connkit.engine.project import Project
from connkit.engine.report import ConsoleReporter, Reporter
from connkit.engine.results import Plan, RunResult
from connkit.engine.state import CacheLayout
from connkit.engine.step import Step
from connkit.engine.store.backend import CacheBackend
from connkit.engine.store.local import LocalCache
from connkit.engine.trace import write_trace


def open_cache(
    project: Project, options: RunOptions, reporter: Reporter, config: Config | None = None
) -> CacheBackend:
    """The store a run uses; ``--no-cache`` leaves a remote alone too."""
    from connkit.engine.store.settings import resolve_settings

    store = CacheLayout(project.state_dir).store
    if options.no_cache:
        return LocalCache(store)
    config = config or load_config(project)
    settings = resolve_settings(
        options.remote_cache or None,
        options.remote_cache_mode or None,
        config.remote_cache,
        config.remote_cache_mode,
    )
    if settings is None:
        return LocalCache(store)
    from connkit.engine.store.layered import backend_for

    return backend_for(store, settings, warn=reporter.note)


def run(
    project: Project,
    steps: Sequence[Step],
    targets: Sequence[str],
    options: RunOptions,
    *,
    reporter: Reporter | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> RunResult | Plan:
    """Run ``targets`` over ``steps``; with ``options.json``, print the summary as JSON; with
    ``options.profile``, write the run's trace there."""
    config = load_config(project)
    options = options.with_defaults(config.defaults)
    reporter = reporter or ConsoleReporter(logs=options.logs)
    cache = open_cache(project, options, reporter, config)
    try:
        result = run_steps(project, steps, targets, options, reporter=reporter, cache=cache, environ=environ)
    finally:
        cache.close()
    err = stderr or sys.stderr
    line = cache.summary()
    if line and not options.dry_run:
        err.write(line + "\n")
    if options.profile and isinstance(result, RunResult):
        write_trace(Path(options.profile), result)
        err.write(f"profile: wrote {options.profile} (open it in Perfetto or chrome://tracing)\n")
    if options.json:
        (stdout or sys.stdout).write(json.dumps(result.as_dict(), indent=2) + "\n")
    return result


def local_cache(project: Project) -> LocalCache:
    return LocalCache(CacheLayout(project.state_dir).store)


@contextmanager
def locked(project: Project, reporter: Reporter | None = None) -> Iterator[LocalCache]:
    """The local store with the run lock held, for maintenance (verify, prune)."""
    layout = CacheLayout(project.state_dir)
    lock = acquire_lock(layout, reporter or ConsoleReporter())
    try:
        yield LocalCache(layout.store)
    finally:
        lock.release()
