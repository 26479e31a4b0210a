"""The ``connkit`` console script: an invoke Program over the same collection tasks.py serves."""

from __future__ import annotations

from invoke import Program
from invoke.exceptions import Exit, ParseError

from connkit import __version__
from connkit.cli import namespace


class ConnkitProgram(Program):
    """invoke's Program, but a usage error (unknown task or flag, a missing value) exits 2
    with one ``connkit: error:`` line, like every other bad input."""

    def normalize_argv(self, argv):  # type: ignore[no-untyped-def]
        super().normalize_argv(argv)
        self.argv = two_value_flags(list(self.argv))

    def parse_core(self, argv):  # type: ignore[no-untyped-def]
        try:
            super().parse_core(argv)
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None

    def parse_tasks(self) -> None:
        try:
            super().parse_tasks()
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None

    def parse_cleanup(self) -> None:
        try:
            super().parse_cleanup()
        except ParseError as exc:
            raise Exit(_usage(exc), code=2) from None


#: Flags that take two values (``runs --diff A B``), which invoke's parser cannot say: the
#: second value is rewritten as a repetition of the flag (``--diff A --diff B``).
TWO_VALUE_FLAGS = {"runs": "--diff"}


def two_value_flags(argv: list[str]) -> list[str]:
    out: list[str] = []
    task = None
    i = 0
    while i < len(argv):
        word = argv[i]
        out.append(word)
        if word in TWO_VALUE_FLAGS:
            task = word
        flag = TWO_VALUE_FLAGS.get(task or "")
        if word == flag and i + 2 < len(argv) and not argv[i + 2].startswith("-"):
            out += [argv[i + 1], flag, argv[i + 2]]
            i += 3
            continue
        i += 1
    return out


def _usage(exc: ParseError) -> str:
    context = getattr(exc, "context", None)
    where = f"`connkit --help {context.name}`" if context is not None and context.name else "`connkit --list`"
    return f"connkit: error: {exc} (see {where})"


program = ConnkitProgram(namespace=namespace, version=__version__, name="connkit", binary="connkit")


def main() -> None:
    program.run()
