"""The Jinja2 environment scaffold renders with: its loaders and the filters that quote flag text.

Text from flags reaches templates only through filters that quote it (``json``, ``pystr``,
``pyrepr``); ``sort_imports`` orders a block of imports as isort/ruff would; ``emit`` and
``yielded`` write a processor's output the way the release's framework expects.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import jinja2

from connkit.resources import templates_dir


def _pystr(value: Any) -> str:
    """A double-quoted Python string literal for any text: flag text becomes data, never code.

    A JSON string is a valid Python string literal (same escapes), in the quotes ruff format keeps.
    """
    return json.dumps(str(value), ensure_ascii=False)


def _pyliteral(value: Any) -> str:
    """A Python literal for plain data (dict, list, str, int, bool, None) in ruff-format style quotes."""
    if isinstance(value, str):
        return _pystr(value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_pyliteral(k)}: {_pyliteral(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_pyliteral(v) for v in value) + "]"
    raise TypeError(f"not plain data: {type(value).__name__}")


def _snake(value: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", str(value)).lower()


def _import_key(statement: str) -> tuple[Any, ...]:
    words = statement.split()
    module = words[1].lower() if len(words) > 1 else ""
    natural = tuple((0, int(c), "") if c.isdigit() else (1, 0, c) for c in re.split(r"(\d+)", module) if c)
    return (0 if words and words[0] == "import" else 1, natural)


@jinja2.pass_context
def _sort_imports_filter(ctx: Any, block: str) -> str:
    return _sort_imports(block, ctx.get("import_line_length", IMPORT_LINE_LENGTH))


def _sort_imports(block: str, line_length: int | None = None) -> str:
    """Order a block of import statements as isort/ruff would, whatever the connector's name.

    Templates wrap their first-party imports in ``{% filter sort_imports %}`` because a module
    named after the connector sorts before or after the framework's modules depending on the name.
    """
    statements: list[str] = []
    for line in block.splitlines(keepends=True):
        if line.startswith(("from ", "import ")) or not statements:
            statements.append(line)
        else:
            statements[-1] += line
    limit = line_length or IMPORT_LINE_LENGTH
    return "".join(_wrap_import(st, limit) for st in sorted(statements, key=_import_key))


IMPORT_LINE_LENGTH = 120  # OpenMetadata 2.x ruff line-length; 1.x used black's 88


def _wrap_import(statement: str, line_length: int = IMPORT_LINE_LENGTH) -> str:
    """Wrap a one-line ``from x import a, b`` that is too long, the way isort/ruff does."""
    line = statement.rstrip("\n")
    if "\n" in line or len(line) <= line_length or not line.startswith("from ") or "(" in line:
        return statement
    head, _, names = line.partition(" import ")
    body = "".join(f"    {name.strip()},\n" for name in names.split(","))
    return f"{head} import (\n{body})\n"


@jinja2.pass_context
def _emit_filter(ctx: Any, variable: str) -> str:
    """What a processor yields for a request: ``Either(right=request)`` where the release wraps them."""
    return f"Either(right={variable})" if ctx["api"].either else variable


@jinja2.pass_context
def _yielded_filter(ctx: Any, model: str) -> str:
    """The type a processor's ``Iterable`` holds: ``Either[Model]`` where the release wraps requests."""
    return f"Either[{model}]" if ctx["api"].either else model


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def make_environment(override: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(templates_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pystr"] = _pystr
    env.filters["json"] = _json
    env.filters["snake"] = _snake
    env.filters["pyrepr"] = _pyliteral
    env.filters["sort_imports"] = _sort_imports_filter
    env.filters["quote"] = lambda value: urllib.parse.quote(str(value), safe="")
    env.filters["emit"] = _emit_filter
    env.filters["yielded"] = _yielded_filter
    return env
