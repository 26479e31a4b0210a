"""The stack's images: what goes into each build context, and building one with the Engine API.

Builds use the docker SDK (the Engine API's classic builder, as with ``DOCKER_BUILDKIT=0``)
because it takes a build context streamed from memory: the context is exactly the files
connkit chose and hashed, with normalised tar headers so the engine's layer cache follows
content alone. Each image is a cached engine step (see ``connkit.openmetadata.stack.steps``).
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import docker.errors

import docker
from connkit.engine import globs as fileset
from connkit.engine.hashing import digest_bytes
from connkit.errors import ConnkitError
from connkit.openmetadata.workspace import Workspace
from connkit.resources import docker_dir

#: The files of ``ingestion/`` that make the image: packaging, then the source tree.
INGESTION_PACKAGING = ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "MANIFEST.in", "LICENSE")
INGESTION_INPUTS = tuple(f"ingestion/{name}" for name in INGESTION_PACKAGING) + ("ingestion/src",)

#: openmetadata-ingestion's dependency tree needs this pin where the registry snapshot has
#: dbt-core 1.12 (its parser dependency downloads a wheel from outside the registries).
CONSTRAINTS = "dbt-core<1.12\n"


@dataclass(frozen=True)
class ContextFile:
    """One member of a build context: its path in the context and its bytes."""

    name: str
    data: bytes
    executable: bool = False


@dataclass(frozen=True)
class ImageRecipe:
    """Everything an image build needs; ``digest`` covers all of it except the base image."""

    name: str
    dockerfile: str  # path in the context
    files: tuple[ContextFile, ...] = field(default_factory=tuple)

    @property
    def digest(self) -> str:
        h = []
        for f in sorted(self.files, key=lambda f: f.name):
            h.append(f"{f.name}\0{int(f.executable)}\0{digest_bytes(f.data)}")
        return digest_bytes("\n".join(h).encode())[:32]

    def context_tar(self) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for f in sorted(self.files, key=lambda f: f.name):
                info = tarfile.TarInfo(f.name)
                info.size = len(f.data)
                info.mode = 0o755 if f.executable else 0o644
                info.mtime = 0
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                tar.addfile(info, io.BytesIO(f.data))
        return buf.getvalue()


def _shared_files(ca_bundle: Path | None) -> list[ContextFile]:
    stack = docker_dir() / "stack"
    bundle = ca_bundle.read_bytes() if ca_bundle else b""
    return [
        ContextFile("ca-setup.sh", (stack / "ca-setup.sh").read_bytes(), executable=True),
        ContextFile("ca-bundle.crt", bundle),
    ]


def _dir_files(folder: str, prefix: str) -> list[ContextFile]:
    root = docker_dir() / "stack" / folder
    return [
        ContextFile(f"{prefix}{p.relative_to(root).as_posix()}", p.read_bytes(), executable=p.suffix == ".sh")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]


def static_digest(folder: str, extra: bytes = b"") -> str:
    """Digest of a recipe's own files (Dockerfile, scripts) without workspace files or CA bundle."""
    files = _shared_files(None) + _dir_files(folder, f"{folder}/")
    files.append(ContextFile("extra", extra))
    return ImageRecipe(folder, "", tuple(files)).digest


def database_recipe(database: str, ca_bundle: Path | None) -> ImageRecipe:
    folder = "mariadb" if database == "mysql" else "postgresql"
    files = _shared_files(ca_bundle) + _dir_files(folder, f"{folder}/")
    return ImageRecipe(folder, f"{folder}/Dockerfile", tuple(files))


def search_recipe(search_zip: bytes, ca_bundle: Path | None) -> ImageRecipe:
    files = _shared_files(ca_bundle) + _dir_files("search", "search/")
    files.append(ContextFile("opensearch.zip", search_zip))
    return ImageRecipe("search", "search/Dockerfile", tuple(files))


def ingestion_files(ws: Workspace) -> list[str]:
    """Workspace-relative files the ingestion image carries (also the step's inputs)."""
    return fileset.expand(ws.root, INGESTION_INPUTS)


def ingestion_recipe(ws: Workspace, ca_bundle: Path | None) -> ImageRecipe:
    rels = ingestion_files(ws)
    if not any(rel in ("ingestion/setup.py", "ingestion/pyproject.toml") for rel in rels):
        raise ConnkitError(
            f"{ws.root / 'ingestion'} has neither setup.py nor pyproject.toml: the ingestion image "
            "installs that package; restore it or run stack.up --no-ingestion"
        )
    files = _shared_files(ca_bundle) + _dir_files("ingestion", "ingestion-build/")
    files.append(ContextFile("constraints.txt", CONSTRAINTS.encode()))
    packaging = {f"ingestion/{n}" for n in INGESTION_PACKAGING}
    for rel in rels:
        data = (ws.root / rel).read_bytes()
        executable = bool((ws.root / rel).stat().st_mode & 0o111)
        files.append(ContextFile(rel, data, executable))
        if rel in packaging:
            files.append(ContextFile("deps/" + rel.removeprefix("ingestion/"), data))
    # setuptools wants the package directory to exist even when only reading metadata.
    files.append(ContextFile("deps/src/.connkit-placeholder", b""))
    return ImageRecipe("ingestion", "ingestion-build/Dockerfile", tuple(files))


def build_image(
    client: docker.DockerClient,
    recipe: ImageRecipe,
    base_image: str,
    tag: str,
    log: Callable[[str], None],
) -> str:
    """Build ``recipe`` on ``base_image`` (classic builder, layer cache on), tag it; returns the id."""
    image_id = ""
    errors: list[str] = []
    try:
        stream: Iterable[dict] = client.api.build(
            fileobj=io.BytesIO(recipe.context_tar()),
            custom_context=True,
            dockerfile=recipe.dockerfile,
            buildargs={"BASE_IMAGE": base_image},
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            if "stream" in chunk:
                for line in chunk["stream"].splitlines():
                    if line.strip():
                        log(line)
            if "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            if "error" in chunk:
                errors.append(chunk["error"].strip())
                log(chunk["error"].strip())
    except docker.errors.APIError as exc:
        raise ConnkitError(f"image {recipe.name}: the engine refused the build: {exc.explanation}") from None
    if errors or not image_id:
        raise ConnkitError(f"image {recipe.name} failed to build: {(errors or ['no image id'])[-1]}")
    return image_id


def image_exists(client: docker.DockerClient, image_id: str) -> bool:
    try:
        client.images.get(image_id)
        return True
    except (docker.errors.ImageNotFound, docker.errors.APIError):
        return False


def read_id_file(path: Path) -> str | None:
    try:
        return json.loads(path.read_text())["id"]
    except (OSError, ValueError, KeyError):
        return None
