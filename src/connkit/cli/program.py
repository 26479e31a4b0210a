"""The ``connkit`` console script: an invoke Program over the same collection tasks.py serves."""

from __future__ import annotations

from invoke import Program
from invoke.exceptions import Exit, ParseError

from connkit import __version__
from connkit.cli import namespace
from connkit.cli._common import spread_values


class ConnkitProgram(Program):
    """invoke's Program, but a usage error (unknown task or flag, a missing value) exits 2
    with one ``connkit: error:`` line, like every other bad input."""

    def parse_core(self, argv):  # type: ignore[no-untyped-def]
        try:
            super().parse_core(argv)
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None

    def parse_tasks(self) -> None:
        self.core.unparsed = spread_values(self.core.unparsed, self.collection)
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None

    def parse_cleanup(self) -> None:
        try:
            super().parse_cleanup()
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None


def _usage(exc: ParseError) -> str:
    context = getattr(exc, "context", None)
    where = f"`connkit --help {context.name}`" if context is not None and context.name else "`connkit --list`"
    return f"connkit: error: {exc} (see {where})"


program = ConnkitProgram(namespace=namespace, version=__version__, name="connkit", binary="connkit")


def main() -> None:
    program.run()
