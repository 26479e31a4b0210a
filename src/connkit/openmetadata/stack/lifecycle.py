"""The stack's commands, read top to bottom as one run:
what the workspace has (a server to build?) → ports free → images (cached steps, the server's
Maven build among them on a checkout) → compose file → compose up → wait on health (and the
server's API) → on failure: the failing service's log, tear down, exit non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import docker.errors
from python_on_whales.exceptions import DockerException

from connkit.errors import ConnkitError, UsageError
from connkit.openmetadata.stack import compose, health, images, ports, server_api, server_build, ui_build
from connkit.openmetadata.stack import steps as stack_steps
from connkit.openmetadata.stack.engine import compose_client, docker_client, project_filter
from connkit.openmetadata.stack.options import StackOptions, for_workspace, project_name
from connkit.openmetadata.workspace import Workspace

LOG_TAIL = 50
MIGRATION_START = "connkit-server: migrations start"
MIGRATION_FAILED = "connkit-server: migrations failed"

#: Why an assembled workspace's stack has no server (evidence in docs/stack.md).
NO_SERVER_NOTE = (
    "OpenMetadata server: not started: this workspace has no server source (no openmetadata-service/ "
    "and openmetadata-dist/: an assembled workspace), and the reachable Maven repository serves no "
    "org.open-metadata:openmetadata-service to run instead; the stack runs without it"
)


@dataclass
class UpResult:
    project: str
    services: list[str]
    steps: object  # connkit.engine.results.RunResult of the image steps
    health_seconds: dict[str, float]
    server_version: dict | None = None
    ui_url: str = ""  # where the served UI is (ui mode)


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


def _graph(ws: Workspace, options: StackOptions):
    """The stack's steps, plus the workspace's own on a checkout (the ingestion image depends
    on the generated models' step, ``generate.python``, wherever the workspace defines it)."""
    if not options.server:
        return stack_steps.steps(ws, options)
    from connkit.openmetadata.steps.catalog import all_steps

    others = [s for s in all_steps(ws) if not s.id.startswith("stack.")]
    return others + stack_steps.steps(ws, options, available={s.id: s for s in others})


def _announce_server_rebuild(ws: Workspace, options: StackOptions, all_steps) -> None:
    """``--fast`` does not skip the server blindly: the cache says whether its inputs changed.
    A pending Java or schema change is named, and the server is rebuilt (documented choice)."""
    from connkit.engine import driver
    from connkit.engine.options import RunOptions
    from connkit.engine.report import SilentReporter

    targets = [server_build.STEP_ID, stack_steps.SERVER_IMAGE_STEP]
    if options.ui:
        targets.insert(0, ui_build.STEP_ID)
    plan = driver.run(
        ws, all_steps, targets, RunOptions(dry_run=True, explain=True), reporter=SilentReporter()
    )
    misses = [e for e in plan.steps if e.id in targets and not e.hit]
    if misses:
        why = "; ".join(r for e in misses for r in e.reasons[:3]) or "no record of the server build"
        _say(f"--fast: the server must be rebuilt ({why}); rebuilding it and recreating the server container")


def _run_image_steps(
    ws: Workspace, options: StackOptions, reporter, force: tuple[str, ...] = (), announce: bool = True
):
    from connkit.engine import driver
    from connkit.engine.options import RunOptions
    from connkit.engine.results import Status

    all_steps = _graph(ws, options)
    if options.fast and options.server and announce and not force:
        _announce_server_rebuild(ws, options, all_steps)
    targets = stack_steps.image_step_ids(options)
    run_options = RunOptions(force=bool(force), logs="new")
    result = driver.run(ws, all_steps, list(force) or targets, run_options, reporter=reporter)
    if not result.ok:
        failed = next(s for s in result.steps if s.status is Status.FAILED)
        raise ConnkitError(f"{failed.id} failed: {failed.message}")
    return result


def _image_ids(ws: Workspace, options: StackOptions) -> dict[str, str | None]:
    names = {"base": "base", **stack_steps.image_names(options)}
    return {svc: images.read_id_file(ws.root / stack_steps.id_file(name)) for svc, name in names.items()}


def ensure_images(ws: Workspace, options: StackOptions, reporter=None) -> tuple[object, dict[str, str]]:
    """Run the image steps; rebuild any image whose recorded id the engine no longer has."""
    from connkit.engine.report import ConsoleReporter

    reporter = reporter or ConsoleReporter(logs="new")
    client = docker_client()
    result = _run_image_steps(ws, options, reporter)
    ids = _image_ids(ws, options)
    if options.server and options.ingestion:
        runtime = images.read_id_file(ws.root / stack_steps.id_file("ingestion-runtime"))
        ids["ingestion-runtime"] = runtime
    gone = [svc for svc, i in ids.items() if not i or not images.image_exists(client, i)]
    if gone:
        step_names = {
            **stack_steps.image_names(options),
            "base": "base",
            "ingestion-runtime": "ingestion-runtime",
        }
        force = tuple(f"stack.image.{step_names.get(s, s)}" for s in gone)
        if "ingestion-runtime" in gone:
            force += (stack_steps.INGESTION_STEP,)
        _say(f"the engine lost image(s) {', '.join(gone)}: rebuilding")
        _run_image_steps(ws, options, reporter, force=tuple(dict.fromkeys(force)))
        # Once more over every target (all hits now), so the run's record covers the whole stack.
        result = _run_image_steps(ws, options, reporter, announce=False)
        ids = _image_ids(ws, options)
    tags: dict[str, str] = {}
    names = stack_steps.image_names(options)
    for svc, name in names.items():
        image_id = ids.get(svc)
        if image_id is None:
            continue
        tag = stack_steps.image_tag(ws, name)
        repo, _, label = tag.rpartition(":")
        client.images.get(image_id).tag(repo, label)
        tags[svc] = tag
    return result, tags


def service_log(ws: Workspace, service: str, lines: int | None = LOG_TAIL) -> str:
    dc = compose_client(_compose_file(ws), project_name(ws))
    try:
        return dc.compose.logs([service], tail=str(lines) if lines else None, no_log_prefix=True)
    except DockerException as exc:
        return f"(no log: {exc.stderr or exc})"


def migration_log(full_log: str, lines: int = 60) -> str | None:
    """The migrations' part of the server's log when they failed, else None."""
    if MIGRATION_FAILED not in full_log:
        return None
    text = full_log.split(MIGRATION_START, 1)[-1]
    text = text.split(MIGRATION_FAILED, 1)[0]
    return "\n".join(text.splitlines()[-lines:] + [f"{MIGRATION_FAILED}"])


def _check_ports(project: str, options: StackOptions) -> None:
    """Every port the run publishes must be free (our own running containers excepted on --fast)."""
    if options.ephemeral_ports:
        return
    client = docker_client()
    own = {
        str(b.get("HostPort"))
        for c in client.containers.list(filters=project_filter(project))
        for bindings in (c.attrs.get("NetworkSettings", {}).get("Ports") or {}).values()
        for b in bindings or []
    }
    published = {svc: [p for p in found if p not in own] for svc, found in options.published().items()}
    taken = ports.first_taken(client, published)
    if taken is not None:
        raise ConnkitError(taken.message())


def server_url(ws: Workspace, inner: str = "8585") -> server_api.Server:
    """Where the host reaches the stack's server: the published port of its ``inner`` port
    (8585 the API, 8586 the admin port with /healthcheck)."""
    states = health.service_states(docker_client(), project_name(ws))
    st = states.get("server")
    if st is not None:
        for mapping in st.ports:
            host, _, port = mapping.partition("->")
            if port.startswith(f"{inner}/"):
                return server_api.Server(f"http://{host}")
    return server_api.Server(f"http://127.0.0.1:{inner}")


def running_mode(ws: Workspace) -> str:
    """The mode (ui / no-ui) the workspace's running server was built in, or ''."""
    st = health.service_states(docker_client(), project_name(ws)).get("server")
    return st.mode if st is not None and st.state == "running" else ""


def _resolve_mode(ws: Workspace, options: StackOptions) -> StackOptions:
    """``--fast`` without ``--mode`` keeps the running server's mode (a fast edit loop on a
    no-ui stack never starts a UI build); otherwise the mode asked for, by default ``ui``."""
    if options.fast and not options.mode_chosen and options.server:
        mode = running_mode(ws)
        if mode and mode != options.mode:
            return replace(options, mode=mode)
    return options


def up(ws: Workspace, options: StackOptions, log: Callable[[str], None] = _say) -> UpResult:
    project = project_name(ws)
    options = for_workspace(options, ws)
    if options.server and options.ingestion:
        from connkit.openmetadata.stack.extras import ingestion_extras

        ingestion_extras(ws, options)  # a bad --extras is refused before anything is touched
    elif options.extras:
        raise UsageError("--extras applies to a checkout's ingestion image; this stack has none")
    docker_client()  # fail early, in one line, without an engine
    resolved = _resolve_mode(ws, options)
    if resolved.mode != options.mode:
        log(f"--fast: keeping the running server's mode ({resolved.mode}; --mode chooses another)")
    options = resolved
    if options.ui:
        ui_build.check_ready(ws)  # refused before anything is touched
    if options.release is None:
        log(NO_SERVER_NOTE)  # --mode (ui / no-ui) applies to the server alone
    else:
        built = "Maven, with the UI built by yarn" if options.ui else "Maven, no UI: --mode no-ui"
        log(
            f"OpenMetadata server: built from this checkout ({built}), {options.database} "
            + (
                f"and {options.release.search.kind} {options.release.search.version}"
                if options.release.search
                else ""
            )
        )
        if options.database == "mysql" and options.release.mysql_needs_mysql8:
            log(
                "--database mysql: this release's MySQL migrations use JSON ->> (MySQL 8); the database "
                "here is MariaDB 10.11 (Debian has no MySQL 8), which refuses them: expect the "
                "migrations to fail"
            )
    if not options.fast and _has_project(project):
        log(
            f"stopping the running stack {project}"
            + (" and wiping its volumes" if options.wipe_volumes else "")
        )
        down(ws, volumes=options.wipe_volumes, log=lambda _: None)
    elif options.fast and options.reset and _has_project(project):
        down(ws, volumes=True, log=lambda _: None)
    _check_ports(project, options)
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
        up_error = ((exc.stderr or str(exc)).strip().splitlines()[-1:] or [""])[0]
    waited = health.wait_healthy(docker_client(), project, plan.services, options.timeouts, log)
    answered = None
    if waited.ok and not up_error and options.server:
        server = server_url(ws)
        answered = server_api.wait_version(server, 60)
        health_url = server_url(ws, inner="8586").url + "/healthcheck"
        if answered is not None and not server_api.answers(health_url):
            answered = None
            reason = f"{health_url} does not answer 200"
            waited = replace(waited, ok=False, failed="server", reason=reason)
        elif answered is None:
            waited = replace(
                waited, ok=False, failed="server", reason=f"{server.api('system/version')} does not answer"
            )
        elif options.ui and not server_api.serves_ui(server):
            answered = None
            waited = replace(waited, ok=False, failed="server", reason=f"{server.url}/ does not serve the UI")
        else:
            log(f"server: {server.api('system/version')} answers {json.dumps(answered)}; {health_url} is 200")
    if waited.ok and not up_error:
        _drop_replaced(previous, _image_ids(ws, options))
        ui_url = f"{server_url(ws).url}/" if options.ui else ""
        return UpResult(project, plan.services, step_result, waited.seconds or {}, answered, ui_url)
    failed = waited.failed or _first_unready(project, plan.services)
    reason = waited.reason or up_error
    migrations = migration_log(service_log(ws, "server", None)) if failed == "server" else None
    if migrations is not None:
        reason = "migrations failed (bootstrap_storage.sh migrate-all)"
        log(f"server: {reason}; the migrations' log:")
        print(migrations, file=sys.stderr, flush=True)
    else:
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


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class StatusRow:
    state: health.ServiceState
    url: str


#: How each service is reached from the host, by the container port it publishes.
_URLS = {
    "5432": "postgresql://{host}/openmetadata_db",
    "3306": "mysql://{host}/openmetadata_db",
    "9200": "http://{host}",
    "8585": "http://{host}",
    "8586": "http://{host}/healthcheck",
    "8080": "http://{host}",
}


def _urls(st: health.ServiceState) -> str:
    found = []
    for mapping in st.ports:
        host, _, inner = mapping.partition("->")
        pattern = _URLS.get(inner.split("/")[0])
        if pattern:
            found.append(pattern.format(host=host))
    return " ".join(found)


def status(ws: Workspace) -> list[StatusRow]:
    states = health.service_states(docker_client(), project_name(ws))
    return [StatusRow(states[k], _urls(states[k])) for k in sorted(states)]


def status_table(rows: list[StatusRow]) -> str:
    header = ("SERVICE", "STATE", "HEALTH", "URL")
    data = [(r.state.service, r.state.state, r.state.health or "-", r.url or "-") for r in rows]
    widths = [max(len(x[i]) for x in [header, *data]) for i in range(4)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *data]
    )


def status_json(rows: list[StatusRow]) -> str:
    return json.dumps(
        [
            {
                "service": r.state.service,
                "state": r.state.state,
                "health": r.state.health,
                "ports": list(r.state.ports),
                "url": r.url,
            }
            for r in rows
        ],
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
