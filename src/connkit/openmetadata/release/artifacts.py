"""OpenMetadata release artifacts, fetched with the ordinary clients and cached by digest.

connkit never talks to a registry itself: ``pip`` fetches the ``openmetadata-ingestion``
sdist and lists PyPI versions, ``mvn`` fetches ``org.open-metadata`` jars and their
``maven-metadata.xml``. Every fetched file lands in a download cache as
``blobs/sha256/<digest>`` with a small JSON index entry per coordinate, so a second
``workspace.create`` of the same release reads only the cache (no network, seconds).

Versions: PyPI releases have four (sometimes five) parts (``2.0.6.0``, ``1.9.11.8.1``);
the Maven artifacts of the same release have three (``2.0.6``). A release is usable when
the sdist and the ``openmetadata-spec`` jar both exist; the ``openmetadata-service`` jar
(test-connection definitions) is used when it exists and derived otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from connkit.errors import ConnkitError, UsageError
from connkit.fsutil import atomic_write_text

PYPI_NAME = "openmetadata-ingestion"
MAVEN_GROUP = "org.open-metadata"
SPEC_ARTIFACT = "openmetadata-spec"
SERVICE_ARTIFACT = "openmetadata-service"

#: How long a resolved default version is trusted before the registries are asked again.
DEFAULT_RESOLUTION_TTL = 24 * 3600

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# --------------------------------------------------------------------------- versions


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for dotted numeric versions; anything non-numeric sorts first."""
    parts = []
    for part in version.split("."):
        if not part.isdigit():
            return (-1,)
        parts.append(int(part))
    return tuple(parts)


def is_final(version: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)+", version))


def maven_version_of(pypi_version: str) -> str:
    """``2.0.6.0`` → ``2.0.6``; ``1.9.11.8.1`` → ``1.9.11``; ``2.0.6`` stays; ``1.2`` → ``1.2.0``."""
    if not is_final(pypi_version):
        raise UsageError(
            f"OpenMetadata version {pypi_version!r} is not a release number; pass one like 1.4.0 or 1.4.0.1"
        )
    parts = pypi_version.split(".")[:3]
    return ".".join(parts + ["0"] * (3 - len(parts)))


@dataclass(frozen=True)
class Release:
    """One OpenMetadata release as connkit assembles it."""

    pypi_version: str  # openmetadata-ingestion sdist, e.g. 1.4.0.1
    maven_version: str  # openmetadata-spec (and -service) jars, e.g. 1.4.0
    service_jar: bool  # whether openmetadata-service is published for maven_version

    @property
    def name(self) -> str:
        return self.maven_version


# --------------------------------------------------------------------------- cache


def default_cache_root() -> Path:
    override = os.environ.get("CONNKIT_DOWNLOAD_CACHE")
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "connkit" / "downloads"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedArtifact:
    key: str  # e.g. "pypi/openmetadata-ingestion/1.4.0.1"
    filename: str  # the name the registry gave it
    sha256: str
    path: Path  # the blob in the cache
    fresh: bool = False  # downloaded by this call (False: served from the cache)


