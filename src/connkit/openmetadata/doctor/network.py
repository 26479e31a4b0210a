"""Whether the three registries connkit downloads from answer: one small request each.

Each is asked where this machine's own clients are pointed (pip's index, npm's registry,
a Maven mirror of central), so a mirror that is down is reported, not the public registry.
httpx reads HTTPS_PROXY / NO_PROXY and SSL_CERT_FILE / SSL_CERT_DIR as the clients do.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from connkit.engine.process import InstallHint
from connkit.openmetadata.doctor.model import Check, State

TIMEOUT = 5.0
PYPI = "https://pypi.org/simple"
NPM = "https://registry.npmjs.org"
MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
#: Answers that mean "reached, but not let in": the registry is unusable as configured.
_REFUSED = {401, 403, 407}


@dataclass(frozen=True)
class Registry:
    name: str
    url: str  # the one small thing asked for
    source: str  # where this machine's clients are told to go: "default", "PIP_INDEX_URL", ...
    needed_for: str
    setting: str  # how to point the client elsewhere, for the fix


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or Path.home())


def _pip_config_index(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """index-url from pip's configuration files, the last one that sets it winning, as pip reads them."""
    home = _home(environ)
    xdg = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    files = [
        Path("/etc/xdg/pip/pip.conf"),
        Path("/etc/pip.conf"),
        home / ".pip" / "pip.conf",
        xdg / "pip" / "pip.conf",
    ]
    if environ.get("PIP_CONFIG_FILE"):
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    found = None
    for path in files:
        parser = configparser.ConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "download", "install"):
            if parser.has_option(section, "index-url"):
                found = (parser.get(section, "index-url"), str(path))
                break
    return found


def pypi(environ: Mapping[str, str]) -> Registry:
    index, source = PYPI, "default"
    configured = _pip_config_index(environ)
    if configured:
        index, source = configured
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
        if environ.get(name):
            index, source = environ[name], name
    return Registry(
        "PyPI",
        f"{index.rstrip('/')}/pip/",
        source,
        "workspace.create, pyenv",
        "PIP_INDEX_URL / UV_DEFAULT_INDEX",
    )


def npm(environ: Mapping[str, str]) -> Registry:
    registry, source = NPM, "default"
    npmrc = _home(environ) / ".npmrc"
    try:
        match = re.search(r"^\s*registry\s*=\s*(\S+)", npmrc.read_text(encoding="utf-8"), re.M)
    except OSError:
        match = None
    if match:
        registry, source = match.group(1), str(npmrc)
    for name in ("NPM_CONFIG_REGISTRY", "npm_config_registry"):
        if environ.get(name):
            registry, source = environ[name], name
    return Registry(
        "npm", f"{registry.rstrip('/')}/yarn/latest", source, "generate.ui.deps", "npm_config_registry"
    )


def _maven_mirror(settings: Path) -> str | None:
    """The URL of a ``<mirror>`` standing in for central in a Maven settings file."""
    try:
        root = ET.fromstring(settings.read_text(encoding="utf-8"))
    except (OSError, ET.ParseError):
        return None
    for mirror in root.iter():
        if mirror.tag.rsplit("}", 1)[-1] != "mirror":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in mirror}
        of = {part.strip() for part in fields.get("mirrorOf", "").split(",")}
        if of & {"*", "central", "external:*"} and fields.get("url"):
            return fields["url"]
    return None


def maven_settings(environ: Mapping[str, str], root: Path | None = None) -> Path:
    """The settings file Maven reads: ``-s FILE`` in the workspace's ``.mvn/maven.config``,
    else ``~/.m2/settings.xml``."""
    if root is not None:
        try:
            args = shlex.split((root / ".mvn" / "maven.config").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            args = []
        for i, flag in enumerate(args[:-1]):
            if flag in ("-s", "--settings"):
                return (root / args[i + 1]).resolve()
    return _home(environ) / ".m2" / "settings.xml"


def maven_central(environ: Mapping[str, str], root: Path | None = None) -> Registry:
    repository, source = MAVEN_CENTRAL, "default"
    settings = maven_settings(environ, root)
    mirror = _maven_mirror(settings)
    if mirror:
        repository, source = mirror, f"{settings} <mirror>"
    return Registry(
        "Maven Central",
        f"{repository.rstrip('/')}/org/antlr/antlr4/maven-metadata.xml",
        source,
        "workspace.create, generate.java",
        "a <mirror> of central in ~/.m2/settings.xml",
    )


def _fix(registry: Registry) -> InstallHint:
    proxy = "export HTTPS_PROXY=http://PROXY:PORT"
    return InstallHint(
        f"access to {registry.name}",
        proxy,
        proxy,
        f"a proxy that inspects TLS also needs SSL_CERT_FILE=/path/to/its-ca.pem; "
        f"to use a mirror instead set {registry.setting}",
    )


def check(registry: Registry, environ: Mapping[str, str] | None = None) -> Check:
    environ = os.environ if environ is None else environ
    via = " via HTTPS_PROXY" if environ.get("HTTPS_PROXY") or environ.get("https_proxy") else ""
    where = f"{registry.url} ({registry.source}{via})"
    try:
        with httpx.Client(timeout=TIMEOUT, trust_env=True, follow_redirects=False) as client:
            with client.stream("GET", registry.url, headers={"User-Agent": "connkit-doctor"}) as response:
                status = response.status_code
    except (httpx.HTTPError, ssl.SSLError, OSError) as exc:  # OSError: an unreadable SSL_CERT_FILE
        said = str(exc).strip() or type(exc).__name__
        return Check(
            registry.name, State.NOT_ANSWERING, f"{where}: {said}", registry.needed_for, True, _fix(registry)
        )
    if status in _REFUSED or status >= 500:
        return Check(
            registry.name,
            State.NOT_ANSWERING,
            f"{where}: HTTP {status}",
            registry.needed_for,
            True,
            _fix(registry),
        )
    return Check(
        registry.name, State.OK, f"{where}: HTTP {status}", registry.needed_for, True, _fix(registry)
    )


def registries(environ: Mapping[str, str] | None = None, root: Path | None = None) -> list[Registry]:
    environ = os.environ if environ is None else environ
    return [pypi(environ), npm(environ), maven_central(environ, root)]
