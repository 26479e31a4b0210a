"""Checks that a scaffolded connector works before anyone edits it.

``plan`` runs them on the rendered files in memory (so a broken override template is caught
before anything is written); the tests run them, plus ruff, on the files written to disk.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema
import referencing
import referencing.exceptions
import referencing.jsonschema

from connkit.openmetadata.pysource import step_functions

SCHEMA_BASE = "https://open-metadata.org/schema/"


def python_compiles(path: str, source: str) -> str | None:
    try:
        compile(source, path, "exec")
    except SyntaxError as exc:
        return f"{path}:{exc.lineno}: {exc.msg}"
    return None


def schema_problems(schema: Mapping[str, Any]) -> list[str]:
    """The connection schema is valid draft-07 JSON Schema with OpenMetadata's required shape."""
    problems: list[str] = []
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        problems.append(f"not valid JSON Schema: {exc.message}")
    for key in ("$id", "title", "javaType", "definitions", "properties", "required"):
        if key not in schema:
            problems.append(f"missing {key}")
    if schema.get("additionalProperties") is not False:
        problems.append("additionalProperties must be false")
    return problems


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def spec_registry(schema_root: Path) -> referencing.Registry:
    """Schemas by their ``https://open-metadata.org/schema/...`` ids, read from ``schema_root``."""

    def retrieve(uri: str) -> referencing.Resource:
        if not uri.startswith(SCHEMA_BASE):
            raise referencing.exceptions.NoSuchResource(ref=uri)
        try:
            contents = json.loads((schema_root / uri[len(SCHEMA_BASE) :]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise referencing.exceptions.NoSuchResource(ref=uri) from exc
        return referencing.jsonschema.DRAFT7.create_resource(contents)

    return referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """The spec's patterns are Java's: ``(?U)`` makes classes Unicode-aware, which Python's str
    patterns are already (and Python refuses the flag where Java puts it, after ``^``)."""
    return _DRAFT7_PATTERN(validator, pattern.replace("(?U)", ""), instance, schema)


_DRAFT7_PATTERN = jsonschema.Draft7Validator.VALIDATORS["pattern"]
_SpecValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


def validation_errors(instance: Any, schema: Mapping[str, Any], schema_root: Path) -> list[str]:
    """``instance`` checked against ``schema`` (draft-07), its ``$ref``s followed into the tree."""
    validator = _SpecValidator(schema, registry=spec_registry(schema_root))
    return [error.message for error in validator.iter_errors(instance)]


def unresolved_refs(
    schema: Mapping[str, Any], schema_root: Path, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """Every ``$ref`` (followed through the files it reaches) resolves inside ``schema_root``.

    Documents are retrieved by mapping ``https://open-metadata.org/schema/...`` onto the
    workspace's schema folder; ``extra`` holds not-yet-written documents by URI.
    """
    extra = dict(extra or {})

    def load(uri: str) -> Any:
        if uri in extra:
            return extra[uri]
        if not uri.startswith(SCHEMA_BASE):
            raise referencing.exceptions.NoSuchResource(ref=uri)
        path = schema_root / uri[len(SCHEMA_BASE) :]
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise referencing.exceptions.NoSuchResource(ref=uri) from exc

    def retrieve(uri: str) -> referencing.Resource:
        return referencing.jsonschema.DRAFT7.create_resource(load(uri))

    base = str(schema.get("$id") or SCHEMA_BASE + "schema.json")
    extra[base] = schema
    registry: referencing.Registry = referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]
    problems: list[str] = []
    seen: set[str] = {base}
    queue: list[tuple[str, Any]] = [(base, schema)]
    while queue:
        doc_uri, doc = queue.pop()
        for ref in _refs(doc):
            try:
                registry.resolver(base_uri=doc_uri).lookup(ref)
            except referencing.exceptions.Unresolvable:
                shown = doc_uri[len(SCHEMA_BASE) :] if doc_uri.startswith(SCHEMA_BASE) else doc_uri
                problems.append(f"{ref} (in {shown}) does not resolve")
                continue
            file_uri = urldefrag(urljoin(doc_uri, ref))[0]
            if file_uri and file_uri not in seen:
                seen.add(file_uri)
                queue.append((file_uri, load(file_uri)))
    return problems


def referenced_files(schema_file: Path, schema_root: Path) -> set[Path]:
    """``schema_file`` and every schema file its ``$ref`` chain reaches (for generating one model)."""
    out: set[Path] = set()
    queue = [schema_file.resolve()]
    root = schema_root.resolve()
    while queue:
        path = queue.pop()
        if path in out or not path.is_file():
            continue
        out.add(path)
        doc = json.loads(path.read_text(encoding="utf-8"))
        for ref in _refs(doc):
            target = urldefrag(ref)[0]
            if target and "://" not in target:
                candidate = (path.parent / target).resolve()
                if candidate.is_relative_to(root):
                    queue.append(candidate)
    return out


def test_fn_keys(source: str) -> list[str] | None:
    """The keys of the ``test_fn = {...}`` dict literal in connection.py (None when there is none)."""
    return next((list(d.keys) for d in step_functions(ast.parse(source)) if d.literal), None)


def step_names(definition: Mapping[str, Any]) -> list[str]:
    return [step.get("name") for step in definition.get("steps", [])]


def pagination_problems(client_source: str) -> list[str]:
    """A REST client keeps one ``requests.Session`` and calls it inside a loop that advances a page."""
    tree = ast.parse(client_source)
    problems: list[str] = []
    session_made = any(
        isinstance(n, ast.Attribute)
        and n.attr == "Session"
        and isinstance(n.value, ast.Name)
        and n.value.id == "requests"
        for n in ast.walk(tree)
    )
    if not session_made:
        problems.append("client does not create a requests.Session")
    loops_over_session = False
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "paginate"):
        for loop in (n for n in ast.walk(func) if isinstance(n, (ast.For, ast.While))):
            calls = [n for n in ast.walk(loop) if isinstance(n, ast.Call)]
            advances = any(isinstance(n, ast.AugAssign) for n in ast.walk(loop))
            fetches = any(
                isinstance(c.func, ast.Attribute) and c.func.attr in ("get_json", "get") for c in calls
            )
            if advances and fetches:
                loops_over_session = True
    if not loops_over_session:
        problems.append("client has no paginate() loop that fetches pages and advances the offset")
    gets = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "get"
        and isinstance(n.func.value, ast.Attribute)
        and n.func.value.attr == "session"
    ]
    if not gets:
        problems.append("client never calls self.session.get")
    if "requests.get(" in client_source or "requests.post(" in client_source:
        problems.append("client calls requests.get/post directly instead of the shared session")
    return problems
