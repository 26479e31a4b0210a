"""Schema & registration: the connection schema, the test-connection file, the registrations."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema

from connkit.errors import ConnkitError
from connkit.openmetadata import register as registration
from connkit.openmetadata.edit import tsedit
from connkit.openmetadata.edit.jsonedit import Node
from connkit.openmetadata.pysource import plugins_dict
from connkit.openmetadata.review import extras, stepkeys
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


def _type_definition(ctx: ReviewContext) -> str:
    """The definition ``properties.type`` refers to, else scaffold's ``{module}Type``.

    Upstream names it freely (1.1: ``AirbyteType``, ``mySQLType``, ``bigqueryType`` beside
    ``mysqlConnection.json``); the generators only follow the ``$ref``, so the review does too.
    """
    props = ctx.schema.value.get("properties")
    prop = props.get("type") if isinstance(props, dict) else None
    ref = prop.get("$ref") if isinstance(prop, dict) else None
    if isinstance(ref, str) and ref.startswith("#/definitions/") and ref.count("/") == 2:
        return ref.rsplit("/", 1)[1]
    return f"{ctx.connector.module}Type"


@rule(
    "schema/type-enum",
    "schema",
    Severity.BLOCKER,
    "`type` refers to a PascalCase enum in definitions",
    'Add definitions.{module}Type {"type": "string", "enum": ["Camel"], "default": "Camel"} '
    'and point properties.type at it ("$ref": "#/definitions/{module}Type")',
)
def schema_type_enum(ctx: ReviewContext) -> Iterator[Hit]:
    if not _schema_ok(ctx):
        return
    rel = ctx.schema.rel
    name = _type_definition(ctx)
    definitions = ctx.schema.value.get("definitions")
    type_def = definitions.get(name) if isinstance(definitions, dict) else None
    if not isinstance(type_def, dict):
        yield Hit(
            rel,
            ctx.schema.line_of("definitions"),
            f"definitions.{name} is missing (the enum properties.type refers to)",
        )
        return
    values = type_def.get("enum") or []
    line = ctx.schema.line_of("definitions", name, "enum")
    if not values:
        yield Hit(rel, line, f"definitions.{name} has no enum")
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
    noise=(
        "services that allow anonymous access keep their auth optional on purpose (1.1: sqlite, "
        "clickhouse, hive, impala, dagster and airbyte open-source)"
    ),
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
    found = stepkeys.connection_steps(conn_py.tree, ctx.ws.ingestion_dir / "src")
    if found is None:
        yield Hit(
            conn_py.rel,
            1,
            "connection.py builds no test_fn dict, and no helper it calls does: nothing to "
            "compare with the steps",
            severity=Severity.WARNING,
        )
        return
    names = {s.get("name") for s in steps if isinstance(s, dict)}
    if found.keys != names:
        missing = sorted(names - found.keys)
        extra = sorted(found.keys - names)
        via = f" (built by {found.via}())" if found.via else ""
        yield Hit(
            conn_py.rel,
            found.line,
            f"test_fn keys{via} differ from the definition's steps: steps without a function "
            f"{missing}, functions without a step {extra}",
        )


@rule(
    "schema/registered",
    "schema",
    Severity.WARNING,
    "Connector is registered in the service schema, UI and extras",
    "Run `connkit register --name {name}`",
    noise=(
        "whether a connector needs an extra is judged from its imports against the requirement "
        "names in setup.py; a module only a dependency installs (botocore with boto3) is not seen"
    ),
)
def registered(ctx: ReviewContext) -> Iterator[Hit]:
    files = registration.FileSet(ctx.ws)
    try:
        regs = registration.registrations(ctx.ws, ctx.connector, files)
        for reg in regs:
            if reg.is_present(files):
                continue
            if isinstance(reg, registration.SetupExtra):
                yield from _extra_hits(ctx, reg)
                continue
            if isinstance(reg, registration.UiSchemaEntry) and _ui_case_present(reg, files):
                continue
            what = reg.describe().split(": ", 1)[-1]
            yield Hit(
                ctx.ws.rel(reg.path),
                1,
                f"missing registration: {what}",
                fix=f"Run `connkit register --name {ctx.connector.name}`",
            )
    except ConnkitError as exc:
        yield Hit(ctx.schema.rel, 1, f"registration cannot be checked: {exc}")


def _ui_case_present(reg: registration.UiSchemaEntry, files: registration.FileSet) -> bool:
    """The enum member has its case (or loader entry), whatever it imports the schema from:
    1.1's superset reads a hand-edited ``./ConnectionSchemas/SupersetConnection.json``."""
    try:
        return tsedit.presence(files.text(reg.path).encode("utf-8"), reg.entry, reg.tsx).entry
    except tsedit.TsEditError:
        return False


def _extra_hits(ctx: ReviewContext, reg: registration.SetupExtra) -> Iterator[Hit]:
    """A missing extra matters only when the connector imports what no extra installs."""
    reqs = extras.read_setup(reg.path)
    conn = ctx.connector
    if reqs is None or extras.extra_key(reqs, (conn.name, conn.module, conn.camel)):
        return
    imports = extras.third_party_imports([f.tree for f in ctx.sources])
    needed = extras.uninstalled(reqs, extras.not_in_base(reqs, imports))
    if needed:
        yield Hit(
            ctx.ws.rel(reg.path),
            _plugins_line(reg.path),
            f"missing registration: plugins[{reg.extra!r}] extra: the connector imports "
            f"{', '.join(needed)}, which no requirement in setup.py (base or any extra) installs by name",
            fix=f"Run `connkit register --name {conn.name}` and list the packages in its extra",
        )


def _plugins_line(setup_py: Path) -> int:
    try:
        found = plugins_dict(ast.parse(setup_py.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, ValueError):
        return 1
    return found.lineno if found is not None else 1
