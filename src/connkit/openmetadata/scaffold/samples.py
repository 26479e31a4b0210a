"""Sample values for JSON schemas of the workspace, so scaffolded tests fit its release.

Credential schemas and connectors' required fields differ between releases (1.1's
``azureCredentials.json`` requires ``accountName``; its ``mysqlConnection.json`` keeps the
password flat), so the configs the scaffolded tests use are built from the schemas in the tree
rather than written down once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_DEPTH = 4


def sample_of_file(path: Path, depth: int = 0) -> dict[str, Any]:
    """A value for the object schema in ``path``; ``{}`` when it cannot be read."""
    schema = _load(path)
    if schema is None:
        return {}
    return sample_object(schema, path.resolve().parent, schema, depth)


def connection_config(path: Path) -> dict[str, Any] | None:
    """A config another connector's connection schema accepts: its type and required fields."""
    schema = _load(path)
    if schema is None:
        return None
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    type_spec = props.get("type") or {}
    if "default" in type_spec:
        out["type"] = type_spec["default"]
    out.update(
        {
            name: _value(name, props.get(name) or {}, path.resolve().parent, schema, 0)
            for name in schema.get("required") or ()
            if name != "type"
        }
    )
    return out if "type" in out else None


def sample_object(
    schema: dict[str, Any], folder: Path, document: dict[str, Any], depth: int
) -> dict[str, Any]:
    """Its required fields; every field where it requires none (the shared auth schemas)."""
    props = schema.get("properties") or {}
    names = schema.get("required") or list(props)
    return {name: _value(name, props.get(name) or {}, folder, document, depth) for name in names}


def _value(name: str, spec: dict[str, Any], folder: Path, document: dict[str, Any], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return {}
    ref = spec.get("$ref")
    if isinstance(ref, str):
        target, _, pointer = ref.partition("#")
        base_folder, base_doc = folder, document
        if target:
            base_doc = _load(folder / target) or {}
            base_folder = (folder / target).resolve().parent
        resolved = _pointer(base_doc, pointer) if pointer else base_doc
        return _value(name, resolved, base_folder, base_doc, depth + 1)
    for key in ("oneOf", "anyOf"):
        if spec.get(key):
            return _value(name, spec[key][0], folder, document, depth + 1)
    if "default" in spec and spec["default"] is not None:
        return spec["default"]
    if spec.get("enum"):
        return spec["enum"][0]
    kind = spec.get("type")
    if kind == "object" or "properties" in spec:
        return sample_object(spec, folder, document, depth + 1)
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    if spec.get("format") == "uri":
        return "http://localhost:8080"
    if spec.get("format") == "password":
        return "secret"
    if "region" in name.lower():
        return "us-east-1"
    return name


def _pointer(document: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = document
    for part in (p for p in pointer.split("/") if p):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.resolve().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
