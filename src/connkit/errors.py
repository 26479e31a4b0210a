"""Errors that reach a person: one line, naming the fix, with a chosen exit code."""

from __future__ import annotations


class ConnkitError(Exception):
    """A failure to report as one clear line; ``exit_code`` 2 means bad input, 1 a failed check."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ConnkitError):
    """Bad input from the user (flags, names, files): nothing was changed."""

    exit_code = 2


class WorkspaceNotFound(UsageError):
    """No OpenMetadata checkout above the current directory."""
