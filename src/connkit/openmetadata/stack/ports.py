"""Host ports the stack publishes on 127.0.0.1: is each free, and if not, who holds it.

Checked before anything starts, so a taken port is one clear line and nothing to clean up,
rather than a half-started stack and compose's "address already in use" for one service.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import docker

HOST = "127.0.0.1"


@dataclass(frozen=True)
class TakenPort:
    service: str
    port: int
    holder: str  # "container X (compose project P)", "process NAME (pid N)", or "another process"

    def message(self) -> str:
        return (
            f"port {HOST}:{self.port} (the {self.service}'s) is already taken by {self.holder}: stop it, "
            "or run stack.up --ephemeral-ports to let the engine pick free ports"
        )


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _container_holding(client: docker.DockerClient, port: int) -> str:
    for container in client.containers.list():
        for bindings in (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).values():
            for b in bindings or []:
                if str(b.get("HostPort")) == str(port):
                    project = container.labels.get("com.docker.compose.project")
                    return f"container {container.name}" + (
                        f" (compose project {project})" if project else ""
                    )
    return ""


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (any address), from /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _process_holding(port: int) -> str:
    inodes = _listening_inodes(port)
    if not inodes:
        return ""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = Path("/proc") / pid / "fd"
        try:
            links = {os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            try:
                name = (Path("/proc") / pid / "comm").read_text().strip()
            except OSError:
                name = "?"
            return f"process {name} (pid {pid})"
    return ""


def holder(client: docker.DockerClient, port: int) -> str:
    return (
        _container_holding(client, port)
        or _process_holding(port)
        or "another process (not visible to connkit)"
    )


def first_taken(client: docker.DockerClient, published: dict[str, list[str]]) -> TakenPort | None:
    """The first published port that is not free, with who holds it."""
    for service, ports in published.items():
        for port in ports:
            if port and not is_free(int(port)):
                return TakenPort(service, int(port), holder(client, int(port)))
    return None
