"""What a checkout's own files say its server stack needs: whether there is a server to build,
the search engine its compose files run, the environment they give the server, the Airflow
its ingestion image pins, and whether its MySQL migrations can run on MariaDB.

Everything is read from files in the tree, never from a version number, so another release
with other compose files or pins is followed rather than assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from connkit.fsutil import read_text_or_empty

#: A workspace is a server checkout when it carries the server's source and its assembly.
SERVER_DIRS = ("openmetadata-service", "openmetadata-dist")
COMPOSE_DIR = "docker/development"
COMPOSE_FILES = {"postgresql": "docker-compose-postgres.yml", "mysql": "docker-compose.yml"}
AIRFLOW_APIS = "openmetadata-airflow-apis"
MYSQL_MIGRATIONS = "bootstrap/sql/com.mysql.cj.jdbc.Driver"
POSTGRES_MIGRATIONS = "bootstrap/sql/org.postgresql.Driver"

_SEARCH_IMAGE = re.compile(r"^\s*image:\s*\S*/(elasticsearch|opensearch)(?::(\d+(?:\.\d+)+))?\s*$", re.M)
_AIRFLOW_PIN = re.compile(r"[\"']apache-airflow==([0-9][\w.]*)[\"']")
_COMPOSE_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")

#: Where the server reaches the other services on the stack's network (compose service names).
SERVER_OVERRIDES = {
    "DB_HOST": "database",
    "ELASTICSEARCH_HOST": "search",
    "SERVER_HOST_API_URL": "http://server:8585/api",
    "PIPELINE_SERVICE_CLIENT_ENDPOINT": "http://ingestion:8080",
}
DATABASE_ENV = {
    "postgresql": {"DB_DRIVER_CLASS": "org.postgresql.Driver", "DB_SCHEME": "postgresql", "DB_PORT": "5432"},
    "mysql": {"DB_DRIVER_CLASS": "com.mysql.cj.jdbc.Driver", "DB_SCHEME": "mysql", "DB_PORT": "3306"},
}
FIXED_ENV = {
    "DB_USER": "openmetadata_user",
    "DB_USER_PASSWORD": "openmetadata_password",
    "OM_DATABASE": "openmetadata_db",
    "ELASTICSEARCH_PORT": "9200",
    "ELASTICSEARCH_SCHEME": "http",
}


@dataclass(frozen=True)
class SearchEngine:
    kind: str  # "elasticsearch" or "opensearch"
    version: str
    source: str  # the file that said so


@dataclass(frozen=True)
class ServerRelease:
    """The server side of a checkout, as its files describe it."""

    root: Path
    search: SearchEngine | None
    databases: tuple[str, ...]  # the migrations the release ships: "postgresql", "mysql"
    airflow: str  # the apache-airflow version the ingestion package pins, "" when none
    managed_apis: bool  # openmetadata-airflow-apis/ is there (the pipeline service client's API)
    mysql_needs_mysql8: bool  # the MySQL migrations use JSON ->> (MySQL 8 syntax MariaDB lacks)
    compose_env: dict[str, dict[str, str]] = field(default_factory=dict)  # database -> env

    def server_env(self, database: str) -> dict[str, str]:
        """The server's environment: the release's compose file, pointed at this stack's services."""
        env = dict(self.compose_env.get(database, {}))
        env.update(DATABASE_ENV[database])
        env.update(FIXED_ENV)
        env.update(SERVER_OVERRIDES)
        return dict(sorted(env.items()))


def has_server_source(root: Path) -> bool:
    return all((root / d).is_dir() for d in SERVER_DIRS)


def search_engine(root: Path) -> SearchEngine | None:
    """The search image the release's development compose files run (first one that names one)."""
    for name in (*COMPOSE_FILES.values(),):
        rel = f"{COMPOSE_DIR}/{name}"
        match = _SEARCH_IMAGE.search(read_text_or_empty(root / rel))
        if match and match.group(2):
            return SearchEngine(match.group(1), match.group(2), rel)
    return None


def _compose_default(value: object) -> str:
    """A compose value with ``${VAR:-default}`` replaced by its default (no variable is set here)."""
    text = "" if value is None else str(value)
    return _COMPOSE_VAR.sub(lambda m: (m.group(2) or "").strip().strip('"'), text).strip()


def compose_server_env(root: Path, database: str) -> dict[str, str]:
    """The environment of the service in the release's compose file that runs the server
    (the one that sets ``DB_DRIVER_CLASS``), with compose defaults applied."""
    path = root / COMPOSE_DIR / COMPOSE_FILES[database]
    try:
        data = yaml.safe_load(read_text_or_empty(path)) or {}
    except yaml.YAMLError:
        return {}
    for service in (data.get("services") or {}).values():
        env = (service or {}).get("environment")
        if isinstance(env, list):
            env = dict(item.partition("=")[::2] for item in env if isinstance(item, str))
        if isinstance(env, dict) and "DB_DRIVER_CLASS" in {str(k).strip() for k in env}:
            return {str(k).strip(): _compose_default(v) for k, v in env.items()}
    return {}


def airflow_pin(root: Path) -> str:
    match = _AIRFLOW_PIN.search(read_text_or_empty(root / "ingestion" / "setup.py"))
    return match.group(1) if match else ""


def _mysql_needs_mysql8(root: Path) -> bool:
    folder = root / MYSQL_MIGRATIONS
    return folder.is_dir() and any("->>" in read_text_or_empty(p) for p in sorted(folder.glob("*.sql")))


def read_release(root: Path) -> ServerRelease | None:
    """The server release of a checkout, or None where the workspace has no server source."""
    if not has_server_source(root):
        return None
    databases = tuple(
        db
        for db, rel in (("postgresql", POSTGRES_MIGRATIONS), ("mysql", MYSQL_MIGRATIONS))
        if (root / rel).is_dir()
    )
    return ServerRelease(
        root=root,
        search=search_engine(root),
        databases=databases,
        airflow=airflow_pin(root),
        managed_apis=(root / AIRFLOW_APIS / "setup.py").is_file(),
        mysql_needs_mysql8=_mysql_needs_mysql8(root),
        compose_env={db: compose_server_env(root, db) for db in COMPOSE_FILES},
    )
