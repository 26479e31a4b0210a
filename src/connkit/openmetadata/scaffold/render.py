"""`connkit scaffold`: render a working connector from Jinja2 templates, all or nothing.

The run reads as its story: validate the options → check the workspace (name free, tree
writable) → render every file in memory → either show the plan (``dry_run``) or write every
file at once with :func:`connkit.fsutil.apply_all_or_nothing`. Text from flags is data: it
reaches templates only through filters that quote it (``json``, ``pystr``), and rendered
output is never rendered again.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from connkit.errors import UsageError
from connkit.fsutil import apply_all_or_nothing
from connkit.openmetadata.scaffold import checks
from connkit.openmetadata.scaffold.options import ScaffoldOptions
from connkit.openmetadata.scaffold.pyformat import format_python
from connkit.openmetadata.services import SERVICE_TYPES, SERVICES
from connkit.openmetadata.workspace import Workspace
from connkit.openmetadata.workspace.framework import Framework, detect_framework
from connkit.resources import templates_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TEMPLATE_ROOT = "connector"
GITIGNORE_LINE = "**/CONNECTOR_CONTEXT.md"
GITIGNORE_TEMPLATE = "(.gitignore entry)"


@dataclass(frozen=True)
class TestStep:
    """One test-connection step: the JSON definition and the ``test_fn`` key share ``name``."""

    name: str
    description: str
    error_message: str
    mandatory: bool
    short_circuit: bool
    call: str  # what the step does, as a method of the client ("" for SQLAlchemy steps)


@dataclass(frozen=True)
class Endpoint:
    method: str  # client method name, e.g. list_dashboards
    path: str


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    content: bytes
    template: str
    exists: bool

    @property
    def status(self) -> str:
        if self.template == GITIGNORE_TEMPLATE:
            return "update"
        return "overwrite" if self.exists else "create"


@dataclass(frozen=True)
class ScaffoldPlan:
    workspace: Workspace
    options: ScaffoldOptions
    files: tuple[PlannedFile, ...]
    templates_override: Path | None

    def writes(self) -> dict[Path, bytes]:
        return {f.path: f.content for f in self.files}


# A value of each ``authType`` choice (connections/database/common/*.json) for the sample config.
_AUTH_SAMPLES: dict[str, dict[str, Any]] = {
    "basic": {"password": "secret"},
    "iam": {"awsConfig": {"awsRegion": "us-east-1"}},
    "azure": {"azureConfig": {"clientId": "client", "clientSecret": "secret", "tenantId": "tenant"}},
    "jwt": {"jwt": "secret-jwt"},
}


def sample_config(opts: ScaffoldOptions) -> dict[str, Any]:
    """A config that satisfies the scaffolded schema (the unit tests build the connection from it)."""
    port = opts.default_port or (5432 if opts.is_sqlalchemy else 8080)
    config: dict[str, Any] = {
        "type": opts.connector.camel,
        "hostPort": f"localhost:{port}" if opts.is_sqlalchemy else f"http://localhost:{port}",
    }
    auths = opts.auth_types
    alternatives: list[dict[str, Any]] = []
    if opts.service_type == "database":
        alternatives = [_AUTH_SAMPLES[a] for a in auths if a in _AUTH_SAMPLES]
        if alternatives:
            config["username"] = "admin"
        if "token" in auths or "oauth" in auths:
            alternatives.append({"token": "secret-token"})
        flat_ok = not any(a in _AUTH_SAMPLES for a in auths)
    else:
        if "basic" in auths:
            alternatives.append({"username": "admin", "password": "secret"})
        if {"token", "oauth", "jwt"} & set(auths):
            alternatives.append({"token": "secret-token"})
        if "iam" in auths:
            alternatives.append({"awsConfig": {"awsRegion": "us-east-1"}})
        if "azure" in auths:
            alternatives.append(
                {"azureConfig": {"clientId": "client", "clientSecret": "secret", "tenantId": "t"}}
            )
        flat_ok = True
    if len(alternatives) == 1 and flat_ok:
        config.update(alternatives[0])
    elif alternatives:
        config["authType"] = alternatives[0]
    return config


def test_steps(opts: ScaffoldOptions) -> tuple[TestStep, ...]:
    """The steps of the test-connection definition; connection.py's ``test_fn`` uses the same names."""
    label = opts.display_name or opts.connector.camel
    if opts.is_sqlalchemy:
        steps = [
            TestStep(
                "CheckAccess",
                f"Validate that we can connect to {label} with the given credentials.",
                "Failed to connect; check the host, port and credentials.",
                True,
                True,
                "",
            ),
            TestStep(
                "GetSchemas",
                "List all the schemas available to the user.",
                "Failed to list schemas; check the user's privileges.",
                True,
                False,
                "",
            ),
            TestStep(
                "GetTables",
                "List the tables of a schema.",
                "Failed to list tables; check the user's privileges on the schemas.",
                True,
                False,
                "",
            ),
            TestStep(
                "GetViews",
                "List the views of a schema.",
                "Failed to list views; check the user's privileges on the schemas.",
                False,
                False,
                "",
            ),
        ]
        if opts.has("usage") or opts.has("lineage"):
            steps.append(
                TestStep(
                    "GetQueries",
                    "Read the query history used for usage and lineage.",
                    "Failed to read the query history; grant access to it.",
                    False,
                    False,
                    "",
                )
            )
        return tuple(steps)
    service = SERVICES[opts.service_type]
    step_name, what = service.list_step, service.list_words
    first = endpoints(opts)[0]
    return (
        TestStep(
            "CheckAccess",
            f"Validate that the {label} API answers with the given credentials.",
            "Failed to reach the API; check hostPort, the credentials and SSL settings.",
            True,
            True,
            "check_access",
        ),
        TestStep(
            step_name,
            f"{what} through the API.",
            f"Failed to {what.lower()}; check the credentials' permissions.",
            True,
            False,
            first.method,
        ),
    )


