"""Tasks that run the graph take the engine's run options as flags, derived from the one
``RunOptions`` dataclass (each field carries its help and short form), and hand the body a
ready ``RunOptions``; the body calls ``run_graph``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from invoke.exceptions import Exit

from connkit.cli._common import SHORT_FLAGS, connkit_task
from connkit.engine.options import RunOptions, option_fields
from connkit.engine.project import Project
from connkit.engine.results import Plan, RunResult
from connkit.engine.step import Step


def run_graph(
    project: Project,
    steps: Sequence[Step],
    targets: Sequence[str],
    options: RunOptions,
    exit_on_failure: bool = True,
) -> RunResult | Plan:
    """The engine's driver with a person's options; exit 1 if any step failed."""
    from connkit.engine import driver

    result = driver.run(project, steps, targets, options)
    if exit_on_failure and not result.ok:
        raise Exit(code=1)
    return result


def graph_task(*args: Any, help: dict[str, str] | None = None, **task_kwargs: Any) -> Callable:
    """Like ``connkit_task`` for a body whose last argument is ``options: RunOptions``."""
    common = option_fields()
    for name, _, _, short in common:
        if short:
            assert SHORT_FLAGS.get(name) == short, f"add {name}={short} to SHORT_FLAGS"

    def decorate(body: Callable) -> Any:
        sig = inspect.signature(body)
        own = [p for p in sig.parameters.values() if p.name != "options"]
        extra = [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
            for name, default, _, _ in common
        ]

        @functools.wraps(body)
        def wrapper(c: Any, *a: Any, **kw: Any) -> Any:
            chosen = {name: kw.pop(name, default) for name, default, _, _ in common}
            return body(c, *a, options=RunOptions.from_flags(chosen), **kw)

        wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
        merged_help = {name: text for name, _, text, _ in common}
        merged_help.update(help or {})
        return connkit_task(help=merged_help, **task_kwargs)(wrapper)

    if args and callable(args[0]):
        return decorate(args[0])
    return decorate
