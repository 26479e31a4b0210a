"""``workspace.create``: an OpenMetadata workspace assembled from a release's published artifacts.

The result is laid out like an upstream checkout, so every other connkit command treats it
the same way:

- ``ingestion/``: the ``openmetadata-ingestion`` sdist, unchanged (framework, base classes,
  pre-generated models, setup.py/pyproject);
- ``openmetadata-spec/src/main/resources/json/schema/``: ``json/schema/**`` of the spec jar;
- ``openmetadata-service/src/main/resources/json/data/testConnections/``: from the service
  jar when the release publishes one, else derived from the source (``test_connections``);
- connkit-written glue rendered from ``templates/workspace/`` (see its README): build files,
  the UI package with the utils files and labels a connector registers into;
- a ``.gitignore``, a ``.connkit-workspace.json`` manifest, and one initial git commit.

All or nothing: it is built in a temporary folder next to DIR and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

import jinja2

from connkit.errors import ConnkitError, UsageError
from connkit.openmetadata.connectors import Connector, declared_connectors
from connkit.openmetadata.release import artifacts, test_connections
from connkit.openmetadata.release.artifacts import DownloadCache, Release
from connkit.openmetadata.services import SERVICES
from connkit.openmetadata.workspace import SPEC_SCHEMA, TEST_CONNECTIONS, Workspace
from connkit.openmetadata.workspace.layout import MANIFEST, SHAPE_LOADER_MAP, SHAPE_SWITCH, kebab
from connkit.resources import templates_dir

Progress = Callable[[str], None]

#: The first release whose UI loads connection schemas lazily from a map (no i18n labels).
LOADER_MAP_SINCE = (2, 0, 0)


@dataclass(frozen=True)
class CreateResult:
    path: Path
    release: Release
    files: int
    test_connections: str  # "published" or "derived"
    seconds: float
    downloaded: bool  # whether any artifact came from a registry (False: all from cache)


def create_workspace(
    dest: Path | str,
    version: str | None = None,
    *,
    cache: DownloadCache | None = None,
    progress: Progress = lambda _: None,
) -> CreateResult:
    """Assemble the workspace for ``version`` (default: newest usable release) at ``dest``."""
    started = time.monotonic()
    dest = Path(dest).expanduser().absolute()
    _check_destination(dest)
    cache = cache or DownloadCache()
    release = artifacts.resolve_release(version, cache, progress)
    progress(
        f"OpenMetadata {release.maven_version}: openmetadata-ingestion {release.pypi_version}, "
        f"openmetadata-spec {release.maven_version}"
        + (", openmetadata-service " + release.maven_version if release.service_jar else "")
    )
    sdist = artifacts.fetch_sdist(release.pypi_version, cache, progress)
    spec = artifacts.fetch_jar(artifacts.SPEC_ARTIFACT, release.maven_version, cache, progress)
    if spec is None:
        raise ConnkitError(
            f"{artifacts.SPEC_ARTIFACT} {release.maven_version} could not be downloaded; "
            "check Maven access or pick another --openmetadata-version"
        )
    service = None
    if release.service_jar:
        service = artifacts.fetch_jar(artifacts.SERVICE_ARTIFACT, release.maven_version, cache, progress)
    artifacts.remember_release(release, cache)

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.connkit-", dir=dest.parent))
    try:
        progress(f"assembling in {tmp.name}")
        extract_sdist(sdist.path, tmp / "ingestion")
        extract_jar(spec.path, "json/schema/", tmp / SPEC_SCHEMA)
        if service is not None:
            extract_jar(service.path, "json/data/testConnections/", tmp / TEST_CONNECTIONS)
            tests_origin = "published"
        else:
            connectors = declared_connectors(Workspace(tmp))
            for rel, data in test_connections.derive(tmp, connectors).items():
                _write(tmp / rel, data)
            tests_origin = "derived"
        context = template_context(tmp, release)
        render_workspace_templates(tmp, context)
        manifest = {
            "release": release.maven_version,
            "pypi_version": release.pypi_version,
            "ui_shape": context["ui"]["shape"],
            "i18n_labels": context["ui"]["i18n_labels"],
            "test_connections": tests_origin,
            "artifacts": {
                "openmetadata-ingestion": {"file": sdist.filename, "sha256": sdist.sha256},
                "openmetadata-spec": {"file": spec.filename, "sha256": spec.sha256},
                **(
                    {"openmetadata-service": {"file": service.filename, "sha256": service.sha256}}
                    if service
                    else {}
                ),
            },
        }
        _write(tmp / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
        files = sum(1 for p in tmp.rglob("*") if p.is_file())
        progress(f"git init + initial commit ({files} files)")
        git_init(tmp, f"OpenMetadata {release.maven_version} workspace assembled by connkit")
        _move_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    downloaded = any(a is not None and a.fresh for a in (sdist, spec, service))
    return CreateResult(dest, release, files, tests_origin, time.monotonic() - started, downloaded)


def _check_destination(dest: Path) -> None:
    if dest.exists():
        if not dest.is_dir():
            raise UsageError(f"{dest} is a file; pass a new or empty directory")
        if any(dest.iterdir()):
            raise UsageError(f"{dest} is not empty; pass a new or empty directory")
    parent = dest.parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write under {parent}; pick a directory you can write to")


def _move_into_place(tmp: Path, dest: Path) -> None:
    if dest.exists():
        dest.rmdir()  # empty (checked before); a race that filled it fails here, loudly
    os.replace(tmp, dest)
    mode = 0o777 & ~_umask()
    os.chmod(dest, mode)  # mkdtemp made it 0700


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _safe_relative(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


def extract_sdist(archive: Path, target: Path) -> None:
    """Unpack an sdist with its top folder stripped; only regular files and folders."""
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            rel = _safe_relative(member.name)
            if rel is None or len(rel.parts) < 2:
                continue
            out = target.joinpath(*rel.parts[1:])
            if member.isdir():
                out.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                source = tar.extractfile(member)
                if source is None:
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with open(out, "wb") as fh:
                    shutil.copyfileobj(source, fh)
                if member.mode & stat.S_IXUSR:
                    out.chmod(0o755)


def extract_jar(jar: Path, prefix: str, target: Path) -> int:
    """Copy the jar entries under ``prefix`` into ``target``; returns how many files."""
    count = 0
    with zipfile.ZipFile(jar) as archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.startswith(prefix):
                continue
            rel = _safe_relative(info.filename[len(prefix) :])
            if rel is None:
                continue
            out = target.joinpath(*rel.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(out, "wb") as fh:
                shutil.copyfileobj(source, fh)
            count += 1
    if count == 0:
        raise ConnkitError(f"{jar.name} has no {prefix} entries; the artifact is not what connkit expects")
    return count


def release_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:3])


def template_context(root: Path, release: Release) -> dict:
    """What the workspace templates see: the release and the UI wiring of its connectors."""
    loader_map = release_tuple(release.maven_version) >= LOADER_MAP_SINCE
    services = {}
    for service_type, connectors in declared_connectors(Workspace(root)).items():
        service = SERVICES[service_type]
        members = sorted(connectors, key=lambda c: c.camel.lower())
        services[service_type] = {
            "file": service.ui_utils + (".tsx" if service.ui_tsx else ".ts"),
            "enum_type": service.enum_type,
            "getter": service.ui_getter,
            "connectors": [_connector_view(c, service.enum_type) for c in members],
        }
    labels = {}
    for service in services.values():
        for c in service["connectors"]:
            labels[c["label_key"]] = c["enum"]
    return {
        "release": {"maven": release.maven_version, "pypi": release.pypi_version},
        "ui": {
            "shape": SHAPE_LOADER_MAP if loader_map else SHAPE_SWITCH,
            "i18n_labels": not loader_map,
            "services": services,
            "labels": dict(sorted(labels.items())),
        },
    }


def _connector_view(connector: Connector, enum_type: str) -> dict:
    return {
        "enum": connector.camel,
        "ref": f"{enum_type}.{connector.camel}"
        if connector.camel.isidentifier()
        else f"{enum_type}[{json.dumps(connector.camel)}]",
        "module": connector.module,
        "var": f"{connector.module}Connection",
        "schema": connector.schema.removeprefix(f"{SPEC_SCHEMA.as_posix()}/entity/services/"),
        "label_key": kebab(connector.camel),
    }


def workspace_templates() -> list[tuple[Path, PurePosixPath]]:
    """Every file under ``templates/workspace/``, with the workspace path it renders to.

    The first folder is the owner's namespace (``ui/``, ``build/``, ``base/``) and is dropped;
    ``.j2`` files are Jinja2 templates (suffix dropped), others are copied; files or folders
    starting with ``_`` are partials; a leading ``dot-`` becomes ``.``.
    """
    root = templates_dir() / "workspace"
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(part.startswith("_") for part in rel.parts):
            continue
        if len(rel.parts) < 2:  # files beside the namespaces (README.md) document, not render
            continue
        parts = list(rel.parts[1:])
        parts[-1] = parts[-1].removesuffix(".j2")
        parts = ["." + p[4:] if p.startswith("dot-") else p for p in parts]
        out.append((path, PurePosixPath(*parts)))
    return out


def render_workspace_templates(root: Path, context: dict) -> list[PurePosixPath]:
    """Render the workspace templates into ``root``; a template rendering blank is skipped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "workspace")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    written: dict[PurePosixPath, Path] = {}
    for source, target in workspace_templates():
        if target in written:
            raise ConnkitError(f"templates {written[target]} and {source} both write {target}; rename one")
        if source.name.endswith(".j2"):
            rel_name = source.relative_to(templates_dir() / "workspace").as_posix()
            text = env.get_template(rel_name).render(**context)
            if not text.strip():
                continue
            data = text.encode("utf-8")
        else:
            data = source.read_bytes()
        out = root.joinpath(*target.parts)
        _write(out, data)
        if os.access(source, os.X_OK):
            out.chmod(0o755)
        written[target] = source
    return list(written)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "connkit",
    "GIT_AUTHOR_EMAIL": "connkit@localhost",
    "GIT_COMMITTER_NAME": "connkit",
    "GIT_COMMITTER_EMAIL": "connkit@localhost",
}


def git_init(root: Path, message: str) -> None:
    """Make ``root`` a git repository with everything not ignored in one commit."""
    env = {**os.environ, **GIT_IDENTITY}
    base = ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"]
    for argv in (
        base + ["init", "-q"],
        base + ["add", "-A"],
        base + ["commit", "-q", "--no-verify", "-m", message],
    ):
        try:
            proc = subprocess.run(
                argv, cwd=root, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError as exc:
            raise ConnkitError("workspace.create needs git on PATH; install git and retry") from exc
        if proc.returncode != 0:
            raise ConnkitError(f"`{' '.join(argv[-3:])}` failed: {proc.stderr.strip()[:300]}")


def result_summary(result: CreateResult) -> dict:
    return {
        "path": str(result.path),
        "release": asdict(result.release),
        "files": result.files,
        "test_connections": result.test_connections,
        "seconds": round(result.seconds, 2),
        "downloaded": result.downloaded,
    }