class DownloadCache:
    """Content-addressed store of downloaded files plus an index by coordinate."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else default_cache_root()

    def blob(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / digest[:2] / digest

    def _index_file(self, key: str) -> Path:
        return self.root / "index" / f"{key}.json"

    def get(self, key: str) -> CachedArtifact | None:
        """The cached file for ``key``, checked against its digest; None when absent or bad."""
        index = self._index_file(key)
        try:
            entry = json.loads(index.read_text())
        except (OSError, ValueError):
            return None
        blob = self.blob(entry["sha256"])
        if not blob.is_file() or sha256_file(blob) != entry["sha256"]:
            return None
        return CachedArtifact(key, entry["filename"], entry["sha256"], blob)

    def put(self, key: str, file: Path, *, source: str) -> CachedArtifact:
        digest = sha256_file(file)
        blob = self.blob(digest)
        if not blob.is_file():
            blob.parent.mkdir(parents=True, exist_ok=True)
            tmp = blob.with_name(f".{digest}.{os.getpid()}.tmp")
            shutil.copyfile(file, tmp)
            os.replace(tmp, blob)
        entry = {"sha256": digest, "filename": file.name, "source": source, "fetched": time.time()}
        atomic_write_text(self._index_file(key), json.dumps(entry, indent=2) + "\n")
        return CachedArtifact(key, file.name, digest, blob, fresh=True)

    def read_note(self, name: str) -> dict | None:
        try:
            return json.loads((self.root / "notes" / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None

    def write_note(self, name: str, data: dict) -> None:
        atomic_write_text(self.root / "notes" / f"{name}.json", json.dumps(data, indent=2) + "\n")

    @property
    def maven_repo(self) -> Path:
        """The local Maven repository connkit's ``mvn`` calls use (known path, own metadata)."""
        return self.root / "maven-repo"


# --------------------------------------------------------------------------- clients


def _run(argv: list[str], *, what: str, timeout: float = 900) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout)
    except FileNotFoundError as exc:
        raise ConnkitError(f"{what} needs `{argv[0]}` on PATH; install it and retry") from exc
    except subprocess.TimeoutExpired as exc:
        raise ConnkitError(f"{what} timed out after {timeout:.0f}s; check the network") from exc


def _pip() -> list[str]:
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, stdin=subprocess.DEVNULL
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    if shutil.which("pip"):
        return ["pip"]
    raise ConnkitError("fetching PyPI artifacts needs pip; install pip (or `uv pip`) and retry")


def _mvn(cache: DownloadCache) -> list[str]:
    if not shutil.which("mvn"):
        raise ConnkitError("fetching Maven artifacts needs `mvn` on PATH; install Maven and retry")
    return ["mvn", "-B", "-q", f"-Dmaven.repo.local={cache.maven_repo}"]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line]
    return (errors or lines or ["(no output)"])[0][:300]


#: Version listings are small: a registry that does not answer in this long is taken as offline.
LISTING_TIMEOUT = 60


def pypi_versions(name: str = PYPI_NAME) -> list[str]:
    """Final release versions of ``name`` on the package index pip is configured for, newest first."""
    proc = _run(
        _pip() + ["index", "versions", "--retries", "1", "--timeout", "15", name],
        what="listing PyPI versions",
        timeout=LISTING_TIMEOUT,
    )
    if proc.returncode != 0:
        raise ConnkitError(f"pip could not list {name} versions: {_last_line(proc.stderr)}")
    match = re.search(r"Available versions:\s*(.+)", proc.stdout)
    if not match:
        return []
    versions = [v.strip() for v in match.group(1).split(",") if is_final(v.strip())]
    return sorted(versions, key=version_key, reverse=True)


def maven_versions(artifact: str, cache: DownloadCache, group: str = MAVEN_GROUP) -> list[str]:
    """Versions listed in the artifact's ``maven-metadata.xml``, newest first ([] when none).

    ``mvn dependency:get`` of ``RELEASE`` makes Maven fetch that metadata into connkit's
    local repository, where it is read back.
    """
    _run(
        _mvn(cache)
        + ["-U", "dependency:get", f"-Dartifact={group}:{artifact}:RELEASE:pom", "-Dtransitive=false"],
        what="listing Maven versions",
        timeout=LISTING_TIMEOUT,
    )
    folder = cache.maven_repo / Path(*group.split(".")) / artifact
    versions: set[str] = set()
    for meta in folder.glob("maven-metadata-*.xml"):
        try:
            root = ET.parse(meta).getroot()
        except ET.ParseError:
            continue
        versions.update(v.text.strip() for v in root.iter("version") if v.text)
    return sorted((v for v in versions if is_final(v)), key=version_key, reverse=True)


