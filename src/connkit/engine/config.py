"""Workspace configuration: ``connkit.toml`` or ``[tool.connkit]`` in the workspace's
``pyproject.toml`` (the former wins). Steps declared there join the graph like built-in ones."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from connkit.engine.step import Step
from connkit.errors import UsageError
from connkit.openmetadata.workspace import Workspace

_STEP_FIELDS = {
    "id",
    "inputs",
    "outputs",
    "command",
    "cwd",
    "deps",
    "env",
    "pass_env",
    "set_env",
    "tools",
    "description",
    "cacheable",
}


@dataclass(frozen=True)
class Config:
    steps: tuple[Step, ...] = ()
    templates: Path | None = None
    remote_cache: str | None = None
    constraints: tuple[Path, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML ({exc}); fix or remove it") from None


def load_config(ws: Workspace) -> Config:
    own = ws.root / "connkit.toml"
    if own.is_file():
        raw = _read_toml(own)
        source = own
    else:
        pyproject = ws.root / "pyproject.toml"
        raw = _read_toml(pyproject).get("tool", {}).get("connkit", {}) if pyproject.is_file() else {}
        source = pyproject
    steps = tuple(_step_from_table(table, source) for table in raw.get("steps", []))
    templates = raw.get("templates")
    return Config(
        steps=steps,
        templates=(ws.root / templates) if templates else None,
        remote_cache=raw.get("remote_cache"),
        constraints=tuple(ws.root / c for c in raw.get("constraints", [])),
        raw=raw,
    )


def _step_from_table(table: dict[str, Any], source: Path) -> Step:
    unknown = set(table) - _STEP_FIELDS
    if unknown:
        raise UsageError(
            f"{source}: step {table.get('id', '?')!r} has unknown keys {sorted(unknown)}; "
            f"allowed: {', '.join(sorted(_STEP_FIELDS))}"
        )
    if "id" not in table or "command" not in table:
        raise UsageError(f"{source}: every [[steps]] entry needs an id and a command (argv list)")
    kwargs: dict[str, Any] = dict(table)
    for name in ("inputs", "outputs", "command", "deps", "env", "pass_env"):
        if name in kwargs:
            value = kwargs[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{source}: step {table['id']!r}: {name} must be a list of strings")
            kwargs[name] = tuple(value)
    if "tools" in kwargs:
        kwargs["tools"] = tuple(tuple(t) for t in kwargs["tools"])
    return Step(**kwargs)
