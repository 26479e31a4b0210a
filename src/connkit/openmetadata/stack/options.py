"""What one `stack.up` asks for, and the per-workspace names derived from it."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from connkit.errors import UsageError
from connkit.openmetadata.workspace import Workspace

DATABASES = ("mysql", "postgresql")
MODES = ("ui", "no-ui")

#: Seconds each service may take to become healthy before `up` gives up on it.
DEFAULT_TIMEOUTS = {"database": 120, "search": 240, "ingestion": 120}

#: Host ports, as upstream's compose files publish them (always on 127.0.0.1).
DEFAULT_PORTS = {"mysql": 3306, "postgresql": 5432, "search": 9200}

#: OpenSearch from Maven Central's integ-test-zip; 2.19 runs on Debian's OpenJDK 17
#: (3.x needs Java 21, which bookworm does not package).
SEARCH_ARTIFACT = "org.opensearch.distribution.integ-test-zip:opensearch"
SEARCH_VERSION = "2.19.6"


@dataclass(frozen=True)
class StackOptions:
    database: str = "mysql"
    mode: str = "ui"
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

    def __post_init__(self) -> None:
        if self.database not in DATABASES:
            raise UsageError(f"--database {self.database!r}: choose mysql or postgresql")
        if self.mode not in MODES:
            raise UsageError(f"--mode {self.mode!r}: choose ui or no-ui")
        if self.ca_bundle is not None and not Path(self.ca_bundle).is_file():
            raise UsageError(f"--ca-bundle {self.ca_bundle}: no such file; pass a PEM bundle")

    @property
    def wipe_volumes(self) -> bool:
        return (not self.fast) if self.reset is None else self.reset

    def host_port(self, service: str) -> str:
        """The host side of a published port: fixed like upstream, or one the engine picks."""
        if self.ephemeral_ports:
            return ""
        return str(DEFAULT_PORTS[self.database if service == "database" else service])


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
