"""Where connkit's data folders (templates/, docker/) are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` shipped inside the wheel, else the repository's top-level one."""
    for candidate in (_PACKAGE / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"connkit data folder {name!r} is missing from this installation")


def templates_dir() -> Path:
    return data_dir("templates")


def docker_dir() -> Path:
    return data_dir("docker")


def schema_file(name: str) -> Path:
    """A JSON Schema shipped inside the package (``src/connkit/schemas/``)."""
    return _PACKAGE / "schemas" / name
