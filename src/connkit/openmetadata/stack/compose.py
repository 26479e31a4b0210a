"""The compose file for one workspace, rendered from ``docker/stack/compose.yml.j2``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from connkit.fsutil import atomic_write_text
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.stack.options import StackOptions
from connkit.resources import docker_dir

COMPOSE_FILE = ".connkit/stack/compose.yml"


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


def render(plan: ComposePlan) -> str:
    opts = plan.options
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
            ingestion="ingestion" in plan.images,
            ports={svc: opts.host_port(svc) for svc in ("database", "search")},
            timeouts=opts.timeouts,
            server_url="",
        )
    )


def write(root: Path, plan: ComposePlan) -> Path:
    path = root / COMPOSE_FILE
    atomic_write_text(path, render(plan))
    return path