def fetch_sdist(version: str, cache: DownloadCache, progress: Progress = _quiet) -> CachedArtifact:
    """The ``openmetadata-ingestion`` sdist of ``version``: from the cache, else ``pip download``."""
    key = f"pypi/{PYPI_NAME}/{version}/sdist"
    hit = cache.get(key)
    if hit:
        progress(f"cached  {PYPI_NAME} {version} sdist ({hit.sha256[:12]})")
        return hit
    progress(f"pip download {PYPI_NAME}=={version} (sdist)")
    with tempfile.TemporaryDirectory(prefix="connkit-pip-") as tmp:
        proc = _run(
            _pip()
            + [
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                tmp,
                f"{PYPI_NAME}=={version}",
            ],
            what=f"downloading {PYPI_NAME} {version}",
        )
        files = [p for p in Path(tmp).iterdir() if p.name.endswith((".tar.gz", ".zip"))]
        if proc.returncode != 0 or len(files) != 1:
            raise ConnkitError(
                f"pip could not download the {PYPI_NAME} {version} sdist: "
                f"{_last_line(proc.stderr or proc.stdout)}; pick another --openmetadata-version"
            )
        return cache.put(key, files[0], source=f"pypi:{PYPI_NAME}=={version}")


def fetch_jar(
    artifact: str, version: str, cache: DownloadCache, progress: Progress = _quiet
) -> CachedArtifact | None:
    """``org.open-metadata:<artifact>:<version>`` jar via ``mvn dependency:get``; None if not served."""
    key = f"maven/{MAVEN_GROUP}/{artifact}/{version}/jar"
    hit = cache.get(key)
    if hit:
        progress(f"cached  {artifact} {version} jar ({hit.sha256[:12]})")
        return hit
    progress(f"mvn dependency:get {MAVEN_GROUP}:{artifact}:{version}")
    coordinate = f"{MAVEN_GROUP}:{artifact}:{version}:jar"
    proc = _run(
        _mvn(cache) + ["dependency:get", f"-Dartifact={coordinate}", "-Dtransitive=false"],
        what=f"downloading {artifact} {version}",
    )
    jar = cache.maven_repo / Path(*MAVEN_GROUP.split(".")) / artifact / version / f"{artifact}-{version}.jar"
    if proc.returncode != 0 or not jar.is_file():
        return None
    return cache.put(key, jar, source=f"maven:{coordinate}")


# --------------------------------------------------------------------------- resolution


def resolve_release(requested: str | None, cache: DownloadCache, progress: Progress = _quiet) -> Release:
    """Which release to assemble: ``requested`` (PyPI or Maven form) or the newest usable one.

    The default is the newest release that has both the sdist and the spec jar. A fresh
    answer (younger than a day) is reused from the cache so repeated creates stay offline;
    when the registries cannot be reached an older cached answer is used.
    """
    if requested:
        return _resolve_requested(requested.strip(), cache, progress)
    note = cache.read_note("default-release")
    if note and time.time() - note.get("resolved", 0) < DEFAULT_RESOLUTION_TTL:
        progress(f"default release {note['release']['maven_version']} (resolved earlier)")
        return Release(**note["release"])
    try:
        release = _resolve_default(cache, progress)
    except ConnkitError:
        if note:
            progress("registries unreachable; using the default release resolved earlier")
            return Release(**note["release"])
        raise
    cache.write_note("default-release", {"resolved": time.time(), "release": asdict(release)})
    return release


def _known(cache: DownloadCache, maven_version: str) -> Release | None:
    """A release assembled before (its artifacts are cached): no registry needed."""
    note = cache.read_note(f"release-{maven_version}")
    return Release(**note) if note else None


#: Newest PyPI releases whose Maven artifacts are probed directly when the listing lacks them.
PROBE_NEWEST = 3


