"""A project's configuration: ``connkit.toml`` or ``[tool.connkit]`` in its ``pyproject.toml``
(the former wins), checked against the JSON Schema shipped with connkit
(``src/connkit/schemas/config.schema.json``) so a typo is an error naming the key and the file
rather than a setting silently ignored. The engine reads the steps declared there (they join
the graph like built-in ones), the remote cache and the task defaults (``jobs``, ``logs``,
``profile``); other keys belong to whoever front-ends the engine and are handed over as
``table``."""

from __future__ import annotations

import difflib
import functools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from connkit.engine.options import configurable
from connkit.engine.project import Project
from connkit.engine.step import Step
from connkit.errors import UsageError
from connkit.resources import schema_file

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

    @property
    def defaults(self) -> dict[str, Any]:
        """Run options the file sets (``RunOptions.with_defaults``); a profile path is taken
        relative to the file."""
        found = {name: self.table[name] for name in configurable() if name in self.table}
        if "profile" in found and self.source is not None:
            found["profile"] = str(self.source.parent / Path(found["profile"]).expanduser())
        return found


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML ({exc}); fix or remove it") from None


@functools.lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_file("config.schema.json").read_text(encoding="utf-8")))


def _fingerprint(table: Any) -> str:
    """The table and the schema it is checked against: unchanged means already checked."""
    from connkit.engine.hashing import digest_bytes, digest_json

    return digest_json([table, digest_bytes(schema_file("config.schema.json").read_bytes())])


def _checked(project: Project, table: Any, source: Path, prefix: str) -> None:
    """Validate the table unless this very table passed before (a no-op run should not pay for
    importing a JSON Schema validator); a table that fails is never remembered."""
    memo = project.state_dir / "config.checked"
    mark = _fingerprint(table)
    try:
        if memo.read_text(encoding="utf-8") == mark:
            return
    except OSError:
        pass
    validate_table(table, source, prefix)
    try:
        from connkit.fsutil import atomic_write_text

        atomic_write_text(memo, mark, durable=False)
    except OSError:
        pass  # a read-only state folder only costs the check next time


def _where(path: list[str | int]) -> str:
    """``steps[0].command``: a key's place in the table, as people write it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _expected(error: ValidationError) -> str:
    value = error.validator_value
    if error.validator == "type":
        names = {"string": "a string", "integer": "an integer", "array": "a list", "object": "a table"}
        names |= {"boolean": "true or false", "number": "a number"}
        kinds = value if isinstance(value, list) else [value]
        return " or ".join(names.get(k, k) for k in kinds)
    if error.validator == "enum":
        return "one of " + ", ".join(map(str, value))
    if error.validator == "minimum":
        return f"at least {value}"
    if error.validator in ("minItems", "minLength"):
        return "not empty"
    return error.message


def _describe(error: ValidationError, source: Path, prefix: str) -> str:
    """One line naming the file, the key and what is wrong with it."""
    path = list(error.absolute_path)
    where = _where(path)
    instance = error.instance
    step = f" (step {instance.get('id')!r})" if isinstance(instance, dict) and instance.get("id") else ""
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(instance) - set(known))
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        inside = f" in {prefix}{where}{step}" if where else (f" in {prefix.strip()}" if prefix else "")
        names = ", ".join(repr(k) for k in unknown)
        return f"{source}: unknown key {names}{inside}{hint}; known keys: {', '.join(known)}"
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in instance]
        return f"{source}: {prefix}{where or 'the table'}{step} needs {' and '.join(map(repr, missing))}"
    return f"{source}: {prefix}{where or 'the table'} must be {_expected(error)}, not {instance!r}"


def validate_table(table: Any, source: Path, prefix: str = "") -> None:
    """Raise a one-line UsageError for the first problem the schema finds (exit 2)."""
    errors = sorted(_validator().iter_errors(table), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise UsageError(_describe(errors[0], source, prefix))


def load_config(project: Project) -> Config:
    own = project.root / "connkit.toml"
    pyproject = project.root / "pyproject.toml"
    if own.is_file():
        table, source = _read_toml(own), own
        _checked(project, table, own, "")
    elif pyproject.is_file():
        table, source = _read_toml(pyproject).get("tool", {}).get("connkit", {}), pyproject
        _checked(project, table, pyproject, "[tool.connkit] ")
    else:
        table, source = {}, None
    steps = tuple(_step_from_table(entry) for entry in table.get("steps", []))
    return Config(
        steps=steps,
        remote_cache=table.get("remote_cache"),
        remote_cache_mode=table.get("remote_cache_mode"),
        source=source,
        table=table,
    )


def _step_from_table(table: dict[str, Any]) -> Step:
    """A ``[[steps]]`` entry the schema has checked (its fields are ``_STEP_FIELDS``)."""
    kwargs: dict[str, Any] = dict(table)
    for name in ("inputs", "outputs", "command", "deps", "env", "pass_env", "secrets"):
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    if "tools" in kwargs:
        kwargs["tools"] = tuple(tuple(t) for t in kwargs["tools"])
    return Step(**kwargs)
