"""The real OpenMetadata server, built from the 1.1 checkout, in the stack (checkout tier).

One connector is scaffolded and registered, then ``stack.up`` builds the server with the
checkout's own Maven build and runs it on PostgreSQL 15 and Elasticsearch; the tests then use
that one stack in order (version, registration, ingest, test connection, --fast, down) and
finish with the faults that need the server (a deadline, a failed migration, a failed build).
Slow on a cold machine (the Maven build, ~6 min); a warm one replays the build from the cache.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest

from connkit.openmetadata.stack.options import project_name
from connkit.openmetadata.workspace import Workspace
from tests.conftest import run_connkit

from . import generate_models
from .conftest import project_resources

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("engine")]

NAME = "pgmirror"
CAMEL = "Pgmirror"
SCHEME = "postgresql+psycopg2"
PACKAGE = f"ingestion/src/metadata/ingestion/source/database/{NAME}"
SEEDED_SCHEMA = "shop"
UP = ("stack.up", "--mode", "no-ui", "--ephemeral-ports")  # the UI has its own tests (test_stack_ui)


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-6000:]}"
    )
    return proc


class Stack:
    def __init__(self, checkout) -> None:
        self.checkout = checkout
        self.root: Path = checkout.root
        self.project = project_name(Workspace(self.root))
        self.scaffolded_by = ""

    def connkit(self, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess:
        return run_connkit(*args, cwd=self.root, env=self.checkout.env(), timeout=timeout)

    def last_run(self) -> dict[str, str]:
        """Step id -> status of the last engine run (its record lives in the state folder)."""
        data = json.loads((self.checkout.state / "runs" / "last.json").read_text())
        return {s["id"]: s["status"] for s in data["steps"]}

    def status(self) -> dict[str, dict]:
        proc = _ok(self.connkit("stack.status", "--json"))
        return {row["service"]: row for row in json.loads(proc.stdout)}

    def url(self, service: str, inner: str) -> str:
        for mapping in self.status()[service]["ports"]:
            host, _, port = mapping.partition("->")
            if port.startswith(f"{inner}/"):
                return f"http://{host}"
        raise AssertionError(f"{service} publishes no {inner}")

    def admin(self) -> httpx.Client:
        base = self.url("server", "8585")
        login = httpx.post(
            f"{base}/api/v1/users/login",
            json={"email": "admin@openmetadata.org", "password": "YWRtaW4="},
            timeout=30,
        )
        login.raise_for_status()
        return httpx.Client(
            base_url=f"{base}/api/v1",
            headers={"Authorization": f"Bearer {login.json()['accessToken']}"},
            timeout=60,
        )

    def container(self, service: str) -> str:
        return f"{self.project}-{service}-1"

    def psql(self, sql: str) -> None:
        argv = ["docker", "exec", "-e", "PGPASSWORD=openmetadata_password", self.container("database")]
        argv += ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "openmetadata_user"]
        proc = subprocess.run([*argv, "-d", "openmetadata_db", "-c", sql], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def _scaffold(stack: Stack) -> None:
    """The real scaffold: a SQLAlchemy database connector whose scheme is PostgreSQL."""
    _ok(
        stack.connkit(
            "scaffold",
            "--name",
            NAME,
            "--service-type",
            "database",
            "--connection-type",
            "sqlalchemy",
            "--scheme",
            SCHEME,
            "--default-port",
            "5432",
        )
    )
    stack.scaffolded_by = "connkit scaffold"


def remove_from_tree(root: Path, rels: Iterable[str]) -> None:
    """Take a tier's files out of the shared checkout again, and the CONNECTOR_CONTEXT.md line
    scaffold added to 1.1's .gitignore, so the next tier finds the upstream tree."""
    for rel in rels:
        path = root / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    subprocess.run(["git", "checkout", "-q", "--", ".gitignore"], cwd=root, check=True)


def _cleanup(stack: Stack) -> None:
    stack.connkit("stack.down", "--volumes")
    stack.connkit("unregister", "--name", NAME)
    remove_from_tree(
        stack.root,
        (
            PACKAGE,
            f"openmetadata-spec/src/main/resources/json/schema/entity/services/connections/database/{NAME}Connection.json",
            f"openmetadata-service/src/main/resources/json/data/testConnections/database/{NAME}.json",
            f"ingestion/tests/unit/topology/database/test_{NAME}.py",
            f"ingestion/tests/integration/connections/test_{NAME}_connection.py",
            "connkit.toml",
            "ingest",
        ),
    )


