"""Formatting rendered Python the way the workspace's formatter will, before it is written.

Scaffolded files must survive `connkit format --check` (validate's "formatters produce no
change"), and that is ruff under the workspace's own configuration. Each file goes through
ruff on standard input with ``--stdin-filename`` set to its final path, from the workspace
root, so ruff finds the same configuration it will find for the file on disk.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def ruff_available() -> bool:
    try:
        import ruff  # noqa: F401
    except ImportError:
        return False
    return True


def format_python(root: Path, path: Path, text: str) -> str:
    """``text`` after ``ruff check --fix-only`` and ``ruff format``; unchanged if ruff is absent
    or cannot parse it (the scaffold's own compile check reports that)."""
    if not ruff_available():
        return text
    for argv in (
        ["check", "--fix-only", "--exit-zero", "--quiet", "--stdin-filename", str(path), "-"],
        ["format", "--quiet", "--stdin-filename", str(path), "-"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *argv],
            input=text,
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
        if proc.returncode != 0:
            return text
        text = proc.stdout
    return text