def endpoints(opts: ScaffoldOptions) -> tuple[Endpoint, ...]:
    """One ``list_*`` client method per endpoint, named after its last path segment."""
    out: list[Endpoint] = []
    used: set[str] = set()
    for path in opts.api_endpoints:
        segments = [s for s in path.split("/") if s and re.match(r"^[A-Za-z][A-Za-z0-9_-]*$", s)]
        base = re.sub(r"[^a-z0-9]+", "_", (segments[-1] if segments else "items").lower()).strip("_")
        method = f"list_{base or 'items'}"
        candidate, n = method, 2
        while candidate in used:
            candidate, n = f"{method}_{n}", n + 1
        used.add(candidate)
        out.append(Endpoint(candidate, path))
    return tuple(out)


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
    return env


def find_templates_override(ws: Workspace, explicit: str | Path | None) -> Path | None:
    """``--templates DIR``, else ``[tool.connkit] templates`` (workspace first, then the user's)."""
    if explicit:
        path = Path(explicit).expanduser()
        source = "--templates"
    else:
        path, source = _configured_templates(ws)
        if path is None:
            return None
    path = path.resolve()
    if not path.is_dir():
        raise UsageError(f"{source} {path} is not a directory; point it at a folder of override templates")
    return path


def _configured_templates(ws: Workspace) -> tuple[Path | None, str]:
    candidates = [ws.root / "connkit.toml", ws.root / "pyproject.toml", user_config_file()]
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{candidate} is not valid TOML ({exc}); fix or remove it") from None
        table = data if candidate.name == "connkit.toml" else data.get("tool", {}).get("connkit", {})
        value = table.get("templates")
        if value:
            if not isinstance(value, str):
                raise UsageError(f"{candidate}: [tool.connkit] templates must be a path string")
            return (candidate.parent / Path(value).expanduser()), f"templates in {candidate}"
    return None, ""


def user_config_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "connkit" / "pyproject.toml"


