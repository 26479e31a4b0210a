"""`connkit watch --stack`: a connector's Python edits reach the running ingestion container
at once (no image rebuild); an edit that only a rebuild can bring (schema, Java, packaging)
is said so and rebuilt with `stack.up --fast`.

Kept small on purpose (the stack is being reworked); it assumes exactly this of it:

- the stack is the compose project ``options.project_name(ws)``, and its ingestion container
  is the running container labelled ``com.docker.compose.project=<that name>`` and
  ``com.docker.compose.service=ingestion`` (compose sets both);
- that container holds the workspace's ``ingestion/`` tree at ``/opt/ingestion``, installed
  editable (docker/stack/ingestion/Dockerfile: ``COPY ingestion/ /opt/ingestion/`` over
  ``uv pip install -e /opt/ingestion``), and runs nothing that keeps modules loaded (its
  command sleeps; ``stack.ingest`` execs a fresh ``metadata ingest``): a file copied to
  ``/opt/ingestion/<path>`` is what the next ingest imports;
- ``ingestion/src/`` is all the image takes from the source tree at its last layer;
  packaging files, schemas (the generated models) and Java go into earlier layers or other
  images, so those need a rebuild.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.watch import Change
from connkit.errors import ConnkitError
from connkit.openmetadata.stack.engine import docker_client
from connkit.openmetadata.stack.images import INGESTION_PACKAGING
from connkit.openmetadata.stack.options import StackOptions, project_name
from connkit.openmetadata.workspace import SPEC_SCHEMA, Workspace

CONTAINER_ROOT = "/opt/ingestion"
_SOURCE = "ingestion/src/"
_PACKAGING = {f"ingestion/{name}" for name in INGESTION_PACKAGING}


@dataclass(frozen=True)
class SyncPlan:
    copy: tuple[str, ...] = ()  # workspace-relative files to put into the container
    delete: tuple[str, ...] = ()  # ... and to remove from it
    rebuild: tuple[str, ...] = ()  # changes only a rebuilt image brings


def plan_sync(changes: Sequence[Change]) -> SyncPlan:
    copy, delete, rebuild = [], [], []
    for change in changes:
        rel = change.path
        schema = rel.startswith(SPEC_SCHEMA.as_posix() + "/")
        if rel in _PACKAGING or schema or rel.endswith((".java", "pom.xml")):
            rebuild.append(rel)
        elif rel.startswith(_SOURCE):
            (delete if change.kind == "deleted" else copy).append(rel)
    return SyncPlan(tuple(copy), tuple(delete), tuple(rebuild))


def ingestion_container(ws: Workspace):  # -> docker.models.containers.Container | None
    labels = [f"com.docker.compose.project={project_name(ws)}", "com.docker.compose.service=ingestion"]
    found = docker_client().containers.list(filters={"label": labels, "status": "running"})
    return found[0] if found else None


def _archive(ws: Workspace, rels: Sequence[str]) -> bytes:
    """The files as a tar rooted at ``ingestion/`` (what ``docker cp`` sends), owned by root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for rel in rels:
            path = ws.root / rel
            if not path.is_file():
                continue
            info = tar.gettarinfo(str(path), arcname=rel.removeprefix("ingestion/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            with path.open("rb") as fh:
                tar.addfile(info, fh)
    return buffer.getvalue()


def copy_into_container(ws: Workspace, plan: SyncPlan) -> str | None:
    """Put ``plan.copy`` into the container (one archive, like ``docker cp``) and remove
    ``plan.delete``; the container's name, or None when no ingestion container is running."""
    container = ingestion_container(ws)
    if container is None:
        return None
    if plan.copy and not container.put_archive(CONTAINER_ROOT, _archive(ws, plan.copy)):
        raise ConnkitError(f"copying into {container.name}:{CONTAINER_ROOT} failed")
    if plan.delete:
        gone = [f"{CONTAINER_ROOT}/{rel.removeprefix('ingestion/')}" for rel in plan.delete]
        container.exec_run(["rm", "-f", "--", *gone])
    return container.name


def stack_hook(ws: Workspace, say: Callable[[str], None]) -> Callable[[Sequence[Change]], None]:
    """What `watch --stack` does with each batch of changes after its run."""

    def after_run(changes: Sequence[Change]) -> None:
        plan = plan_sync(changes)
        if plan.copy or plan.delete:
            name = copy_into_container(ws, plan)
            if name is None:
                say(f"no running ingestion container for {project_name(ws)}: run stack.up, then save again")
            else:
                files = ", ".join(Path(r).name for r in (*plan.copy, *plan.delete))
                say(f"copied {len(plan.copy)}, removed {len(plan.delete)} file(s) in {name}: {files}")
        if plan.rebuild:
            from connkit.openmetadata.stack import lifecycle

            say(f"{plan.rebuild[0]} changed: the ingestion image needs a rebuild; running stack.up --fast")
            lifecycle.up(ws, StackOptions(fast=True), log=lambda text: say(text))

    return after_run
