"""`connkit scaffold`: render a working connector from Jinja2 templates, all or nothing.

The run reads as its story: validate the options → check the workspace (``preflight``: the
release has the service type, the name is free, the tree is writable) → read the release's
conventions (``conventions``) → render every file in memory and check it (``checks``) →
either show the plan (``dry_run``) or write every file at once with
:func:`connkit.fsutil.apply_all_or_nothing`. Text from flags is data: it reaches templates
only through filters that quote it (``jinja_env``), and rendered output is never rendered again.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from connkit.errors import UsageError
from connkit.fsutil import apply_all_or_nothing
from connkit.openmetadata.scaffold import auth, checks, conventions, preflight, samples
from connkit.openmetadata.scaffold.endpoints import Endpoint, name_methods
from connkit.openmetadata.scaffold.endpoints import parse as parse_endpoint
from connkit.openmetadata.scaffold.jinja_env import IMPORT_LINE_LENGTH, make_environment
from connkit.openmetadata.scaffold.options import ScaffoldOptions
from connkit.openmetadata.scaffold.pyformat import format_python_files
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.workspace import Workspace
from connkit.openmetadata.workspace.framework import Framework
from connkit.openmetadata.workspace.layout import detect_layout

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


#: SQLAlchemy dialects whose URL path names a database (with schemas inside it), unlike MySQL's,
#: whose path names the schema: the connection URL then carries ``databaseName``.
DATABASE_IN_URL = frozenset(
    {
        "postgresql",
        "postgres",
        "redshift",
        "snowflake",
        "mssql",
        "oracle",
        "trino",
        "presto",
        "vertica",
        "db2",
        "ibm_db_sa",
        "cockroachdb",
    }
)


def url_names_database(scheme: str | None) -> bool:
    return bool(scheme) and scheme.split("+", 1)[0].lower() in DATABASE_IN_URL


def sample_config(opts: ScaffoldOptions, auth_schema: auth.AuthSchema) -> dict[str, Any]:
    """A config that satisfies the scaffolded schema (the unit tests build the connection from it)."""
    port = opts.default_port or (5432 if opts.is_sqlalchemy else 8080)
    config: dict[str, Any] = {
        "type": opts.connector.camel,
        "hostPort": f"localhost:{port}" if opts.is_sqlalchemy else f"http://localhost:{port}",
    }
    config.update(auth_schema.sample)
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
    first = list_endpoint(opts)
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
    """One client method per ``--api-endpoints`` entry, list endpoints first among equals.

    The source lists its entities through the first list endpoint; when none was given (or
    only parameterised ones), the service type's default list endpoint is added for that.
    """
    parsed = [parse_endpoint(entry) for entry in opts.api_endpoints]
    if not any(e.lists for e in parsed):
        parsed.insert(0, parse_endpoint(SERVICES[opts.service_type].default_endpoint))
    return name_methods(parsed)


def list_endpoint(opts: ScaffoldOptions) -> Endpoint:
    """The endpoint the source lists its entities through (and test connection probes)."""
    return next(e for e in endpoints(opts) if e.lists)


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


# Where each service type's source keeps its service in the topology context.
SERVICE_CONTEXT = {
    "database": "database_service",
    "dashboard": "dashboard_service",
    "pipeline": "pipeline_service",
    "messaging": "messaging_service",
    "mlmodel": "mlmodel_service",
    "storage": "objectstore_service",
    "search": "search_service",
    "api": "api_service",
}


def context_expression(api: conventions.SourceApi, key: str, attr: str = "fullyQualifiedName") -> str:
    """Python for the name (or FQN) the topology context holds under ``key``.

    Newer releases keep names (``self.context.get().database``); older ones keep the entity
    the sink returned (``self.context.database``), whose ``attr`` holds the string.
    """
    if api.context_names:
        return f"self.context.get().{key}"
    return f"self.context.{key}.{attr}.__root__"


def reference_config(ws: Workspace, service_type: str) -> dict[str, Any]:
    """A valid config of the service type's reference connector, from its schema in this tree."""
    service = SERVICES[service_type]
    camel = str(service.reference_config["type"])
    schema = ws.connection_schema(service_type, camel[:1].lower() + camel[1:])
    return samples.connection_config(schema) or service.reference_config


