"""What one `stack.up` asks for, and the per-workspace names derived from it."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.stack.release import ServerRelease, read_release
from connkit.openmetadata.workspace import Workspace

DATABASES = ("mysql", "postgresql")
MODES = ("ui", "no-ui")
#: Upstream's default (``run_local_docker.sh -m ui``): the server with the UI built from the tree.
DEFAULT_MODE = "ui"

#: Seconds each service may take to become healthy before `up` gives up on it. The server's
#: covers its migrations (40-55 s on a fresh database here) and its start under load.
DEFAULT_TIMEOUTS = {"database": 120, "search": 240, "server": 600, "ingestion": 240}

#: Host ports, as upstream's compose files publish them (always on 127.0.0.1).
DEFAULT_PORTS = {
    "mysql": 3306,
    "postgresql": 5432,
    "search": 9200,
    "server": 8585,
    "server-admin": 8586,
    "server-debug": 5005,
    "ingestion": 8080,
}

#: OpenSearch from Maven Central's integ-test-zip; 2.19 runs on Debian's OpenJDK 17
#: (3.x needs Java 21, which bookworm does not package).
SEARCH_ARTIFACT = "org.opensearch.distribution.integ-test-zip:opensearch"
SEARCH_VERSION = "2.19.6"


@dataclass(frozen=True)
class StackOptions:
    database: str = ""  # "": the workspace's choice (see for_workspace); "mysql" outside a checkout
    mode: str = ""  # "": DEFAULT_MODE, or with --fast the running stack's (lifecycle.up)
    ingestion: bool = True
    search: bool = True
    debug: bool = False
    fast: bool = False
    reset: bool | None = None  # None: upstream's default (reset on a full run, keep on --fast)
    keep_on_failure: bool = False
    ca_bundle: Path | None = None
    base_image: str | None = None
    ephemeral_ports: bool = False
    timeouts: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TIMEOUTS))
    extras: tuple[str, ...] = ()  # more ingestion extras to install (a checkout's image)
    release: ServerRelease | None = None  # the checkout's server, set by stack.up when it has one

    database_chosen: bool = True  # False when --database was not given
    mode_chosen: bool = True  # False when --mode was not given

    def __post_init__(self) -> None:
        if not self.database:
            object.__setattr__(self, "database", "mysql")
            object.__setattr__(self, "database_chosen", False)
        if not self.mode:
            object.__setattr__(self, "mode", DEFAULT_MODE)
            object.__setattr__(self, "mode_chosen", False)
        if self.database not in DATABASES:
            raise UsageError(f"--database {self.database!r}: choose mysql or postgresql")
        if self.mode not in MODES:
            raise UsageError(f"--mode {self.mode!r}: choose ui or no-ui")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise UsageError(f"--ca-bundle {self.ca_bundle}: no such file; pass a PEM bundle")

    @property
    def server(self) -> bool:
        return self.release is not None

    @property
    def ui(self) -> bool:
        """Whether the server is built with the UI (``--mode ui`` on a checkout with a server)."""
        return self.server and self.mode == "ui"

    @property
    def airflow(self) -> str:
        """The Airflow version the ingestion image runs as the pipeline service client, or ''."""
        release = self.release
        return release.airflow if release and release.managed_apis and self.ingestion else ""

    @property
    def wipe_volumes(self) -> bool:
        return (not self.fast) if self.reset is None else self.reset

    def host_port(self, service: str) -> str:
        """The host side of a published port: fixed like upstream, or one the engine picks."""
        if self.ephemeral_ports:
            return ""
        return str(DEFAULT_PORTS[self.database if service == "database" else service])

    def published(self) -> dict[str, list[str]]:
        """Service -> the host ports it publishes (on 127.0.0.1), for the checks before `up`."""
        ports = {"database": [self.database]}
        if self.search:
            ports["search"] = ["search"]
        if self.server:
            ports["server"] = ["server", "server-admin"] + (["server-debug"] if self.debug else [])
        if self.airflow:
            ports["ingestion"] = ["ingestion"]
        return {svc: [str(DEFAULT_PORTS[name]) for name in names] for svc, names in ports.items()}


def parse_timeouts(values: list[str]) -> dict[str, int]:
    """``SERVICE=SECONDS`` items over the defaults, for slow machines (or tests)."""
    timeouts = dict(DEFAULT_TIMEOUTS)
    for item in values:
        service, _, seconds = item.partition("=")
        if service not in DEFAULT_TIMEOUTS or not seconds.isdigit() or int(seconds) < 1:
            known = ", ".join(DEFAULT_TIMEOUTS)
            raise UsageError(f"--timeout {item!r}: write SERVICE=SECONDS with SERVICE one of {known}")
        timeouts[service] = int(seconds)
    return timeouts


def resolve_ca_bundle(explicit: str | Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """``--ca-bundle`` wins, then ``SSL_CERT_FILE``, then ``REQUESTS_CA_BUNDLE``; None: no extra CA."""
    env = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise UsageError(f"--ca-bundle {explicit}: no such file; pass a PEM bundle")
        return path.resolve()
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = env.get(name)
        if value and Path(value).is_file():
            return Path(value).resolve()
    return None


def project_name(ws: Workspace) -> str:
    """One compose project per workspace: readable folder name plus a hash of the full path."""
    root = str(ws.root.resolve())
    slug = re.sub(r"[^a-z0-9]+", "-", ws.root.name.lower()).strip("-")[:24] or "ws"
    digest = hashlib.sha256(root.encode()).hexdigest()[:8]
    return f"connkit-{slug}-{digest}"


def for_workspace(options: StackOptions, ws: Workspace) -> StackOptions:
    """``options`` with what the workspace decides: its server release (a checkout with server
    source) and, unless ``--database`` chose, the database that release accepts."""
    release = read_release(ws.root)
    database = "postgresql" if release is not None and not options.database_chosen else options.database
    if release is not None and database not in release.databases:
        shipped = ", ".join(release.databases) or "none"
        raise UsageError(
            f"--database {database}: this release ships migrations for {shipped} only; choose one of them"
        )
    return replace(options, release=release, database=database)
