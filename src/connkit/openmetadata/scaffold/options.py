"""The answers a scaffold needs, as one typed value, and the rules that make them valid.

Every rule here mirrors upstream's ``metadata scaffold-connector`` (names, service types,
connection types and their defaults, auth types, capabilities) and adds the checks upstream
leaves to chance: paths in names, reserved names, control characters in free text. Free text
(notes, descriptions, display names) is data: it may hold anything printable, template syntax
included, and templates write it literally.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connkit.errors import UsageError
from connkit.openmetadata.connectors import NAME_RE, Connector
from connkit.openmetadata.scaffold.endpoints import parse as parse_endpoint
from connkit.openmetadata.services import SERVICE_TYPES

CONNECTION_TYPES = ("sqlalchemy", "rest_api", "sdk_client")
AUTH_TYPES = ("basic", "iam", "azure", "jwt", "token", "oauth")
CAPABILITIES = ("metadata", "lineage", "usage", "profiler", "stored_procedures", "data_diff")
# Capabilities that need a SQL engine (query logs, profiler, data diff).
SQL_ONLY_CAPABILITIES = ("usage", "profiler", "data_diff")
DATABASE_ONLY_CAPABILITIES = ("usage", "profiler", "stored_procedures", "data_diff")

# Names that would shadow a framework module next to the new package, or a service folder.
RESERVED_NAMES = frozenset(
    {
        *SERVICE_TYPES,
        "common",
        "common_db_source",
        *(f"{t}_service" for t in SERVICE_TYPES),
        "connection",
        "connections",
        "metadata",
        "service_spec",
        "client",
        "models",
        "queries",
        "lineage",
        "usage",
        "query_parser",
        "lineage_source",
        "usage_source",
        "sql_column_handler",
        "stored_procedures_mixin",
        "multi_db_source",
        "utils",
        "test",
        "tests",
    }
)
MAX_NAME_LENGTH = 64
MAX_TEXT_LENGTH = 2000

REQUIRED_FLAGS = ("--name", "--service-type")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9]*(\+[a-z][a-z0-9_]*)?$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_SDK_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IMAGE_RE = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(@sha256:[0-9a-f]{64})?$"
)


@dataclass(frozen=True)
class ScaffoldOptions:
    """Validated scaffold input; build it with :func:`build_options`."""

    name: str
    service_type: str
    connection_type: str
    auth_types: tuple[str, ...] = ("basic",)
    capabilities: tuple[str, ...] = ("metadata",)
    scheme: str | None = None
    default_port: int | None = None
    display_name: str = ""
    description: str = ""
    docs_url: str | None = None
    sdk_package: str | None = None
    api_endpoints: tuple[str, ...] = ()  # as given (one space after the method); parsed by endpoints.parse
    docs_notes: str = ""
    docker_image: str | None = None
    docker_port: int | None = None
    connector: Connector = field(init=False, compare=False)  # the names and files it will have

    def __post_init__(self) -> None:
        object.__setattr__(self, "connector", Connector.named(self.name, self.service_type))

    @property
    def is_sqlalchemy(self) -> bool:
        return self.connection_type == "sqlalchemy"

    @property
    def has_client(self) -> bool:
        return not self.is_sqlalchemy

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def _text(flag: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if _CONTROL.search(text):
        raise UsageError(f"{flag} contains control characters; use plain printable text")
    if len(text) > MAX_TEXT_LENGTH:
        raise UsageError(f"{flag} is longer than {MAX_TEXT_LENGTH} characters; shorten it")
    return text.strip()


def _line(flag: str, value: Any) -> str:
    text = _text(flag, value)
    if "\n" in text:
        raise UsageError(f"{flag} must be a single line; drop the line breaks")
    return text


def _choices(flag: str, values: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        value = value.strip().lower()
        if value not in allowed:
            raise UsageError(f"unknown {flag} value {value!r}; choose from {', '.join(allowed)}")
        if value not in out:
            out.append(value)
    return tuple(out)


def _port(flag: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        raise UsageError(f"{flag} must be a port number (1-65535), got {value!r}") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"{flag} must be between 1 and 65535, got {port}")
    return port


def validate_name(name: Any) -> str:
    if name is None or str(name).strip() == "":
        raise UsageError("--name is required: give a snake_case connector name, e.g. --name my_source")
    name = str(name).strip()
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise UsageError(f"--name {name!r} looks like a path; give a bare snake_case name such as my_source")
    if not NAME_RE.match(name):
        raise UsageError(
            f"--name {name!r} is not snake_case (^[a-z][a-z0-9_]*$); use lowercase letters, digits, "
            "underscores, starting with a letter"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(f"--name is longer than {MAX_NAME_LENGTH} characters; choose a shorter name")
    if name.endswith("_") or "__" in name:
        raise UsageError(f"--name {name!r} has a leading/trailing/double underscore; use single underscores")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise UsageError(f"--name {name!r} is a Python keyword; choose another name")
    if name in RESERVED_NAMES:
        raise UsageError(f"--name {name!r} is reserved by the ingestion framework; choose another name")
    return name


def build_options(
    *,
    name: Any = None,
    service_type: Any = None,
    connection_type: Any = None,
    scheme: Any = None,
    default_port: Any = None,
    auth_types: Iterable[str] = (),
    capabilities: Iterable[str] = (),
    display_name: Any = None,
    description: Any = None,
    docs_url: Any = None,
    sdk_package: Any = None,
    api_endpoints: Iterable[str] = (),
    docs_notes: Any = None,
    docker_image: Any = None,
    docker_port: Any = None,
) -> ScaffoldOptions:
    """Check every flag with upstream's rules; raise one UsageError naming the fix."""
    name = validate_name(name)
    if service_type is None or str(service_type).strip() == "":
        raise UsageError(f"--service-type is required; choose from {', '.join(SERVICE_TYPES)}")
    service_type = str(service_type).strip().lower()
    if service_type not in SERVICE_TYPES:
        raise UsageError(f"unknown --service-type {service_type!r}; choose from {', '.join(SERVICE_TYPES)}")

    if connection_type is None or str(connection_type).strip() == "":
        connection_type = "sqlalchemy" if service_type == "database" else "rest_api"
    connection_type = str(connection_type).strip().lower()
    if connection_type not in CONNECTION_TYPES:
        raise UsageError(
            f"unknown --connection-type {connection_type!r}; choose from {', '.join(CONNECTION_TYPES)}"
        )
    if connection_type == "sqlalchemy" and service_type != "database":
        raise UsageError(
            f"--connection-type sqlalchemy is only for database connectors; use rest_api or sdk_client "
            f"for a {service_type} connector"
        )

    auths = _choices("--auth-types", auth_types, AUTH_TYPES) or ("basic",)
    caps = _choices("--capabilities", capabilities, CAPABILITIES) or ("metadata",)
    if "metadata" not in caps:
        caps = ("metadata", *caps)
    for cap in caps:
        if cap in DATABASE_ONLY_CAPABILITIES and service_type != "database":
            raise UsageError(
                f"--capabilities {cap} applies to database connectors only; drop it for a {service_type} "
                "connector"
            )
        if cap in SQL_ONLY_CAPABILITIES and connection_type != "sqlalchemy":
            raise UsageError(
                f"--capabilities {cap} needs --connection-type sqlalchemy; drop it or switch the "
                "connection type"
            )

    scheme_text = _line("--scheme", scheme) or None
    if scheme_text is not None:
        if connection_type != "sqlalchemy":
            raise UsageError(
                "--scheme is the SQLAlchemy driver scheme; use it with --connection-type sqlalchemy"
            )
        if not _SCHEME_RE.match(scheme_text):
            raise UsageError(
                f"--scheme {scheme_text!r} is not a SQLAlchemy scheme; use dialect or dialect+driver, "
                "e.g. mysql+pymysql"
            )

    url = _line("--docs-url", docs_url) or None
    if url is not None and not _URL_RE.match(url):
        raise UsageError(f"--docs-url {url!r} is not an http(s) URL; give e.g. https://example.com/docs")

    sdk = _line("--sdk-package", sdk_package) or None
    if sdk is not None:
        if connection_type != "sdk_client":
            raise UsageError("--sdk-package applies to --connection-type sdk_client; add that or drop it")
        if not _SDK_RE.match(sdk):
            raise UsageError(
                f"--sdk-package {sdk!r} is not an importable module name; give e.g. google.cloud.storage"
            )

    endpoints: list[str] = []
    for entry in api_endpoints:
        entry = _line("--api-endpoints", entry)
        if not entry:
            continue
        given = parse_endpoint(entry).given
        if given not in endpoints:
            endpoints.append(given)
    if endpoints and connection_type == "sqlalchemy":
        raise UsageError(
            "--api-endpoints is for REST/SDK connectors; drop it for --connection-type sqlalchemy"
        )
    notes = _text("--docs-notes", docs_notes).replace("\r\n", "\n")

    image = _line("--docker-image", docker_image) or None
    dport = _port("--docker-port", docker_port)
    port = _port("--default-port", default_port)
    if image is not None and not _IMAGE_RE.match(image):
        raise UsageError(f"--docker-image {image!r} is not an image reference; give e.g. postgres:16")
    if dport is not None and image is None:
        raise UsageError("--docker-port needs --docker-image (the image the integration test starts)")
    if image is not None and dport is None:
        if port is None:
            raise UsageError("--docker-image needs --docker-port (or --default-port), the port to expose")
        dport = port

    return ScaffoldOptions(
        name=name,
        service_type=service_type,
        connection_type=connection_type,
        auth_types=auths,
        capabilities=caps,
        scheme=scheme_text,
        default_port=port,
        display_name=_line("--display-name", display_name),
        description=_text("--description", description),
        docs_url=url,
        sdk_package=sdk,
        api_endpoints=tuple(endpoints),
        docs_notes=notes,
        docker_image=image,
        docker_port=dport,
    )