def target_paths(ws: Workspace, opts: ScaffoldOptions, fw: Framework | None = None) -> dict[str, Path]:
    """Template (relative to ``connector/``) → where its output goes in the workspace."""
    n, t = opts.connector, opts.service_type
    pkg = ws.source_package(t, n.name)
    files: dict[str, Path] = {
        "schema/connection.json": ws.connection_schema(t, n.module),
        "test_connection.json": ws.test_connection(t, n.module),
        "package/__init__.py": pkg / "__init__.py",
        "package/connection.py": pkg / "connection.py",
        "package/metadata.py": pkg / "metadata.py",
        "CONNECTOR_CONTEXT.md": pkg / "CONNECTOR_CONTEXT.md",
        "tests/unit.py": ws.ingestion_dir / "tests" / "unit" / "topology" / t / f"test_{n.name}.py",
        "tests/connection.py": ws.ingestion_dir
        / "tests"
        / "integration"
        / "connections"
        / f"test_{n.name}_connection.py",
    }
    if fw is None or not fw.classic:  # 1.x frameworks have no ServiceSpec loader
        files["package/service_spec.py"] = pkg / "service_spec.py"
    if opts.has_client:
        files["package/client.py"] = pkg / "client.py"
    else:
        files["package/queries.py"] = pkg / "queries.py"
        if opts.has("lineage") or opts.has("usage"):
            files["package/query_parser.py"] = pkg / "query_parser.py"
        if opts.has("lineage"):
            files["package/lineage.py"] = pkg / "lineage.py"
        if opts.has("usage"):
            files["package/usage.py"] = pkg / "usage.py"
    if opts.docker_image:
        integ = ws.ingestion_dir / "tests" / "integration" / n.name
        files["tests/docker_conftest.py"] = integ / "conftest.py"
        files["tests/docker_test_metadata.py"] = integ / "test_metadata.py"
    return files


def candidate_templates(relative: str, opts: ScaffoldOptions) -> list[str]:
    """Most specific first: ``{type}/{connection}/x``, ``{type}/x``, ``{connection}/x``, ``x``."""
    head, _, tail = relative.rpartition("/")
    prefix = f"{TEMPLATE_ROOT}/{head}/" if head else f"{TEMPLATE_ROOT}/"
    t, c = opts.service_type, opts.connection_type
    return [
        f"{prefix}{t}/{c}/{tail}.j2",
        f"{prefix}{t}/{tail}.j2",
        f"{prefix}{c}/{tail}.j2",
        f"{prefix}{tail}.j2",
    ]


def context(ws: Workspace, opts: ScaffoldOptions, paths: dict[str, Path], fw: Framework) -> dict[str, Any]:
    service = SERVICES[opts.service_type]
    return {
        "fw": fw,
        "classic": fw.classic,
        "import_line_length": 88 if fw.classic else IMPORT_LINE_LENGTH,
        "o": opts,
        "year": datetime.date.today().year,
        "n": opts.connector,
        "service_type": opts.service_type,
        "camel": opts.connector.camel,
        "module": opts.connector.module,
        "name": opts.connector.name,
        "label": opts.display_name or opts.connector.camel,
        "steps": test_steps(opts),
        "endpoints": endpoints(opts),
        "entity": service.entities,
        "scheme": opts.scheme or f"{opts.connector.name}+py{opts.connector.name}",
        "files": {key: ws.rel(path) for key, path in paths.items()},
        "service_schema": ws.rel(ws.service_schema(opts.service_type)),
        "service_enum": service.enum_member,
        "other": (service.reference, service.reference_config, service.source_config),
        "sample_config": sample_config(opts),
        "loader_warning": loader_warning(opts) if loader_name_mismatch(opts) else "",
    }


