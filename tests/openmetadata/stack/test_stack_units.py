"""The stack's pure parts: names, options, rendered compose files, build contexts, step keys."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import yaml

from connkit.errors import UsageError
from connkit.openmetadata.stack import compose, health, images
from connkit.openmetadata.stack.options import StackOptions, project_name, resolve_ca_bundle
from connkit.openmetadata.workspace import Workspace

from .conftest import make_workspace, set_connector_version


def test_project_name_is_stable_per_workspace_and_differs_between_them(tmp_path: Path) -> None:
    a = Workspace(tmp_path / "My Work.Space")
    b = Workspace(tmp_path / "other" / "My Work.Space")
    assert project_name(a) == project_name(Workspace(tmp_path / "My Work.Space"))
    assert project_name(a) != project_name(b)
    assert project_name(a).startswith("connkit-my-work-space-")


def test_options_reject_unknown_choices(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="mysql or postgresql"):
        StackOptions(database="oracle")
    with pytest.raises(UsageError, match="ui or no-ui"):
        StackOptions(mode="tui")
    with pytest.raises(UsageError, match="no such file"):
        resolve_ca_bundle(tmp_path / "missing.pem")


def test_timeouts_override_defaults_and_reject_nonsense() -> None:
    from connkit.openmetadata.stack.options import DEFAULT_TIMEOUTS, parse_timeouts

    assert parse_timeouts([]) == DEFAULT_TIMEOUTS
    assert parse_timeouts(["ingestion=5"])["ingestion"] == 5
    for bad in ("ingestion", "webserver=5", "search=0", "search=abc"):
        with pytest.raises(UsageError, match="SERVICE=SECONDS"):
            parse_timeouts([bad])


def test_volumes_reset_on_a_full_run_and_kept_on_a_fast_one() -> None:
    assert StackOptions().wipe_volumes
    assert not StackOptions(fast=True).wipe_volumes
    assert not StackOptions(reset=False).wipe_volumes


def test_ca_bundle_prefers_the_flag_then_ssl_cert_file_then_requests(tmp_path: Path) -> None:
    flag, ssl, req = (tmp_path / n for n in ("flag.pem", "ssl.pem", "req.pem"))
    for p in (flag, ssl, req):
        p.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"SSL_CERT_FILE": str(ssl), "REQUESTS_CA_BUNDLE": str(req)}
    assert resolve_ca_bundle(str(flag), env) == flag.resolve()
    assert resolve_ca_bundle(None, env) == ssl.resolve()
    assert resolve_ca_bundle(None, {"REQUESTS_CA_BUNDLE": str(req)}) == req.resolve()
    assert resolve_ca_bundle(None, {}) is None


def _render(**opts) -> dict:
    options = StackOptions(**opts)
    services = {"database": "p/db:latest", "ingestion": "p/ing:latest"}
    if options.search:
        services["search"] = "p/search:latest"
    return yaml.safe_load(compose.render(compose.ComposePlan("proj", services, options)))


@pytest.mark.parametrize("database,port", [("mysql", "3306"), ("postgresql", "5432")])
def test_compose_binds_every_port_to_loopback_and_nothing_is_privileged(database: str, port: str) -> None:
    doc = _render(database=database)
    assert doc["name"] == "proj"
    assert doc["services"]["database"]["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert doc["services"]["search"]["ports"] == ["127.0.0.1:9200:9200"]
    for svc in doc["services"].values():
        assert not svc.get("privileged")
        assert svc["pull_policy"] == "never"
        assert all(str(p).startswith("127.0.0.1:") for p in svc.get("ports", []))
    assert doc["services"]["ingestion"]["depends_on"]["database"]["condition"] == "service_healthy"


def test_compose_health_checks_follow_the_database_and_the_timeouts() -> None:
    mysql = _render()["services"]["database"]["healthcheck"]
    pg = _render(database="postgresql")["services"]["database"]["healthcheck"]
    assert "mariadb-admin" in mysql["test"]
    assert "pg_isready" in pg["test"]
    assert mysql["retries"] * 2 == StackOptions().timeouts["database"]


def test_compose_without_search_and_with_engine_picked_ports() -> None:
    doc = _render(search=False, ephemeral_ports=True)
    assert "search" not in doc["services"]
    assert "search-data" not in doc["volumes"]
    assert doc["services"]["database"]["ports"] == ["127.0.0.1::3306"]


def _members(recipe: images.ImageRecipe) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(recipe.context_tar())) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def test_ingestion_context_carries_packaging_apart_from_source_and_the_ca_bundle(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("PEM")
    members = _members(images.ingestion_recipe(Workspace(root), bundle))
    assert members["ca-bundle.crt"] == b"PEM"
    assert members["deps/setup.py"] == members["ingestion/setup.py"]
    assert not any(name.startswith("deps/src/metadata") for name in members)
    assert "ingestion/src/metadata/ingestion/source/database/myconn/metadata.py" in members
    assert members["constraints.txt"] == b"dbt-core<1.12\n"
    assert b"ingestion/ /opt/ingestion/" in members["ingestion-build/Dockerfile"]


def test_context_tar_is_byte_identical_across_runs_and_touches(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    first = images.ingestion_recipe(Workspace(root), None).context_tar()
    set_connector_version(root, "1")  # same content, new mtime
    assert images.ingestion_recipe(Workspace(root), None).context_tar() == first


def test_a_python_edit_changes_the_ingestion_digest_only(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    before = images.ingestion_recipe(Workspace(root), None).digest
    db_before = images.database_recipe("mysql", None).digest
    set_connector_version(root, "2")
    assert images.ingestion_recipe(Workspace(root), None).digest != before
    assert images.database_recipe("mysql", None).digest == db_before


def test_ingestion_without_a_package_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "ws" / "openmetadata-spec").mkdir(parents=True)
    with pytest.raises(Exception, match="neither setup.py nor pyproject.toml"):
        images.ingestion_recipe(Workspace(tmp_path / "ws"), None)


def test_image_step_keys_see_python_edits_only_in_the_ingestion_step(tmp_path: Path) -> None:
    from connkit.engine import keys
    from connkit.engine.hashing import StatMemo
    from connkit.openmetadata.stack.steps import steps

    root = make_workspace(tmp_path / "ws")
    ws = Workspace(root)

    def all_keys() -> dict[str, str]:
        out = {}
        for step in steps(ws, StackOptions()):
            memo = StatMemo(tmp_path / "memo.json")
            deps = {d: "base-key" for d in step.deps}
            out[step.id] = keys.ingredients(step, root, deps, memo, keys.ToolVersions(), {}).key()
        return out

    before = all_keys()
    set_connector_version(root, "2")
    after = all_keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"stack.image.ingestion"}
    assert set(before) == {
        "stack.image.base",
        "stack.image.mariadb",
        "stack.image.search",
        "stack.image.ingestion",
    }


def test_service_state_readiness() -> None:
    st = health.ServiceState("db", "c", "running", "healthy", 0, ())
    assert st.ready and not st.broken
    assert health.ServiceState("db", "c", "running", "", 0, ()).ready
    assert health.ServiceState("db", "c", "running", "unhealthy", 0, ()).broken
    assert health.ServiceState("db", "c", "exited", "", 1, ()).broken
    assert not health.ServiceState("db", "c", "running", "starting", 0, ()).ready


def test_ingest_config_names_the_connector_and_its_source_config(tmp_path: Path) -> None:
    from connkit.openmetadata.stack.ingest import default_ingest_config

    root = make_workspace(tmp_path / "ws")
    doc = yaml.safe_load(default_ingest_config(Workspace(root), "myconn").read_text())
    assert doc["source"]["type"] == "myconn"
    assert doc["source"]["serviceConnection"]["config"]["type"] == "Myconn"
    assert doc["source"]["sourceConfig"]["config"]["type"] == "DatabaseMetadata"
    with pytest.raises(UsageError, match="no connector 'nope'"):
        default_ingest_config(Workspace(root), "nope")