@pytest.fixture(scope="module")
def stack(om_checkout):
    stack = Stack(om_checkout)
    tools = om_checkout.state.parent / "tools"
    tools.mkdir(exist_ok=True)
    # The generated models come from the release's own `make generate` (see generate_models.py),
    # as the workspace's generate.python step: the stack's ingestion image depends on that id.
    (stack.root / "connkit.toml").write_text(generate_models.workspace_step(tools))
    try:
        _scaffold(stack)
        _ok(stack.connkit("register", "--name", NAME))
        started = time.monotonic()
        proc = _ok(stack.connkit(*UP))
        stack.up_seconds = time.monotonic() - started
        stack.up_output = proc.stdout + proc.stderr
        yield stack
    finally:
        _cleanup(stack)


def test_an_extra_the_release_does_not_declare_is_refused_before_anything_starts(om_checkout) -> None:
    proc = run_connkit("stack.up", "--extras", "nosuch", cwd=om_checkout.root, env=om_checkout.env())
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "connkit: error: --extras nosuch: not an extra of ingestion/setup.py (its plugins dict); "
        "name extras it declares"
    )


def test_the_server_answers_its_version_on_127_0_0_1(stack: Stack) -> None:
    rows = stack.status()
    assert {s: (r["state"], r["health"]) for s, r in rows.items()} == {
        "database": ("running", "healthy"),
        "search": ("running", "healthy"),
        "server": ("running", "healthy"),
        "ingestion": ("running", "healthy"),
    }
    assert all(p.startswith("127.0.0.1:") for r in rows.values() for p in r["ports"])
    assert rows["server"]["url"].startswith("http://127.0.0.1:")
    version = httpx.get(f"{stack.url('server', '8585')}/api/v1/system/version", timeout=30)
    assert version.status_code == 200
    assert version.json()["version"].startswith("1.1.")
    health = httpx.get(f"{stack.url('server', '8586')}/healthcheck", timeout=30)
    assert health.status_code == 200
    steps = stack.last_run()
    assert steps["stack.server.build"] in ("ran", "cached", "restored")
    assert steps["stack.image.server"] in ("ran", "cached", "restored")


def test_the_registered_type_reached_the_server_and_an_unregistered_one_is_refused(stack: Stack) -> None:
    config = {
        "type": CAMEL,
        "username": "u",
        "password": "p",
        "hostPort": "database:5432",
        "databaseName": "d",
    }
    with stack.admin() as api:
        created = api.post(
            "/services/databaseServices",
            json={"name": "registration_probe", "serviceType": CAMEL, "connection": {"config": config}},
        )
        assert created.status_code == 201, created.text
        assert created.json()["serviceType"] == CAMEL
        refused = api.post(
            "/services/databaseServices",
            json={"name": "refused_probe", "serviceType": "NoSuchDb", "connection": {"config": config}},
        )
        assert refused.status_code == 400
        assert "NoSuchDb" in refused.text
        api.delete(f"/services/databaseServices/{created.json()['id']}", params={"hardDelete": "true"})


def test_ingest_of_the_connector_against_the_stacks_postgresql_creates_both_tables(stack: Stack) -> None:
    stack.psql(
        f"CREATE SCHEMA IF NOT EXISTS {SEEDED_SCHEMA};"
        f"CREATE TABLE IF NOT EXISTS {SEEDED_SCHEMA}.customers (id serial PRIMARY KEY, name text NOT NULL);"
        f"CREATE TABLE IF NOT EXISTS {SEEDED_SCHEMA}.orders (id serial PRIMARY KEY, customer_id int, total numeric(10,2));"
    )
    ingest = stack.root / "ingest"
    ingest.mkdir(exist_ok=True)
    (ingest / f"{NAME}.yaml").write_text(
        f"""source:
  type: {NAME}
  serviceName: local_{NAME}
  serviceConnection:
    config:
      type: {CAMEL}
      username: openmetadata_user
      password: openmetadata_password
      hostPort: database:5432
      databaseName: openmetadata_db
  sourceConfig:
    config:
      type: DatabaseMetadata
      schemaFilterPattern:
        includes: ["^{SEEDED_SCHEMA}$"]
sink:
  type: metadata-rest
  config: {{}}
workflowConfig:
  loggerLevel: INFO
"""
    )
    proc = _ok(stack.connkit("stack.ingest", "--name", NAME, timeout=900))
    fqns = {f"local_{NAME}.openmetadata_db.{SEEDED_SCHEMA}.{t}" for t in ("customers", "orders")}
    for fqn in fqns:
        assert f"created {fqn}" in proc.stdout
    with stack.admin() as api:
        tables = api.get(
            "/tables", params={"databaseSchema": f"local_{NAME}.openmetadata_db.{SEEDED_SCHEMA}"}
        )
    assert tables.status_code == 200
    assert {t["fullyQualifiedName"] for t in tables.json()["data"]} == fqns