def render_all(
    ws: Workspace, opts: ScaffoldOptions, override: Path | None
) -> dict[str, tuple[Path, bytes, str]]:
    env = make_environment(override)
    fw = detect_framework(ws.root)
    paths = target_paths(ws, opts, fw)
    ctx = context(ws, opts, paths, fw)
    out: dict[str, tuple[Path, bytes, str]] = {}
    for relative, path in paths.items():
        names = candidate_templates(relative, opts)
        if override is not None:  # a user's template beats every built-in one, however specific
            names = [n for n in names if (override / n).is_file()] + names
        try:
            template = env.select_template(names)
            text = template.render(ctx)
        except jinja2.TemplatesNotFound:
            raise UsageError(
                f"no template for {relative}: add {names[-1]} to your templates folder"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(
                f"template {exc.filename or exc.name} line {exc.lineno} has a syntax error ({exc.message}); "
                "fix the template"
            ) from None
        except jinja2.UndefinedError as exc:
            raise UsageError(
                f"template for {relative} uses an unknown variable ({exc.message}); fix the template"
            ) from None
        if path.suffix == ".json":
            text = _normalise_json(text, template.filename or relative)
        elif path.suffix == ".py":
            text = format_python(ws.root, path, text)
        out[relative] = (path, text.encode("utf-8"), template.name or relative)
    return out


def _normalise_json(text: str, source: str) -> str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"template {source} renders invalid JSON ({exc}); fix the template") from None
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def verify_rendered(
    ws: Workspace, opts: ScaffoldOptions, rendered: dict[str, tuple[Path, bytes, str]]
) -> None:
    """The rendered connector must pass its own checks before a byte is written."""
    problems: list[str] = []
    for _key, (path, data, template) in rendered.items():
        if path.suffix == ".py":
            error = checks.python_compiles(ws.rel(path), data.decode("utf-8"))
            if error:
                problems.append(f"{template}: {error}")
    schema_path, schema_bytes, schema_tmpl = rendered["schema/connection.json"]
    schema = json.loads(schema_bytes)
    problems.extend(f"{schema_tmpl}: {p}" for p in checks.schema_problems(schema))
    problems.extend(f"{schema_tmpl}: {p}" for p in checks.unresolved_refs(schema, ws.spec_schema_dir))
    _, conn_bytes, conn_tmpl = rendered["package/connection.py"]
    definition = json.loads(rendered["test_connection.json"][1])
    if not problems:
        keys = checks.test_fn_keys(conn_bytes.decode("utf-8"))
        names = checks.step_names(definition)
        if keys is None:
            problems.append(f"{conn_tmpl}: no literal test_fn dict")
        elif sorted(keys) != sorted(names):
            problems.append(f"{conn_tmpl}: test_fn keys {keys} differ from the test-connection steps {names}")
        if "package/client.py" in rendered:
            _, client_bytes, client_tmpl = rendered["package/client.py"]
            problems.extend(f"{client_tmpl}: {p}" for p in checks.pagination_problems(client_bytes.decode()))
    if problems:
        raise UsageError(
            f"the rendered connector fails its checks ({'; '.join(problems[:3])}); fix the templates"
        )


def check_service_type(ws: Workspace, opts: ScaffoldOptions) -> None:
    """A release without ``{type}Service.json`` (1.4 has no api services) cannot take the connector."""
    services = ws.spec_schema_dir / "entity" / "services"
    present = [t for t in SERVICE_TYPES if (services / f"{t}Service.json").is_file()]
    if present and opts.service_type not in present:
        raise UsageError(
            f"this workspace's release has no {opts.service_type} services; choose from {', '.join(present)}"
        )


def check_free(ws: Workspace, opts: ScaffoldOptions, paths: list[Path], force: bool) -> None:
    """Refuse to touch a connector that already exists unless ``force``."""
    if force:
        return
    for path in paths:
        if path.exists() or path.is_symlink():
            raise UsageError(
                f"{ws.rel(path)} already exists; choose another --name or pass --force to overwrite"
            )
    pkg = ws.source_package(opts.service_type, opts.connector.name)
    if pkg.exists():
        raise UsageError(f"{ws.rel(pkg)} already exists; choose another --name or pass --force to overwrite")
    service = ws.service_schema(opts.service_type)
    if service.is_file():
        try:
            text = service.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        if re.search(rf'"{re.escape(opts.connector.camel)}"', text):
            raise UsageError(
                f"{opts.connector.camel} is already a {opts.service_type} service type in {ws.rel(service)}; "
                "choose another --name"
            )
    existing = {p.name.lower() for p in ws.connections_dir(opts.service_type).glob("*Connection.json")}
    if f"{opts.connector.module}connection.json".lower() in existing:
        raise UsageError(
            f"a connection schema named like {opts.connector.module}Connection.json already exists "
            "(different case); "
            "choose another --name"
        )


def check_writable(ws: Workspace, paths: list[Path]) -> None:
    """Find an unwritable tree before writing anything (a file where a folder must go, no permission)."""
    for path in paths:
        parent = path.parent
        while not parent.exists():
            if parent.is_symlink():
                raise UsageError(f"{ws.rel(parent)} is a dangling link; remove it or fix the workspace")
            parent = parent.parent
        if not parent.is_dir():
            raise UsageError(f"{ws.rel(parent)} is a file where a folder is needed; move it away and retry")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise UsageError(f"{ws.rel(parent)} is not writable; fix its permissions and retry")
        if path.exists() and (path.is_dir() or not os.access(path, os.W_OK)):
            raise UsageError(f"{ws.rel(path)} cannot be overwritten; remove it or fix its permissions")


