"""What every task shares: turning connkit errors into one-line exits."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from invoke.exceptions import Exit

from connkit.errors import ConnkitError

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Wrap a task body so a ConnkitError exits with its code and a single ``connkit:`` line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConnkitError as exc:
            raise Exit(f"connkit: error: {exc}", code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("connkit: interrupted", code=130) from None

    return wrapper  # type: ignore[return-value]


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
