"""A project's configuration: ``connkit.toml`` or ``[tool.connkit]`` in its ``pyproject.toml``
(the former wins). The engine reads the steps declared there (they join the graph like
built-in ones) and the remote cache; other keys belong to whoever front-ends the engine and
are handed over as ``table``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from connkit.engine.project import Project
from connkit.engine.step import Step
from connkit.errors import UsageError

_STEP_FIELDS = {
    "id",
    "inputs",
    "outputs",
    "command",
    "cwd",
    "deps",
    "env",
    "pass_env",
    "secrets",
    "set_env",
    "tools",
    "description",
    "cacheable",
}


@dataclass(frozen=True)
class Config:
    steps: tuple[Step, ...] = ()
    remote_cache: str | None = None
    remote_cache_mode: str | None = None
    source: Path | None = None  # the file the table came from
    table: dict[str, Any] = field(default_factory=dict, compare=False)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML ({exc}); fix or remove it") from None


def load_config(project: Project) -> Config:
    own = project.root / "connkit.toml"
    pyproject = project.root / "pyproject.toml"
    if own.is_file():
        table, source = _read_toml(own), own
    elif pyproject.is_file():
        table, source = _read_toml(pyproject).get("tool", {}).get("connkit", {}), pyproject
    else:
        table, source = {}, None
    steps = tuple(_step_from_table(entry, source or own) for entry in table.get("steps", []))
    return Config(
        steps=steps,
        remote_cache=table.get("remote_cache"),
        remote_cache_mode=table.get("remote_cache_mode"),
        source=source,
        table=table,
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
    for name in ("inputs", "outputs", "command", "deps", "env", "pass_env", "secrets"):
        if name in kwargs:
            value = kwargs[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{source}: step {table['id']!r}: {name} must be a list of strings")
            kwargs[name] = tuple(value)
    if "tools" in kwargs:
        kwargs["tools"] = tuple(tuple(t) for t in kwargs["tools"])
    return Step(**kwargs)