def gitignore_update(ws: Workspace) -> tuple[Path, bytes] | None:
    """Keep CONNECTOR_CONTEXT.md out of the workspace's git, as upstream does."""
    path = ws.root / ".gitignore"
    old = path.read_bytes() if path.is_file() else b""
    if b"CONNECTOR_CONTEXT.md" in old:
        return None
    sep = b"" if not old or old.endswith(b"\n") else b"\n"
    return path, old + sep + GITIGNORE_LINE.encode() + b"\n"


def plan(
    ws: Workspace, opts: ScaffoldOptions, *, force: bool = False, templates: str | Path | None = None
) -> ScaffoldPlan:
    """Everything checked and rendered in memory; nothing written."""
    override = find_templates_override(ws, templates)
    if not ws.spec_schema_dir.is_dir():
        raise UsageError(
            f"{ws.rel(ws.spec_schema_dir)} is missing; run scaffold inside an OpenMetadata workspace"
        )
    check_service_type(ws, opts)
    rendered = render_all(ws, opts, override)
    verify_rendered(ws, opts, rendered)
    paths = [path for path, _, _ in rendered.values()]
    check_free(ws, opts, paths, force)
    extra = gitignore_update(ws)
    check_writable(ws, paths + ([extra[0]] if extra else []))
    files = [PlannedFile(path, data, tmpl, path.exists()) for path, data, tmpl in rendered.values()]
    if extra:
        files.append(PlannedFile(extra[0], extra[1], GITIGNORE_TEMPLATE, extra[0].exists()))
    return ScaffoldPlan(ws, opts, tuple(files), override)


def apply(p: ScaffoldPlan) -> None:
    """Write every planned file or none (rolls back on the first failure)."""
    try:
        apply_all_or_nothing(
            p.writes(),
            journal_dir=p.workspace.journal_dir,
            created_dirs_root=p.workspace.root,
            label=f"scaffold of {p.options.connector.name}",
        )
    except OSError as exc:
        raise UsageError(
            f"could not write {exc.filename or 'the connector'} ({exc.strerror or exc}); "
            "nothing was changed, "
            "fix the permissions and retry"
        ) from None


def preview(p: ScaffoldPlan, lines: int = 8) -> str:
    """What ``--dry-run`` prints: each file, its status and size, and its first lines."""
    ws = p.workspace
    out = [
        f"scaffold {p.options.connector.name} ({p.options.service_type}, {p.options.connection_type}): "
        f"{len(p.files)} files would be written, nothing written (dry run)"
    ]
    for f in p.files:
        out.append(f"  {f.status:9} {ws.rel(f.path)}  ({len(f.content)} bytes, {f.template})")
    for f in p.files:
        text = f.content.decode("utf-8", errors="replace").splitlines()
        out.append(f"\n--- {ws.rel(f.path)}")
        out.extend(f"    {line}" for line in text[:lines])
        if len(text) > lines:
            out.append(f"    ... ({len(text) - lines} more lines)")
    return "\n".join(out)


def loader_name_mismatch(opts: ScaffoldOptions) -> bool:
    return opts.connector.name != opts.connector.camel.lower()


def loader_warning(opts: ScaffoldOptions) -> str:
    """Why a snake name with underscores is risky: the framework imports by the lowercased type."""
    n = opts.connector
    return (
        f"the framework finds a connection by its lowercased type ({n.camel} -> {n.camel.lower()}), "
        f"not by the package folder {n.name}/; a workflow run or test connection will not find it. "
        f"Prefer --name {n.camel.lower()}"
    )


def summary(p: ScaffoldPlan) -> str:
    ws, o = p.workspace, p.options
    pkg = ws.rel(ws.source_package(o.service_type, o.connector.name))
    lines = [f"scaffolded {o.connector.camel} ({o.service_type}, {o.connection_type}): {len(p.files)} files"]
    lines.extend(f"  {f.status:9} {ws.rel(f.path)}" for f in p.files)
    if loader_name_mismatch(o):
        lines.append(f"warning: {loader_warning(o)}")
    lines.append(
        f"next: read {pkg}/CONNECTOR_CONTEXT.md, then `connkit register --name {o.connector.name}` "
        "and `connkit run generate`"
    )
    return "\n".join(lines)


def scaffold(
    ws: Workspace,
    opts: ScaffoldOptions,
    *,
    force: bool = False,
    dry_run: bool = False,
    templates: str | Path | None = None,
) -> ScaffoldPlan:
    p = plan(ws, opts, force=force, templates=templates)
    if not dry_run:
        apply(p)
    return p