def maven_has(artifact: str, version: str, cache: DownloadCache, group: str = MAVEN_GROUP) -> bool:
    """Whether Maven serves ``group:artifact:version`` (its POM), asked directly.

    A ``maven-metadata.xml`` can lag behind what a repository serves, so the newest
    candidates are checked one by one rather than trusted to the listing.
    """
    proc = _run(
        _mvn(cache)
        + ["-U", "dependency:get", f"-Dartifact={group}:{artifact}:{version}:pom", "-Dtransitive=false"],
        what=f"looking up {artifact} {version}",
        timeout=LISTING_TIMEOUT,
    )
    return proc.returncode == 0


def _served(artifact: str, candidates: list[str], cache: DownloadCache) -> set[str]:
    """Which of ``candidates`` Maven serves: the listing, plus direct probes of the newest."""
    listed = set(maven_versions(artifact, cache))
    newest_listed = max(listed, key=version_key, default="0")
    probe = [v for v in candidates if v not in listed and version_key(v) > version_key(newest_listed)]
    return listed | {v for v in probe[:PROBE_NEWEST] if maven_has(artifact, v, cache)}


def _maven_candidates(pypi: list[str]) -> list[str]:
    seen: list[str] = []
    for version in pypi:
        maven = maven_version_of(version)
        if maven not in seen:
            seen.append(maven)
    return seen


def _resolve_requested(requested: str, cache: DownloadCache, progress: Progress) -> Release:
    maven_version = maven_version_of(requested)
    pypi_exact = requested if requested.count(".") >= 3 else None
    known = _known(cache, maven_version)
    if known and (pypi_exact is None or pypi_exact == known.pypi_version):
        return known
    progress(f"looking up OpenMetadata {requested} on PyPI and Maven Central")
    pypi = pypi_versions()
    spec = set(maven_versions(SPEC_ARTIFACT, cache))
    if maven_version not in spec and maven_has(SPEC_ARTIFACT, maven_version, cache):
        spec.add(maven_version)
    usable = [v for v in _maven_candidates(pypi) if v in spec]
    hint = f"releases with both artifacts here: {', '.join(usable) or 'none'}"
    matching = [v for v in pypi if maven_version_of(v) == maven_version]
    if pypi_exact and pypi_exact not in pypi:
        raise UsageError(f"{PYPI_NAME} {pypi_exact} is not on PyPI here; {hint}")
    if not matching:
        raise UsageError(f"{PYPI_NAME} has no {maven_version}.x release on PyPI; {hint}")
    pypi_version = pypi_exact or matching[0]
    if maven_version not in spec:
        raise UsageError(
            f"Maven Central here serves no {SPEC_ARTIFACT} {maven_version} (the JSON schemas); {hint}"
        )
    service = maven_version in _served(SERVICE_ARTIFACT, [maven_version], cache)
    return Release(pypi_version, maven_version, service)


def _resolve_default(cache: DownloadCache, progress: Progress) -> Release:
    progress("finding the newest release with both a PyPI sdist and Maven jars")
    pypi = pypi_versions()
    candidates = _maven_candidates(pypi)
    spec = _served(SPEC_ARTIFACT, candidates, cache)
    for maven_version in candidates:
        if maven_version in spec:
            matching = [v for v in pypi if maven_version_of(v) == maven_version]
            service = maven_version in _served(SERVICE_ARTIFACT, [maven_version], cache)
            return Release(matching[0], maven_version, service)
    raise ConnkitError(
        f"no OpenMetadata release has both a {PYPI_NAME} sdist and an {SPEC_ARTIFACT} jar "
        f"(Maven serves {', '.join(sorted(spec, key=version_key)) or 'none'}); check the registries"
    )


def remember_release(release: Release, cache: DownloadCache) -> None:
    """Record that ``release``'s artifacts are cached, so naming it again needs no registry."""
    cache.write_note(f"release-{release.maven_version}", asdict(release))
