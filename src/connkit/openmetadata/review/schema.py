"""Schema & registration: the connection schema, the test-connection file, the registrations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema

from connkit.errors import ConnkitError
from connkit.openmetadata import register as registration
from connkit.openmetadata.edit.jsonedit import Node
from connkit.openmetadata.pysource import step_functions
from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.model import Hit, Severity, rule

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
AUTH_FIELDS = {
    "username",
    "token",
    "apiKey",
    "apiToken",
    "authType",
    "personalAccessToken",
    "clientId",
}
AUTH_REFS = ("basicAuth.json", "iamAuthConfig.json", "azureConfig.json", "jwtAuth.json")

# The shape of entity/services/connections/testConnectionDefinition.json, written from its
# documented contract: name and steps required; each step name, mandatory, description.
TEST_CONNECTION_SCHEMA = {
    "type": "object",
    "required": ["name", "steps"],
    "properties": {
        "name": {"type": "string"},
        "displayName": {"type": "string"},
        "description": {"type": "string"},
        "fullyQualifiedName": {"type": "string"},
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "mandatory", "description"],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "errorMessage": {"type": "string"},
                    "shortCircuit": {"type": "boolean"},
                    "mandatory": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def _schema_ok(ctx: ReviewContext) -> bool:
    return ctx.schema.doc is not None and isinstance(ctx.schema.value, dict)


@rule(
    "schema/parse",
    "schema",
    Severity.BLOCKER,
    "Connection schema exists and is valid JSON Schema",
    "Create the connection schema with `connkit scaffold` and keep it valid draft-07 JSON Schema",
)
def schema_parse(ctx: ReviewContext) -> Iterator[Hit]:
    s = ctx.schema
    if s.text is None:
        yield Hit(s.rel, 1, "connection schema is missing")
    elif s.error:
        yield Hit(s.rel, int(re.search(r"line (\d+)", s.error).group(1)), s.error)
    else:
        try:
            jsonschema.Draft7Validator.check_schema(s.value)
        except jsonschema.SchemaError as exc:
            yield Hit(s.rel, 1, f"not a valid JSON Schema: {exc.message}")


@rule(
    "schema/id",
    "schema",
    Severity.BLOCKER,
    "$id names the schema's own path",
    "Set $id to https://open-metadata.org/schema/entity/services/connections/{type}/{module}Connection.json",
)
def schema_id(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    st, module = ctx.connector.service_type, ctx.connector.module
    want = f"https://open-metadata.org/schema/entity/services/connections/{st}/{module}Connection.json"
    got = ctx.schema.value.get("$id")
    if got != want:
        yield Hit(ctx.schema.rel, ctx.schema.line_of("$id"), f"$id is {got!r}, expected {want!r}")


@rule(
    "schema/java-type",
    "schema",
    Severity.BLOCKER,
    "javaType names the generated Java class",
    "Set javaType to org.openmetadata.schema.services.connections.{type}.{Camel}Connection",
)
def schema_java_type(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    n = ctx.connector
    st = ctx.connector.service_type
    want = f"org.openmetadata.schema.services.connections.{st}.{n.camel}Connection"
    got = ctx.schema.value.get("javaType")
    if got != want:
        yield Hit(
            ctx.schema.rel,
            ctx.schema.line_of("javaType"),
            f"javaType is {got!r}, expected {want!r}",
        )


@rule(
    "schema/type-enum",
    "schema",
    Severity.BLOCKER,
    "definitions hold a PascalCase {module}Type enum referenced by `type`",
    'Add definitions.{module}Type {"type": "string", "enum": ["Camel"], "default": "Camel"}',
)
def schema_type_enum(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    module = ctx.connector.module
    rel = ctx.schema.rel
    type_def = (ctx.schema.value.get("definitions") or {}).get(f"{module}Type")
    if not isinstance(type_def, dict):
        yield Hit(rel, ctx.schema.line_of("definitions"), f"definitions.{module}Type is missing")
        return
    values = type_def.get("enum") or []
    line = ctx.schema.line_of("definitions", f"{module}Type", "enum")
    if not values:
        yield Hit(rel, line, f"definitions.{module}Type has no enum")
    for v in values:
        if not isinstance(v, str) or not PASCAL.match(v):
            yield Hit(rel, line, f"type enum value {v!r} is not PascalCase")


@rule(
    "schema/additional-properties",
    "schema",
    Severity.WARNING,
    "additionalProperties is false",
    'Add "additionalProperties": false at the top level of the connection schema',
)
def schema_additional_properties(ctx: ReviewContext) -> Iterator[Hit]:
    if _schema_ok(ctx) and ctx.schema.value.get("additionalProperties") is not False:
        yield Hit(
            ctx.schema.rel,
            ctx.schema.line_of("additionalProperties"),
            "connection schema accepts unknown properties",
        )


def _refs(node: Node) -> Iterator[tuple[str, Node]]:
    if node.kind == "object":
        for m in node.members:
            if m.key == "$ref" and m.value.kind == "string":
                yield m.value.value, m.value
            else:
                yield from _refs(m.value)
    elif node.kind == "array":
        for item in node.items:
            yield from _refs(item)


def _resolve_pointer(doc, pointer: str) -> bool:
    if pointer in ("", "/"):
        return True
    cur = doc
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return False
    return True


@rule(
    "schema/ref-resolves",
    "schema",
    Severity.BLOCKER,
    "Every $ref resolves",
    "Point the $ref at an existing file (relative to the schema) and an existing definition",
)
def schema_refs(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    base = ctx.schema.path.parent
    cache: dict[Path, object] = {}
    for ref, node in _refs(ctx.schema.doc.root):
        if "://" in ref:
            continue
        file_part, _, pointer = ref.partition("#")
        line = ctx.schema.line(node)
        if file_part:
            target = (base / file_part).resolve()
            if target not in cache:
                try:
                    cache[target] = json.loads(target.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    cache[target] = None
            doc = cache[target]
            if doc is None:
                yield Hit(ctx.schema.rel, line, f"$ref {ref!r}: {file_part} does not exist or is not JSON")
                continue
        else:
            doc = ctx.schema.value
        if not _resolve_pointer(doc, pointer):
            yield Hit(ctx.schema.rel, line, f"$ref {ref!r}: #{pointer} is not in the target")


@rule(
    "schema/auth-required",
    "schema",
    Severity.WARNING,
    "Auth fields are required",
    "List the auth fields (username, authType, token...) in the schema's `required`",
)
def schema_auth_required(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    props = ctx.schema.value.get("properties") or {}
    required = set(ctx.schema.value.get("required") or [])
    for name, spec in props.items():
        text = json.dumps(spec)
        if (name in AUTH_FIELDS or any(r in text for r in AUTH_REFS)) and name not in required:
            yield Hit(
                ctx.schema.rel,
                ctx.schema.line_of("properties", name),
                f"auth field {name!r} is not in `required`",
            )


@rule(
    "schema/ssl-config",
    "schema",
    Severity.WARNING,
    "A hostPort URI comes with SSL settings",
    "Add verifySSL ($ref ../../../../security/ssl/verifySSLConfig.json#/definitions/verifySSL) "
    "and sslConfig (...verifySSLConfig.json#/definitions/sslConfig) properties",
)
def schema_ssl(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    props = ctx.schema.value.get("properties") or {}
    host = props.get("hostPort")
    if not (isinstance(host, dict) and host.get("format") == "uri"):
        return
    text = json.dumps(props)
    if "verifySSLConfig.json#/definitions/sslConfig" not in text:
        yield Hit(
            ctx.schema.rel,
            ctx.schema.line_of("properties", "hostPort"),
            "hostPort is a URI but no sslConfig ($ref verifySSLConfig.json) is wired",
        )


@rule(
    "schema/test-connection",
    "schema",
    Severity.BLOCKER,
    "Test-connection definition exists and has the documented shape",
    "Write testConnections/{type}/{module}.json with name and steps (name, description, mandatory)",
)
def test_connection_shape(ctx: ReviewContext) -> Iterator[Hit]:
    tc = ctx.test_connection
    if tc.text is None:
        yield Hit(tc.rel, 1, "test-connection definition is missing")
        return
    if tc.error:
        yield Hit(tc.rel, 1, tc.error)
        return
    validator = jsonschema.Draft7Validator(TEST_CONNECTION_SCHEMA)
    for err in sorted(validator.iter_errors(tc.value), key=lambda e: list(e.path)):
        path = [p for p in err.path]
        yield Hit(tc.rel, tc.line_of(*path), f"{'/'.join(map(str, path)) or 'root'}: {err.message}")


@rule(
    "schema/test-steps-match",
    "schema",
    Severity.BLOCKER,
    "Test-connection steps equal the test_fn keys",
    "Make the step names in testConnections/{type}/{module}.json equal the test_fn keys",
)
def test_steps_match(ctx: ReviewContext) -> Iterator[Hit]:
    conn_py = ctx.source("connection.py")
    steps = (ctx.test_connection.value or {}).get("steps") if ctx.test_connection.doc else None
    if conn_py is None or not isinstance(steps, list):
        return
    found = next(iter(step_functions(conn_py.tree)), None)
    if found is None:
        yield Hit(
            conn_py.rel,
            1,
            "connection.py has no test_fn dict to compare with the steps",
            severity=Severity.WARNING,
        )
        return
    keys, line = set(found.keys), found.line
    names = {s.get("name") for s in steps if isinstance(s, dict)}
    if keys != names:
        missing = sorted(names - keys)
        extra = sorted(keys - names)
        yield Hit(
            conn_py.rel,
            line,
            f"test_fn keys differ from the definition's steps: steps without a function "
            f"{missing}, functions without a step {extra}",
        )


@rule(
    "schema/registered",
    "schema",
    Severity.WARNING,
    "Connector is registered in the service schema, UI and extras",
    "Run `connkit register --name {name}`",
)
def registered(ctx: ReviewContext) -> Iterator[Hit]:
    files = registration.FileSet(ctx.ws)
    try:
        regs = registration.registrations(ctx.ws, ctx.connector, files)
        for reg in regs:
            if not reg.is_present(files):
                what = reg.describe().split(": ", 1)[-1]
                yield Hit(
                    ctx.ws.rel(reg.path),
                    1,
                    f"missing registration: {what}",
                    fix=f"Run `connkit register --name {ctx.connector.name}`",
                )
    except ConnkitError as exc:
        yield Hit(ctx.schema.rel, 1, f"registration cannot be checked: {exc}")
