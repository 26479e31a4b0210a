"""Waiting on real health: each service's compose health check (or, without one, a running
container), each with its own deadline. The first service that fails or runs out of time is
named, so the caller can show its log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import docker
from connkit.openmetadata.stack.engine import project_filter

#: The label compose.yml.j2 puts on the server: the mode (ui or no-ui) its image was built in.
MODE_LABEL = "connkit.mode"


@dataclass(frozen=True)
class ServiceState:
    service: str
    container: str
    state: str  # created, running, exited, ...
    health: str  # healthy, unhealthy, starting, or "" without a health check
    exit_code: int
    ports: tuple[str, ...]
    mode: str = ""  # the server's ``connkit.mode`` label: what its image was built with

    @property
    def ready(self) -> bool:
        return self.state == "running" and self.health in ("healthy", "")

    @property
    def broken(self) -> bool:
        return self.state in ("exited", "dead") or self.health == "unhealthy"


def service_states(client: docker.DockerClient, project: str) -> dict[str, ServiceState]:
    states: dict[str, ServiceState] = {}
    for container in client.containers.list(all=True, filters=project_filter(project)):
        attrs = container.attrs
        state = attrs.get("State", {})
        ports: list[str] = []
        for inner, bindings in sorted((attrs.get("NetworkSettings", {}).get("Ports") or {}).items()):
            for b in bindings or []:
                ports.append(f"{b.get('HostIp', '')}:{b.get('HostPort', '')}->{inner}")
        service = container.labels.get("com.docker.compose.service", container.name)
        states[service] = ServiceState(
            service=service,
            container=container.name,
            state=state.get("Status", "unknown"),
            health=(state.get("Health") or {}).get("Status", ""),
            exit_code=int(state.get("ExitCode", 0) or 0),
            ports=tuple(ports),
            mode=container.labels.get(MODE_LABEL, ""),
        )
    return states


@dataclass(frozen=True)
class WaitResult:
    ok: bool
    failed: str = ""  # the service that broke or timed out
    reason: str = ""
    seconds: dict[str, float] | None = None


def wait_healthy(
    client: docker.DockerClient,
    project: str,
    services: list[str],
    timeouts: dict[str, int],
    log: Callable[[str], None],
    poll: float = 0.25,
) -> WaitResult:
    start = time.monotonic()
    pending = list(services)
    took: dict[str, float] = {}
    while pending:
        states = service_states(client, project)
        now = time.monotonic() - start
        for service in list(pending):
            st = states.get(service)
            if st is not None and st.ready:
                took[service] = round(now, 1)
                log(f"{service}: {st.health or st.state} after {now:.0f} s")
                pending.remove(service)
            elif st is not None and st.broken:
                limit = timeouts.get(service, 120)
                why = (
                    f"exited with code {st.exit_code}"
                    if st.state != "running"
                    else f"is unhealthy (its health check kept failing up to its {limit} s deadline)"
                )
                return WaitResult(False, service, why, took)
            elif now > timeouts.get(service, 120):
                seen = "never created" if st is None else f"{st.state}/{st.health or 'no health check'}"
                return WaitResult(
                    False, service, f"not healthy after {timeouts.get(service, 120)} s ({seen})", took
                )
        if pending:
            time.sleep(poll)
    return WaitResult(True, seconds=took)
