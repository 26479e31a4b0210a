"""The compose file for one workspace, rendered from ``docker/stack/compose.yml.j2``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jinja2

from connkit.fsutil import atomic_write_text
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.stack.options import StackOptions
from connkit.resources import docker_dir

COMPOSE_FILE = ".connkit/stack/compose.yml"
PORTED = ("database", "search", "server", "server-admin", "server-debug", "ingestion")


@dataclass(frozen=True)
class ComposePlan:
    project: str
    images: dict[str, str]  # service -> image tag
    options: StackOptions

    @property
    def services(self) -> list[str]:
        return list(self.images)


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(docker_dir() / "stack")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_ingest_config(connector: Connector) -> str:
    """A minimal metadata workflow for ``connector`` against the stack's server URL."""
    return (
        _env()
        .get_template("ingest.yaml.j2")
        .render(connector=connector, source_config=SERVICES[connector.service_type].source_config)
    )


def _compose_value(value: str) -> str:
    """A literal environment value for compose: ``$`` escaped, then quoted as JSON (valid YAML)."""
    return json.dumps(value.replace("$", "$$"))


def server_environment(options: StackOptions) -> dict[str, str]:
    release = options.release
    if release is None:
        return {}
    env = release.server_env(options.database)
    if options.debug:
        env["OPENMETADATA_DEBUG"] = "true"
    return env


def render(plan: ComposePlan) -> str:
    opts = plan.options
    search_kind = opts.release.search.kind if opts.release and opts.release.search else "opensearch"
    return (
        _env()
        .get_template("compose.yml.j2")
        .render(
            project=plan.project,
            images=plan.images,
            database=opts.database,
            mode=opts.mode,
            debug=opts.debug,
            search="search" in plan.images,
            search_data=f"/usr/share/{search_kind}/data",
            server="server" in plan.images,
            server_env={k: _compose_value(v) for k, v in server_environment(opts).items()},
            ingestion="ingestion" in plan.images,
            airflow=bool(opts.airflow),
            ports={svc.replace("-", "_"): opts.host_port(svc) for svc in PORTED},
            timeouts=opts.timeouts,
            server_url="http://server:8585/api" if "server" in plan.images else "",
        )
    )


def write(root: Path, plan: ComposePlan) -> Path:
    path = root / COMPOSE_FILE
    atomic_write_text(path, render(plan))
    return path
