"""What every task shares: one-line errors with their exit codes, and flags that mean the same
thing in every task.

invoke gives each flag a short form from its first free letter, so ``-s`` could be ``--json``
in one task and ``--service-type`` in the next. connkit turns that off and gives short forms
only to the flags below, the same everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from invoke import Task, task
from invoke.exceptions import Exit

from connkit.errors import ConnkitError

F = TypeVar("F", bound=Callable[..., Any])

#: The only short flags connkit has; each means one thing in every task.
SHORT_FLAGS = {"jobs": "j", "name": "n", "service_type": "t", "output": "o"}


class ConnkitTask(Task):
    """A task whose flags take their short forms from ``SHORT_FLAGS`` alone."""

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        self.auto_shortflags = False
        opts = super().arg_opts(name, default, taken_names)
        short = SHORT_FLAGS.get(name)
        if short and short not in taken_names:
            opts["names"].append(short)
        return opts


def recover_interrupted_edits() -> None:
    """Before any command: put back files a killed register or scaffold left half edited."""
    import sys

    from connkit.errors import WorkspaceNotFound
    from connkit.fsutil import recover
    from connkit.openmetadata.workspace import find_workspace

    try:
        ws = find_workspace()
    except WorkspaceNotFound:
        return
    for done in recover(ws.journal_dir):
        print(f"connkit: {done.line()}", file=sys.stderr)


def reports_errors(func: F) -> F:
    """Wrap a task body so a ConnkitError exits with its code and a single ``connkit:`` line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            recover_interrupted_edits()
            return func(*args, **kwargs)
        except ConnkitError as exc:
            raise Exit(f"connkit: error: {exc}", code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("connkit: interrupted", code=130) from None

    return wrapper  # type: ignore[return-value]


def connkit_task(*args: Any, **kwargs: Any) -> Any:
    """``invoke.task`` with connkit's flag rules and error reporting."""

    def decorate(body: Callable) -> Task:
        return task(klass=ConnkitTask, **kwargs)(reports_errors(body))

    if args and callable(args[0]):
        return decorate(args[0])
    return decorate


def split_list(values: Any) -> list[str]:
    """Flags that take lists accept ``a,b`` and repetition (``--x a --x b``) alike."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


# invoke has no optional positional arguments: a positional is required, so a task whose
# argument may be left out takes it as a flag (``--target``) instead.
