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
INGESTION_PACKAGING_INPUTS = tuple(f"ingestion/{name}" for name in INGESTION_PACKAGING)
#: The managed APIs (Airflow plugin) a checkout's ingestion runtime installs, without its tests.
AIRFLOW_APIS_INPUTS = (
    "openmetadata-airflow-apis/setup.py",
    "openmetadata-airflow-apis/setup.cfg",
    "openmetadata-airflow-apis/pyproject.toml",
    "openmetadata-airflow-apis/README.md",
    "openmetadata-airflow-apis/MANIFEST.in",
    "openmetadata-airflow-apis/openmetadata_managed_apis",
    # The ingestion package's Airflow provider: Airflow loads it (an entry point) when it
    # initialises its database in the runtime image, before the source layer exists.
    "ingestion/src/airflow_provider_openmetadata",
)

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
    buildargs: dict[str, str] | None = None,
) -> str:
    """Build ``recipe`` on ``base_image`` (classic builder, layer cache on), tag it; returns the id."""
    image_id = ""
    errors: list[str] = []
    try:
        stream: Iterable[dict] = client.api.build(
            fileobj=io.BytesIO(recipe.context_tar()),
            custom_context=True,
            dockerfile=recipe.dockerfile,
            buildargs={"BASE_IMAGE": base_image, **(buildargs or {})},
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


# ---------------------------------------------------------------- a checkout's server stack


def server_recipe(dist_tarball: Path, config: bytes, ca_bundle: Path | None) -> ImageRecipe:
    """The server image: the assembly's tarball (ADD unpacks it), the checkout's config, a JDK."""
    files = _shared_files(ca_bundle) + _dir_files("server", "server/")
    files.append(ContextFile("openmetadata.tar.gz", dist_tarball.read_bytes()))
    files.append(ContextFile("openmetadata.yaml", config))
    return ImageRecipe("server", "server/Dockerfile", tuple(files))


def es_modules(version: str) -> dict[str, list[str]]:
    """Module folder -> Maven coordinates (``docker/stack/elasticsearch/modules.txt``)."""
    modules: dict[str, list[str]] = {}
    text = (docker_dir() / "stack" / "elasticsearch" / "modules.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            folder, coords = line.split()
            modules.setdefault(folder, []).append(coords.format(version=version))
    return modules


def elasticsearch_recipe(
    search_zip: bytes, modules: dict[str, list[Path]], version: str, ca_bundle: Path | None
) -> ImageRecipe:
    """Elasticsearch from the integ-test-zip plus the modules OpenMetadata needs, each with its
    descriptor (the republished jars carry none)."""
    root = docker_dir() / "stack" / "elasticsearch"
    files = _shared_files(ca_bundle)
    files.append(ContextFile("elasticsearch/Dockerfile", (root / "Dockerfile").read_bytes()))
    files.append(ContextFile("elasticsearch.zip", search_zip))
    for desc in sorted((root / "descriptors").rglob("*")):
        if desc.is_file():
            text = desc.read_text(encoding="utf-8").replace("{version}", version)
            files.append(ContextFile(f"descriptors/{desc.relative_to(root / 'descriptors')}", text.encode()))
    for folder, jars in sorted(modules.items()):
        for jar in jars:
            files.append(ContextFile(f"modules/{folder}/{jar.name}", jar.read_bytes()))
    return ImageRecipe("search", "elasticsearch/Dockerfile", tuple(files))


#: What a CPython build carries that a container does not need.
_PYTHON_SKIP = {"test", "idlelib", "tkinter", "turtledemo", "site-packages"}


def python_files(prefix: Path, version: str) -> list[ContextFile]:
    """A self-contained CPython build (a pyenv version, say) as context files under
    ``python/``: its interpreter, standard library and shared library, nothing else."""
    files: list[ContextFile] = []
    binary = prefix / "bin" / f"python{version}"
    if not binary.is_file():
        raise ConnkitError(f"{binary} is missing: the ingestion image copies that interpreter")
    files.append(ContextFile(f"python/bin/python{version}", binary.read_bytes(), executable=True))
    for lib in sorted((prefix / "lib").glob(f"libpython{version}*.so*")):
        files.append(ContextFile(f"python/lib/{lib.name}", lib.read_bytes(), executable=True))
    stdlib = prefix / "lib" / f"python{version}"
    for path in sorted(stdlib.rglob("*")):
        rel = path.relative_to(stdlib).as_posix()
        if not path.is_file() or "__pycache__" in rel or rel.split("/")[0] in _PYTHON_SKIP:
            continue
        if rel.startswith("config-") and rel.endswith(".a") or rel.startswith("lib-dynload/_tkinter"):
            continue
        files.append(
            ContextFile(f"python/lib/python{version}/{rel}", path.read_bytes(), path.suffix == ".so")
        )
    return files


def ingestion_runtime_recipe(
    ws: Workspace,
    python_prefix: Path,
    python_version: str,
    airflow: bool,
    ca_bundle: Path | None,
) -> ImageRecipe:
    """Interpreter + the package's dependencies (+ Airflow and the managed APIs) of a checkout."""
    files = _shared_files(ca_bundle) + _dir_files("ingestion-runtime", "ingestion-runtime/")
    files.extend(python_files(python_prefix, python_version))
    constraints = CONSTRAINTS
    if airflow:
        constraints += (docker_dir() / "stack" / "ingestion-runtime" / "constraints-airflow.txt").read_text()
    files.append(ContextFile("constraints.txt", constraints.encode()))
    for name in INGESTION_PACKAGING:
        path = ws.ingestion_dir / name
        if path.is_file():
            files.append(ContextFile(f"deps/{name}", path.read_bytes()))
    files.append(ContextFile("deps/src/.connkit-placeholder", b""))
    files.append(ContextFile("airflow-apis/.connkit-placeholder", b""))
    if airflow:
        for rel in fileset.expand(ws.root, AIRFLOW_APIS_INPUTS):
            data = (ws.root / rel).read_bytes()
            if rel.startswith("ingestion/"):
                files.append(ContextFile("deps/" + rel.removeprefix("ingestion/"), data))
            else:
                files.append(ContextFile("airflow-apis/" + rel.split("/", 1)[1], data))
    return ImageRecipe("ingestion-runtime", "ingestion-runtime/Dockerfile", tuple(files))


def ingestion_source_recipe(ws: Workspace) -> ImageRecipe:
    """The thin layer over the runtime image: ``ingestion/`` source as it is now."""
    files = _dir_files("ingestion-source", "ingestion-source/")
    for rel in fileset.expand(ws.root, INGESTION_INPUTS):
        path = ws.root / rel
        files.append(ContextFile(rel, path.read_bytes(), bool(path.stat().st_mode & 0o111)))
    return ImageRecipe("ingestion", "ingestion-source/Dockerfile", tuple(files))
