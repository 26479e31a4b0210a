"""The stack's commands, read top to bottom as one run:
images (cached steps) → compose file → compose up → wait on health → on failure: the failing
service's log, tear down, exit non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker.errors
from python_on_whales.exceptions import DockerException

from connkit.errors import ConnkitError, UsageError
from connkit.fsutil import atomic_write_text
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.services import SERVICE_TYPES
from connkit.openmetadata.stack import compose, health, images
from connkit.openmetadata.stack import steps as stack_steps
from connkit.openmetadata.stack.engine import compose_client, docker_client, project_filter
from connkit.openmetadata.stack.options import StackOptions, project_name
from connkit.openmetadata.workspace import Workspace

LOG_TAIL = 50

#: The OpenMetadata server cannot be assembled on a machine whose Maven repository lacks
#: org.open-metadata:openmetadata-service (evidence in docs/stack.md).
SERVER_NOTE = (
    "OpenMetadata server: not started (org.open-metadata:openmetadata-service is not served by the "
    "reachable Maven repository; the stack runs without it)"
)


@dataclass
class UpResult:
    project: str
    services: list[str]
    steps: object  # connkit.engine.results.RunResult of the image steps
    health_seconds: dict[str, float]


def _say(text: str) -> None:
    print(f"stack: {text}", file=sys.stderr, flush=True)


def _compose_file(ws: Workspace) -> Path:
    return ws.root / compose.COMPOSE_FILE


def _has_project(project: str) -> bool:
    client = docker_client()
    return bool(
        client.containers.list(all=True, filters=project_filter(project))
        or client.volumes.list(filters=project_filter(project))
        or client.networks.list(filters=project_filter(project))
    )


def _run_image_steps(ws: Workspace, options: StackOptions, reporter, force: tuple[str, ...] = ()):
    from connkit.engine import driver
    from connkit.engine.options import RunOptions
    from connkit.engine.results import Status

    all_steps = stack_steps.steps(ws, options)
    targets = ["stack.image.ingestion"] if options.fast else stack_steps.image_step_ids(options)
    run_options = RunOptions(force=bool(force), logs="new")
    result = driver.run(ws, all_steps, list(force) or targets, run_options, reporter=reporter)
    if not result.ok:
        failed = next(s for s in result.steps if s.status is Status.FAILED)
        raise ConnkitError(f"{failed.id} failed: {failed.message}")
    return result


def _image_ids(ws: Workspace, options: StackOptions) -> dict[str, str | None]:
    names = {"base": "base", "database": stack_steps.database_image_name(options)}
    if options.search:
        names["search"] = "search"
    if options.ingestion:
        names["ingestion"] = "ingestion"
    return {svc: images.read_id_file(ws.root / stack_steps.id_file(name)) for svc, name in names.items()}


def ensure_images(ws: Workspace, options: StackOptions, reporter=None) -> tuple[object, dict[str, str]]:
    """Run the image steps; rebuild any image whose recorded id the engine no longer has."""
    from connkit.engine.report import ConsoleReporter

    reporter = reporter or ConsoleReporter(logs="new")
    client = docker_client()
    if options.fast:
        missing = [svc for svc, i in _image_ids(ws, options).items() if svc != "ingestion" and not i]
        if missing:
            raise UsageError(
                f"--fast needs the images a full run builds ({', '.join(missing)}): run stack.up first"
            )
    result = _run_image_steps(ws, options, reporter)
    ids = _image_ids(ws, options)
    gone = [svc for svc, i in ids.items() if i and not images.image_exists(client, i) or not i]
    if gone:
        step_names = {"database": stack_steps.database_image_name(options)}
        force = tuple(f"stack.image.{step_names.get(s, s)}" for s in gone)
        _say(f"the engine lost image(s) {', '.join(gone)}: rebuilding")
        result = _run_image_steps(ws, options, reporter, force=force)
        ids = _image_ids(ws, options)
    tags: dict[str, str] = {}
    for svc, image_id in ids.items():
        if svc == "base" or image_id is None:
            continue
        name = stack_steps.database_image_name(options) if svc == "database" else svc
        tag = stack_steps.image_tag(ws, name)
        repo, _, label = tag.rpartition(":")
        client.images.get(image_id).tag(repo, label)
        tags[svc] = tag
    return result, tags


def service_log(ws: Workspace, service: str, lines: int = LOG_TAIL) -> str:
    dc = compose_client(_compose_file(ws), project_name(ws))
    try:
        return dc.compose.logs([service], tail=str(lines), no_log_prefix=True)
    except DockerException as exc:
        return f"(no log: {exc.stderr or exc})"


def up(ws: Workspace, options: StackOptions, log: Callable[[str], None] = _say) -> UpResult:
    project = project_name(ws)
    docker_client()  # fail early, in one line, without an engine
    log(SERVER_NOTE)  # --mode (ui / no-ui) applies to the server alone
    if not options.fast and _has_project(project):
        log(
            f"stopping the running stack {project}"
            + (" and wiping its volumes" if options.wipe_volumes else "")
        )
        down(ws, volumes=options.wipe_volumes, log=lambda _: None)
    elif options.fast and options.reset and _has_project(project):
        down(ws, volumes=True, log=lambda _: None)
    previous = {svc: i for svc, i in _image_ids(ws, options).items() if i}
    step_result, tags = ensure_images(ws, options)
    plan = compose.ComposePlan(project, tags, options)
    path = compose.write(ws.root, plan)
    dc = compose_client(path, project)
    log(f"compose up {project}: {', '.join(plan.services)}")
    up_error = ""
    try:
        dc.compose.up(detach=True, remove_orphans=True, quiet=True, pull="never")
    except DockerException as exc:
        up_error = (exc.stderr or str(exc)).strip().splitlines()[-1:] or [""]
        up_error = up_error[0]
    waited = health.wait_healthy(docker_client(), project, plan.services, options.timeouts, log)
    if waited.ok and not up_error:
        _drop_replaced(previous, _image_ids(ws, options))
        return UpResult(project, plan.services, step_result, waited.seconds or {})
    failed = waited.failed or _first_unready(project, plan.services)
    reason = waited.reason or up_error
    log(f"{failed} {reason}; last {LOG_TAIL} lines of its log:")
    print(service_log(ws, failed), file=sys.stderr, flush=True)
    if options.keep_on_failure:
        log("--keep-on-failure: leaving the stack as it is (stack.down to remove it)")
    else:
        log("tearing down what this run started")
        down(ws, volumes=options.wipe_volumes, log=lambda _: None)
    raise ConnkitError(f"stack.up failed: {failed} {reason}; fix it and run stack.up again")


def _drop_replaced(before: dict[str, str], after: dict[str, str | None]) -> None:
    """Remove images a rebuild replaced (each fast run would otherwise leave one behind);
    the engine refuses while a container or another tag still uses one, which is fine."""
    client = docker_client()
    for svc, old in before.items():
        if svc != "base" and after.get(svc) not in (None, old):
            try:
                client.images.remove(old, noprune=True)
            except docker.errors.APIError:
                pass


def _first_unready(project: str, services: list[str]) -> str:
    states = health.service_states(docker_client(), project)
    for service in services:
        st = states.get(service)
        if st is None or not st.ready:
            return service
    return services[0]


def down(
    ws: Workspace, volumes: bool = False, images: bool = False, log: Callable[[str], None] = _say
) -> None:
    """Stop and remove the project's containers and network (and volumes with ``volumes``,
    and the project's image tags with ``images``: shared layers stay for other workspaces)."""
    project = project_name(ws)
    client = docker_client()
    path = _compose_file(ws)
    if path.is_file():
        dc = compose_client(path, project)
        try:
            dc.compose.down(remove_orphans=True, volumes=volumes, timeout=5, quiet=True)
        except DockerException as exc:
            log(f"compose down reported: {(exc.stderr or str(exc)).strip()[:200]}")
    # Whatever compose did not know about (a lost compose file): remove it by the project label.
    for container in client.containers.list(all=True, filters=project_filter(project)):
        container.remove(force=True, v=volumes)
    for network in client.networks.list(filters=project_filter(project)):
        network.remove()
    if volumes:
        for volume in client.volumes.list(filters=project_filter(project)):
            volume.remove(force=True)
    removed = []
    if images:
        for image in client.images.list():
            for tag in image.tags:
                if tag.startswith(f"{project}/"):
                    # noprune: the parent layers stay as the engine's build cache.
                    client.images.remove(tag, noprune=True)
                    removed.append(tag)
    extra = [what for what, done in (("volumes", volumes), ("image tags", removed)) if done]
    log(f"{project} is down" + (f" ({' and '.join(extra)} removed)" if extra else ""))


