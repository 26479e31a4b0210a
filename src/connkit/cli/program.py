"""The ``connkit`` console script: an invoke Program over the same collection tasks.py serves."""

from __future__ import annotations

from invoke import Program

from connkit import __version__
from connkit.cli import namespace

program = Program(namespace=namespace, version=__version__, name="connkit", binary="connkit")


def main() -> None:
    program.run()