def ui_utils_file(ws: Workspace, service_type: str) -> str:
    """The UI utils file the connector registers in: the one the tree has (``.tsx`` or ``.ts``)."""
    service = SERVICES[service_type]
    folder = ws.ui_dir / "src" / "utils"
    for ext in (".tsx", ".ts"):
        if (folder / f"{service.ui_utils}{ext}").is_file():
            return ws.rel(folder / f"{service.ui_utils}{ext}")
    return ws.rel(folder / f"{service.ui_utils}{'.tsx' if service.ui_tsx else '.ts'}")


def context(
    ws: Workspace, opts: ScaffoldOptions, paths: dict[str, Path], conv: conventions.Conventions
) -> dict[str, Any]:
    service = SERVICES[opts.service_type]
    fw, api = conv.framework, conv.api
    label = opts.display_name or opts.connector.camel
    auth_schema = auth.build(opts, conv.auth_refs, ws.spec_schema_dir, label)
    layout = detect_layout(ws.root)
    return {
        "fw": fw,
        "api": api,
        "conventions": conv,
        "classic": fw.classic,
        "license": conv.license,
        "import_line_length": 88 if fw.classic else IMPORT_LINE_LENGTH,
        "o": opts,
        "year": datetime.date.today().year,
        "n": opts.connector,
        "service_type": opts.service_type,
        "camel": opts.connector.camel,
        "module": opts.connector.module,
        "name": opts.connector.name,
        "label": label,
        "auth": auth_schema,
        "own_url": opts.is_sqlalchemy and (not auth_schema.common_url or url_names_database(opts.scheme)),
        "url_names_database": url_names_database(opts.scheme),
        "steps": test_steps(opts),
        "endpoints": endpoints(opts) if opts.has_client else (),
        "list_endpoint": list_endpoint(opts) if opts.has_client else None,
        "entity": service.entities,
        "scheme": opts.scheme or f"{opts.connector.name}+py{opts.connector.name}",
        "files": {key: ws.rel(path) for key, path in paths.items()},
        "service_schema": ws.rel(ws.service_schema(opts.service_type)),
        "service_enum": service.enum_member,
        "service_context": SERVICE_CONTEXT[opts.service_type],
        "layout": layout,
        "ui_utils": layout.services[opts.service_type].path or ui_utils_file(ws, opts.service_type),
        "ui_shape": layout.services[opts.service_type].shape,
        "base_offers": lambda method: conv.base_methods is None or method in conv.base_methods,
        "ctx": lambda key, attr="fullyQualifiedName": context_expression(api, key, attr),
        "other": (service.reference, reference_config(ws, opts.service_type), service.source_config),
        "sample_config": sample_config(opts, auth_schema),
        "loader_warning": loader_warning(opts) if loader_name_mismatch(opts) else "",
    }


def render_all(
    ws: Workspace, opts: ScaffoldOptions, override: Path | None
) -> dict[str, tuple[Path, bytes, str]]:
    env = make_environment(override)
    conv = conventions.detect(ws, opts.service_type)
    paths = target_paths(ws, opts, conv.framework)
    ctx = context(ws, opts, paths, conv)
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
        out[relative] = (path, text.encode("utf-8"), template.name or relative)
    sources = {path: data.decode("utf-8") for path, data, _ in out.values() if path.suffix == ".py"}
    formatted = format_python_files(ws, sources)
    return {
        rel: (path, formatted[path].encode("utf-8") if path in formatted else data, name)
        for rel, (path, data, name) in out.items()
    }


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
    preflight.check_service_type(ws, opts)
    preflight.check_auth_types(ws, opts)
    preflight.check_capabilities(ws, opts)
    preflight.check_name_free(ws, opts, force)
    rendered = render_all(ws, opts, override)
    verify_rendered(ws, opts, rendered)
    paths = [path for path, _, _ in rendered.values()]
    preflight.check_files(ws, paths, force)
    extra = gitignore_update(ws)
    preflight.check_writable(ws, paths + ([extra[0]] if extra else []))
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
