"""The three spellings of a connector name that OpenMetadata uses."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ConnectorNames:
    """``name`` (snake, the Python package), ``camel`` (enums, classes), ``module`` (schema files)."""

    name: str
    camel: str
    module: str

    @property
    def kebab(self) -> str:
        return self.name.replace("_", "-")


def connector_names(name: str, display_camel: str | None = None) -> ConnectorNames:
    """Derive Camel ("MyDb") and lowerCamel ("myDb") from a snake name ("my_db")."""
    camel = display_camel or "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    module = camel[:1].lower() + camel[1:]
    return ConnectorNames(name=name, camel=camel, module=module)


def is_valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name)) and not keyword.iskeyword(name)