def test_a_test_connection_runs_through_the_pipeline_service_client(stack: Stack) -> None:
    config = {
        "type": CAMEL,
        "username": "openmetadata_user",
        "password": "openmetadata_password",
        "hostPort": "database:5432",
        "databaseName": "openmetadata_db",
    }
    request = {"connection": {"config": config}, "serviceType": "Database", "connectionType": CAMEL}
    with stack.admin() as api:
        created = api.post(
            "/automations/workflows",
            json={"name": f"tc-{NAME}", "workflowType": "TEST_CONNECTION", "request": request},
        )
        assert created.status_code in (200, 201), created.text
        workflow = created.json()["id"]
        triggered = api.post(f"/automations/workflows/trigger/{workflow}")
        assert triggered.status_code == 200, triggered.text
        deadline = time.monotonic() + 120
        while True:
            found = api.get(f"/automations/workflows/{workflow}").json()
            if found.get("status") in ("Successful", "Failed") or time.monotonic() > deadline:
                break
            time.sleep(2)
    steps = found["response"]["steps"]
    assert found["status"] == "Successful", found
    assert steps and all(s["passed"] for s in steps if s.get("mandatory", True)), steps


def test_fast_up_after_a_python_edit_skips_maven_and_keeps_the_server_container(stack: Stack) -> None:
    server_before = subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}}", stack.container("server")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    source = stack.root / PACKAGE / "metadata.py"
    marker = f"# edited by the fast-up test {time.time_ns()}\n"
    source.write_text(source.read_text() + marker)
    _ok(stack.connkit(*UP, "--fast"))
    steps = stack.last_run()
    assert steps["stack.server.build"] in ("cached", "restored")
    assert steps["stack.image.server"] in ("cached", "restored")
    assert steps["stack.image.ingestion-runtime"] in ("cached", "restored")
    assert steps["stack.image.ingestion"] == "ran"
    server_after = subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}}", stack.container("server")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert server_after == server_before
    inside = subprocess.run(
        ["docker", "exec", stack.container("ingestion"), "cat", f"/opt/{PACKAGE}/metadata.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert marker in inside
    version = httpx.get(f"{stack.url('server', '8585')}/api/v1/system/version", timeout=30)
    assert version.status_code == 200


def test_down_with_volumes_leaves_nothing(stack: Stack) -> None:
    _ok(stack.connkit("stack.down", "--volumes"))
    assert project_resources(stack.project) == {"containers": [], "networks": [], "volumes": []}


def test_a_server_past_its_deadline_is_torn_down_with_its_log(stack: Stack) -> None:
    proc = stack.connkit(*UP, "--timeout", "server=10")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "server is unhealthy (its health check kept failing up to its 10 s deadline)" in proc.stderr
    assert "connkit-server: migrations start" in proc.stderr  # its last log lines
    assert project_resources(stack.project) == {"containers": [], "networks": [], "volumes": []}


def test_mariadb_refuses_this_releases_migrations_and_the_stack_is_torn_down(stack: Stack) -> None:
    proc = stack.connkit(*UP, "--database", "mysql", "--no-ingestion")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "expect the migrations to fail" in proc.stderr
    assert "server: migrations failed" in proc.stderr
    assert "You have an error in your SQL syntax" in proc.stderr  # flyway's, from the migration log
    assert project_resources(stack.project) == {"containers": [], "networks": [], "volumes": []}


def test_a_failing_maven_build_names_the_module_and_its_first_error_and_builds_no_image(stack: Stack) -> None:
    java = stack.root / "common/src/main/java/org/openmetadata/common/utils/CommonUtil.java"
    original = java.read_text()
    broken = original.replace(
        "public final class CommonUtil {",
        "public final class CommonUtil {\n  static int broken = undefinedSymbol;",
        1,
    )
    assert broken != original
    java.write_text(broken)
    try:
        proc = stack.connkit(*UP)
    finally:
        java.write_text(original)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "the server's Maven build failed in module common" in proc.stderr
    assert "cannot find symbol" in proc.stderr
    steps = stack.last_run()
    assert steps["stack.server.build"] == "failed"
    assert steps["stack.image.server"] == "skipped"
    assert project_resources(stack.project) == {"containers": [], "networks": [], "volumes": []}
