"""`stack.*`: the local OpenMetadata stack (upstream's docker/run_local_docker.sh, cached)."""

from __future__ import annotations

from pathlib import Path

from invoke import Collection
from invoke.exceptions import Exit

from connkit.cli._common import connkit_task, split_list
from connkit.errors import UsageError


@connkit_task(
    help={
        "fast": "rebuild only the ingestion image and keep volumes (upstream's -s true -r false)",
        "database": "mysql (MariaDB 10.11) or postgresql (PostgreSQL 15); default: postgresql on a "
        "checkout with server source, else mysql",
        "mode": "ui (upstream's default: the server with the UI built from this checkout) or no-ui "
        "(the API alone, no UI build); with --fast, default: the running server's",
        "no_ingestion": "leave out the ingestion container",
        "no_search": "leave out the search engine (the release's Elasticsearch, else OpenSearch)",
        "debug": "Python dev mode in the ingestion container and full build logs",
        "reset": "wipe the database volumes first (default on a full run, off with --fast)",
        "keep_on_failure": "leave a failed stack running to inspect it",
        "ca_bundle": "PEM bundle builds trust (default: $SSL_CERT_FILE, then $REQUESTS_CA_BUNDLE)",
        "base_image": "a Debian bookworm image you already have, instead of debootstrap + import",
        "ephemeral_ports": "let the engine pick free host ports (still on 127.0.0.1)",
        "timeout": "SERVICE=SECONDS to wait for a service's health "
        "(database 120, search 240, server 600, ingestion 240)",
        "extras": "more extras of ingestion/setup.py for a checkout's ingestion image (comma-separated)",
    },
    iterable=["timeout", "extras"],
)
def up(
    c,
    fast=False,
    database="",
    mode="",
    no_ingestion=False,
    no_search=False,
    debug=False,
    reset=True,
    keep_on_failure=False,
    ca_bundle="",
    base_image="",
    ephemeral_ports=False,
    timeout=None,
    extras=None,
):
    """Build what changed and bring the stack up healthy; on failure show the log and tear down."""
    from connkit.openmetadata.stack import lifecycle
    from connkit.openmetadata.stack.options import StackOptions, parse_timeouts, resolve_ca_bundle
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    options = StackOptions(
        database=database,
        mode=mode,
        ingestion=not no_ingestion,
        search=not no_search,
        debug=debug,
        fast=fast,
        reset=None if reset else False,
        keep_on_failure=keep_on_failure,
        ca_bundle=resolve_ca_bundle(ca_bundle or None),
        base_image=base_image or None,
        ephemeral_ports=ephemeral_ports,
        timeouts=parse_timeouts(split_list(timeout)),
        extras=tuple(split_list(extras)),
    )
    result = lifecycle.up(ws, options)
    print(lifecycle.status_table(lifecycle.status(ws)))
    print(f"stack {result.project} is up: {', '.join(result.services)}")
    if result.server_version:
        print(f"OpenMetadata server {result.server_version.get('version', '?')} answers")
    if result.ui_url:
        print(f"UI: {result.ui_url} (connkit stack.open prints the login and opens a browser)")


@connkit_task(
    help={
        "volumes": "also remove the stack's volumes (database and search data)",
        "images": "also remove this workspace's image tags (their layers stay as build cache)",
    }
)
def down(c, volumes=False, images=False):
    """Stop and remove this workspace's stack (containers and network; volumes with --volumes)."""
    from connkit.openmetadata.stack import lifecycle
    from connkit.openmetadata.workspace import find_workspace

    lifecycle.down(find_workspace(), volumes=volumes, images=images)


@connkit_task(help={"json": "print the services as JSON"})
def status(c, json=False):
    """Show each service of this workspace's stack: state, health and where to reach it."""
    from connkit.openmetadata.stack import lifecycle
    from connkit.openmetadata.workspace import find_workspace

    rows = lifecycle.status(find_workspace())
    if json:
        print(lifecycle.status_json(rows))
    elif rows:
        print(lifecycle.status_table(rows))
    else:
        print("no stack is running for this workspace (stack.up starts one)")


@connkit_task(
    positional=["service"], help={"service": "one service (default: all)", "follow": "keep streaming"}
)
def logs(c, service=None, follow=False):
    """Print the stack's logs (one service or all)."""
    from connkit.openmetadata.stack import lifecycle
    from connkit.openmetadata.workspace import find_workspace

    code = lifecycle.logs(find_workspace(), service or "", follow)
    if code:
        raise Exit(code=code)


@connkit_task(
    help={"name": "the connector (snake_case)", "config": "workflow YAML (default: ingest/NAME.yaml)"}
)
def ingest(c, name="", config=""):
    """Run connector NAME's metadata workflow inside the ingestion container (against the
    stack's server as its ingestion bot, where there is one) and print what it created."""
    from connkit.openmetadata.stack import ingest as stack_ingest
    from connkit.openmetadata.workspace import find_workspace

    if not name:
        raise UsageError("stack.ingest needs --name CONNECTOR")
    ws = find_workspace()
    path = Path(config) if config else stack_ingest.default_ingest_config(ws, name)
    code = stack_ingest.run(ws, name, path)
    if code:
        raise Exit(f"connkit: error: metadata ingest exited with code {code}", code=code)


@connkit_task(help={"no_browser": "only print the URL and the login"})
def open_(c, no_browser=False):
    """Print the running stack's UI URL and login, and open it in a browser where there is one."""
    from connkit.openmetadata.stack import browser
    from connkit.openmetadata.workspace import find_workspace

    found = browser.target(find_workspace())
    for line in found.lines():
        print(line)
    if found.has_ui and not no_browser:
        print(browser.open_url(f"{found.url}/"))


stack_collection = Collection("stack", up, down, status, logs, ingest)
stack_collection.add_task(open_, name="open")
