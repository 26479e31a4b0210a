"""`stack.ingest --name N`: the connector's metadata workflow, run inside the ingestion container.

Against a stack with a server (a checkout), the workflow talks to that server as its ingestion
bot: connkit reads the bot's JWT through the server's API (it differs per fresh database) and
writes it, with the server's address on the stack's network, into the workflow it runs — the
workspace's own ``ingest/NAME.yaml`` keeps no token. Afterwards it lists what the service
holds and prints what the run created.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from connkit.errors import UsageError
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.services import SERVICE_TYPES
from connkit.openmetadata.stack import compose, health, server_api
from connkit.openmetadata.stack.engine import docker_client
from connkit.openmetadata.stack.lifecycle import _compose_argv, server_url
from connkit.openmetadata.stack.options import project_name
from connkit.openmetadata.workspace import Workspace

INGEST_DIR = ".connkit/stack/ingest"
#: The server as the ingestion container reaches it on the stack's network.
SERVER_IN_STACK = "http://server:8585/api"


def service_type_of(ws: Workspace, name: str) -> str | None:
    return next((t for t in SERVICE_TYPES if ws.source_package(t, name).is_dir()), None)


def default_ingest_config(ws: Workspace, name: str) -> Path:
    """``ingest/NAME.yaml`` in the workspace, else a minimal workflow rendered for NAME."""
    own = ws.root / "ingest" / f"{name}.yaml"
    if own.is_file():
        return own
    service_type = service_type_of(ws, name)
    if service_type is None:
        raise UsageError(
            f"no connector {name!r} under ingestion/src/metadata/ingestion/source/: scaffold it first "
            "or pass --config FILE"
        )
    path = ws.root / INGEST_DIR / f"{name}.yaml"
    atomic_write_text(path, compose.render_ingest_config(Connector.named(name, service_type)))
    return path


def with_server(config_text: str, token: str, source: Path) -> tuple[str, dict]:
    """The workflow with its server set to the stack's, authenticated as the ingestion bot."""
    try:
        data = yaml.safe_load(config_text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{source} is not valid YAML ({exc}); fix it") from None
    if not isinstance(data, dict) or not isinstance(data.get("source"), dict):
        raise UsageError(f"{source} has no `source:` section; it must be a metadata workflow")
    workflow = data.setdefault("workflowConfig", {}) or {}
    data["workflowConfig"] = workflow
    server = workflow.get("openMetadataServerConfig") or {}
    server.update({"hostPort": SERVER_IN_STACK, "authProvider": "openmetadata"})
    server["securityConfig"] = {"jwtToken": token}
    workflow["openMetadataServerConfig"] = server
    return yaml.safe_dump(data, sort_keys=False), data


def run(ws: Workspace, name: str, config: Path) -> int:
    """Copy the workflow into the ingestion container, run `metadata ingest` there, report."""
    argv = _compose_argv(ws)
    states = health.service_states(docker_client(), project_name(ws))
    if "ingestion" not in states or not states["ingestion"].ready:
        raise UsageError(
            "the ingestion container is not running: run stack.up (without --no-ingestion) first"
        )
    if not config.is_file():
        raise UsageError(f"--config {config}: no such file")
    text = config.read_text(encoding="utf-8")
    server = None
    before: list[str] = []
    data: dict = {}
    service_type = service_type_of(ws, name)
    if "server" in states and states["server"].ready:
        server = server_url(ws)
        admin = server_api.admin_token(server)
        text, data = with_server(text, server_api.bot_token(server, admin), config)
        service = str(data["source"].get("serviceName", ""))
        if service_type and service:
            before = server_api.entities(server, admin, service_type, service)
        print(f"stack.ingest: {name} against {server.url} as {server_api.BOT}", file=sys.stderr, flush=True)
    run_file = ws.root / INGEST_DIR / f"{name}.run.yaml"
    atomic_write_text(run_file, text)
    target = f"/tmp/connkit-ingest-{name}.yaml"
    subprocess.run([*argv, "cp", str(run_file), f"ingestion:{target}"], check=True, capture_output=True)
    code = subprocess.call([*argv, "exec", "-T", "ingestion", "metadata", "ingest", "-c", target])
    if server is not None and code == 0 and service_type:
        service = str(data["source"].get("serviceName", ""))
        after = server_api.entities(server, server_api.admin_token(server), service_type, service)
        report(service, before, after)
    return code


def report(service: str, before: list[str], after: list[str]) -> None:
    created = [n for n in after if n not in set(before)]
    print(f"{service}: {len(created)} created, {len(after) - len(created)} already there")
    for fqn in created:
        print(f"  created {fqn}")