def status(ws: Workspace) -> list[health.ServiceState]:
    states = health.service_states(docker_client(), project_name(ws))
    return [states[k] for k in sorted(states)]


def status_table(rows: list[health.ServiceState]) -> str:
    header = ("SERVICE", "STATE", "HEALTH", "PORTS")
    data = [(r.service, r.state, r.health or "-", ", ".join(r.ports) or "-") for r in rows]
    widths = [max(len(x[i]) for x in [header, *data]) for i in range(4)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *data]
    )


def status_json(rows: list[health.ServiceState]) -> str:
    return json.dumps(
        [{"service": r.service, "state": r.state, "health": r.health, "ports": list(r.ports)} for r in rows],
        indent=2,
    )


def _compose_argv(ws: Workspace) -> list[str]:
    path = _compose_file(ws)
    if not path.is_file():
        raise UsageError("no stack for this workspace yet: run stack.up first")
    return ["docker", "compose", "-p", project_name(ws), "-f", str(path)]


def logs(ws: Workspace, service: str = "", follow: bool = False) -> int:
    argv = (
        [*_compose_argv(ws), "logs", "--no-color"]
        + (["--follow"] if follow else [])
        + ([service] if service else [])
    )
    return subprocess.call(argv)


def ingest(ws: Workspace, name: str, config: Path) -> int:
    """Copy the workflow config into the ingestion container and run `metadata ingest` there."""
    argv = _compose_argv(ws)
    states = health.service_states(docker_client(), project_name(ws))
    if "ingestion" not in states or not states["ingestion"].ready:
        raise UsageError(
            "the ingestion container is not running: run stack.up (without --no-ingestion) first"
        )
    target = f"/tmp/connkit-ingest-{name}.yaml"
    subprocess.run([*argv, "cp", str(config), f"ingestion:{target}"], check=True, capture_output=True)
    return subprocess.call([*argv, "exec", "-T", "ingestion", "metadata", "ingest", "-c", target])


def default_ingest_config(ws: Workspace, name: str) -> Path:
    """``ingest/NAME.yaml`` in the workspace, else a minimal workflow rendered for NAME."""
    own = ws.root / "ingest" / f"{name}.yaml"
    if own.is_file():
        return own
    service_type = next(
        (t for t in SERVICE_TYPES if ws.source_package(t, name).is_dir()),
        None,
    )
    if service_type is None:
        raise UsageError(
            f"no connector {name!r} under ingestion/src/metadata/ingestion/source/: scaffold it first "
            "or pass --config FILE"
        )
    path = ws.root / ".connkit" / "stack" / "ingest" / f"{name}.yaml"
    atomic_write_text(path, compose.render_ingest_config(Connector.named(name, service_type)))
    return path
