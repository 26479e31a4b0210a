"""What the stack reads from a checkout's files, and the small parsers around the server (no engine)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connkit.errors import UsageError
from connkit.openmetadata.stack import release, server_build
from connkit.openmetadata.stack.ingest import with_server
from connkit.openmetadata.stack.lifecycle import migration_log
from connkit.openmetadata.stack.options import StackOptions, for_workspace
from connkit.openmetadata.workspace import Workspace

COMPOSE = """\
services:
  postgresql:
    image: postgres
  elasticsearch:
    image: docker.elastic.co/elasticsearch/elasticsearch:7.16.3
  openmetadata-server:
    environment:
      AUTHENTICATION_PROVIDER: ${AUTHENTICATION_PROVIDER:-basic}
      AUTHORIZER_ADMIN_PRINCIPALS: ${AUTHORIZER_ADMIN_PRINCIPALS:-[admin]}
      DB_DRIVER_CLASS: ${DB_DRIVER_CLASS:-org.postgresql.Driver}
      DB_HOST: ${DB_HOST:-postgresql}
      ELASTICSEARCH_HOST: ${ELASTICSEARCH_HOST:- elasticsearch}
      JWT_ISSUER: ${JWT_ISSUER:-"open-metadata.org"}
      OM_CUSTOM_LOGO_URL_PATH: ${OM_CUSTOM_LOGO_URL_PATH:-""}
"""


def _checkout(
    root: Path, mysql_sql: str = "CREATE TABLE t (id VARCHAR(36) GENERATED ALWAYS AS (json ->> '$.id'));"
) -> Path:
    for d in (
        "openmetadata-spec",
        "openmetadata-service",
        "openmetadata-dist",
        "bootstrap/sql/org.postgresql.Driver",
    ):
        (root / d).mkdir(parents=True, exist_ok=True)
    mysql = root / "bootstrap/sql/com.mysql.cj.jdbc.Driver"
    mysql.mkdir(parents=True)
    (mysql / "v001__x.sql").write_text(mysql_sql)
    compose = root / "docker/development"
    compose.mkdir(parents=True)
    (compose / "docker-compose-postgres.yml").write_text(COMPOSE)
    (root / "ingestion").mkdir()
    (root / "ingestion/setup.py").write_text('VERSIONS = {"airflow": "apache-airflow==2.4.1"}\n')
    (root / "openmetadata-airflow-apis").mkdir()
    (root / "openmetadata-airflow-apis/setup.py").write_text("")
    return root


def test_a_checkout_says_its_search_engine_airflow_databases_and_server_environment(tmp_path: Path) -> None:
    found = release.read_release(_checkout(tmp_path))
    assert found is not None
    assert (found.search.kind, found.search.version) == ("elasticsearch", "7.16.3")
    assert found.search.source == "docker/development/docker-compose-postgres.yml"
    assert found.airflow == "2.4.1" and found.managed_apis
    assert found.databases == ("postgresql", "mysql")
    assert found.mysql_needs_mysql8
    env = found.server_env("postgresql")
    # the release's defaults, unquoted ...
    assert env["AUTHENTICATION_PROVIDER"] == "basic"
    assert env["AUTHORIZER_ADMIN_PRINCIPALS"] == "[admin]"
    assert env["JWT_ISSUER"] == "open-metadata.org"
    assert env["OM_CUSTOM_LOGO_URL_PATH"] == ""
    # ... pointed at this stack's services
    assert env["DB_HOST"] == "database" and env["ELASTICSEARCH_HOST"] == "search"
    assert env["SERVER_HOST_API_URL"] == "http://server:8585/api"
    assert env["DB_DRIVER_CLASS"] == "org.postgresql.Driver" and env["DB_PORT"] == "5432"
    assert (
        release.read_release(_checkout(tmp_path / "plain", mysql_sql="SELECT 1;")).mysql_needs_mysql8 is False
    )


def test_an_assembled_workspace_has_no_server_and_keeps_mysql(tmp_path: Path) -> None:
    (tmp_path / "openmetadata-spec").mkdir()
    assert release.read_release(tmp_path) is None
    options = for_workspace(StackOptions(database=""), Workspace(tmp_path))
    assert options.release is None and options.database == "mysql" and not options.server


def test_a_checkout_defaults_to_postgresql_and_refuses_a_database_it_ships_no_migrations_for(
    tmp_path: Path,
) -> None:
    root = _checkout(tmp_path)
    assert for_workspace(StackOptions(database=""), Workspace(root)).database == "postgresql"
    assert for_workspace(StackOptions(database="mysql"), Workspace(root)).database == "mysql"
    (root / "bootstrap/sql/com.mysql.cj.jdbc.Driver/v001__x.sql").unlink()
    (root / "bootstrap/sql/com.mysql.cj.jdbc.Driver").rmdir()
    with pytest.raises(UsageError, match="ships migrations for postgresql only"):
        for_workspace(StackOptions(database="mysql"), Workspace(root))


def test_a_failed_maven_build_is_reduced_to_its_module_and_first_error(tmp_path: Path) -> None:
    lines = [
        "[INFO] Compiling 21 source files",
        "[ERROR] COMPILATION ERROR :",
        f"[ERROR] {tmp_path}/common/src/main/java/X.java:[50,37] cannot find symbol",
        "[INFO] OpenMetadata-Platform .............................. SUCCESS [  4.907 s]",
        "[INFO] common ............................................. FAILURE [ 22.298 s]",
        "[INFO] openmetadata-spec .................................. SKIPPED",
        "[ERROR] Failed to execute goal ...:compile (default-compile) on project common: Compilation failure",
    ]
    failure = server_build.parse_failure(lines, tmp_path)
    assert failure.module == "common"
    assert failure.error == "common/src/main/java/X.java:[50,37] cannot find symbol"
    single = server_build.parse_failure(
        [
            "[ERROR] Failed to execute goal on project openmetadata-service: Could not resolve dependencies -> [Help 1]"
        ]
    )
    assert single.module == "openmetadata-service"
    assert single.error.endswith("Could not resolve dependencies")


def test_the_migrations_log_is_cut_from_the_servers_log_only_when_they_failed() -> None:
    ok = "connkit-server: migrations start (...)\nflyway ok\nconnkit-server: migrations done in 40 s\n"
    assert migration_log(ok) is None
    failed = "banner\nconnkit-server: migrations start (x)\nMigration v001 failed\nSQL State 42000\nconnkit-server: migrations failed (exit 1)\n"
    text = migration_log(failed)
    assert "Migration v001 failed" in text and "SQL State 42000" in text and "banner" not in text


def test_the_workflow_runs_against_the_stacks_server_as_the_bot_and_keeps_the_rest(tmp_path: Path) -> None:
    mine = {
        "source": {"type": "x", "serviceName": "s"},
        "workflowConfig": {
            "loggerLevel": "DEBUG",
            "openMetadataServerConfig": {"hostPort": "http://elsewhere"},
        },
    }
    text, data = with_server(yaml.safe_dump(mine), "tok", tmp_path / "x.yaml")
    server = yaml.safe_load(text)["workflowConfig"]
    assert server["loggerLevel"] == "DEBUG"
    assert server["openMetadataServerConfig"] == {
        "hostPort": "http://server:8585/api",
        "authProvider": "openmetadata",
        "securityConfig": {"jwtToken": "tok"},
    }
    with pytest.raises(UsageError, match="no `source:` section"):
        with_server("sink: {}\n", "tok", tmp_path / "x.yaml")
