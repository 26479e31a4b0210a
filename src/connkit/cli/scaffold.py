"""``connkit scaffold``: a working connector from templates, written all at once or not at all."""

from __future__ import annotations

import sys

from connkit.cli._common import connkit_task, split_list

HELP = {
    "name": "connector name, snake_case (^[a-z][a-z0-9_]*$), e.g. my_db; becomes MyDb / myDb",
    "service_type": "database, dashboard, pipeline, messaging, mlmodel, storage, search or api (those the "
    "workspace's release has: see `connkit workspace.info`)",
    "connection_type": "sqlalchemy (database only; the database default), rest_api (default otherwise) "
    "or sdk_client",
    "scheme": "SQLAlchemy driver scheme, e.g. mysql+pymysql (sqlalchemy only; default NAME+pyNAME)",
    "default_port": "the service's usual port (used in docs, sample configs and as --docker-port default)",
    "auth_types": "basic, iam, azure, jwt, token, oauth; comma- or space-separated, or repeated "
    "(default basic)",
    "capabilities": "metadata, lineage, usage, profiler, stored_procedures, data_diff; comma- or "
    "space-separated, or repeated (default metadata; usage/profiler/data_diff need sqlalchemy)",
    "display_name": "human name shown in CONNECTOR_CONTEXT.md and the test-connection definition",
    "description": "description for the connection schema",
    "docs_url": "vendor documentation URL (http/https)",
    "sdk_package": "importable SDK module for --connection-type sdk_client, e.g. google.cloud.storage",
    "api_endpoints": "API endpoints, METHOD /path or /path (GET, POST, PUT, PATCH, DELETE; path parameters "
    ":id or {id}); comma-separated or repeated; one client method each, list endpoints (GET, no "
    "parameter) paginated",
    "docs_notes": "notes copied verbatim into CONNECTOR_CONTEXT.md (any text; written literally)",
    "docker_image": "image for an integration test with testcontainers, e.g. postgres:16",
    "docker_port": "port the --docker-image listens on (default --default-port)",
    "dry_run": "list the files that would be written, with a preview; write nothing",
    "force": "overwrite files that already exist (otherwise an existing file is never touched)",
    "templates": "folder of override templates laid out like connkit's templates/ "
    "(e.g. DIR/connector/CONNECTOR_CONTEXT.md.j2); default "
    "[tool.connkit] templates in the workspace's or ~/.config/connkit/pyproject.toml",
}

_VALUE_FLAGS = (
    "name",
    "service_type",
    "connection_type",
    "scheme",
    "default_port",
    "display_name",
    "description",
    "docs_url",
    "sdk_package",
    "docs_notes",
    "docker_image",
    "docker_port",
)


@connkit_task(
    help=HELP,
    iterable=["auth_types", "capabilities", "api_endpoints"],
    multi_value=("auth_types", "capabilities"),
    auto_shortflags=False,
)
def scaffold(
    c,
    name=None,
    service_type=None,
    connection_type=None,
    scheme=None,
    default_port=None,
    auth_types=None,
    capabilities=None,
    display_name=None,
    description=None,
    docs_url=None,
    sdk_package=None,
    api_endpoints=None,
    docs_notes=None,
    docker_image=None,
    docker_port=None,
    dry_run=False,
    force=False,
    templates=None,
):
    """Scaffold a new connector: schema, test-connection steps, package, tests, CONNECTOR_CONTEXT.md.

    Without flags on a terminal it asks the questions instead. Every input is validated and
    every file rendered before anything is written; bad input exits 2 and changes nothing.
    """
    from connkit.errors import UsageError
    from connkit.openmetadata.scaffold import render as sc
    from connkit.openmetadata.scaffold.options import REQUIRED_FLAGS, build_options
    from connkit.openmetadata.workspace import find_workspace

    raw = {key: value for key, value in locals().items() if key in _VALUE_FLAGS}
    lists = {
        "auth_types": split_list(auth_types),
        "capabilities": split_list(capabilities),
        "api_endpoints": split_list(api_endpoints),
    }
    ws = find_workspace()
    interactive = all(v is None for v in raw.values()) and not any(lists.values())
    if interactive:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(
                f"no flags and no terminal to ask on: pass at least {' and '.join(REQUIRED_FLAGS)} "
                "(see `connkit scaffold --help`)"
            )
        from connkit.openmetadata.scaffold.conventions import service_types
        from connkit.openmetadata.scaffold.preflight import available_auth_types
        from connkit.openmetadata.scaffold.prompt import ask_options

        answers = ask_options(
            service_types=service_types(ws),
            auth_types=lambda service_type: available_auth_types(ws, service_type),
        )
        lists = {k: answers.pop(k, []) or [] for k in lists}
        raw.update(answers)
    opts = build_options(**raw, **lists)
    if interactive and not dry_run:
        from rich.prompt import Confirm

        from connkit.openmetadata.scaffold.prompt import equivalent_command

        planned = sc.plan(ws, opts, force=force, templates=templates)
        print(f"the same as: {equivalent_command({**raw, **lists}, force=force)}")
        for f in planned.files:
            print(f"  {f.status:9} {ws.rel(f.path)}")
        if not Confirm.ask(f"Write these {len(planned.files)} files?", default=True):
            print("nothing written")
            return
        sc.apply(planned)
        print(sc.summary(planned))
        return
    result = sc.scaffold(ws, opts, force=force, dry_run=dry_run, templates=templates)
    print(sc.preview(result) if dry_run else sc.summary(result))
