"""The stack on a real Docker engine, through the real command line.

Slow: the first run on a machine makes the base image (debootstrap, ~40 s) and the service
images; later runs reuse them through the engine's layer cache and connkit's step cache.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from connkit.openmetadata.stack.options import project_name
from connkit.openmetadata.workspace import Workspace

from .conftest import (
    connector_file,
    last_run,
    make_workspace,
    project_resources,
    run_cli,
    set_connector_version,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("engine")]

CONNECTOR_IN_CONTAINER = "/opt/ingestion/src/metadata/ingestion/source/database/myconn/metadata.py"


def _container_file(project: str, service: str, path: str) -> str:
    name = f"{project}-{service}-1"
    return subprocess.run(
        ["docker", "exec", name, "cat", path], capture_output=True, text=True, check=True
    ).stdout


def _ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}"
    )


def test_full_up_then_fast_up_rebuilds_only_ingestion_then_down_leaves_nothing(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    project = project_name(Workspace(root))
    try:
        _ok(run_cli("stack.up", "--ephemeral-ports", cwd=root))
        full = last_run(root)
        assert set(full) == {
            "stack.image.base",
            "stack.image.mariadb",
            "stack.image.search",
            "stack.image.ingestion",
        }
        status = run_cli("stack.status", "--json", cwd=root)
        _ok(status)
        rows = {r["service"]: r for r in json.loads(status.stdout)}
        assert {s: (r["state"], r["health"]) for s, r in rows.items()} == {
            "database": ("running", "healthy"),
            "search": ("running", "healthy"),
            "ingestion": ("running", "healthy"),
        }
        assert all(p.startswith("127.0.0.1:") for r in rows.values() for p in r["ports"])
        assert (
            _container_file(project, "ingestion", CONNECTOR_IN_CONTAINER) == connector_file(root).read_text()
        )

        set_connector_version(root, "2")
        _ok(run_cli("stack.up", "--fast", "--ephemeral-ports", cwd=root))
        fast = last_run(root)
        assert fast["stack.image.ingestion"] == "ran"
        assert [s for s, status in fast.items() if status == "ran"] == ["stack.image.ingestion"]
        assert 'VERSION = "2"' in _container_file(project, "ingestion", CONNECTOR_IN_CONTAINER)

        # A full run after a Python-only edit costs about a fast one: every other image is a hit.
        set_connector_version(root, "3")
        _ok(run_cli("stack.up", "--ephemeral-ports", cwd=root))
        again = last_run(root)
        assert [s for s, status in again.items() if status == "ran"] == ["stack.image.ingestion"]
        assert 'VERSION = "3"' in _container_file(project, "ingestion", CONNECTOR_IN_CONTAINER)

        ingest = run_cli("stack.ingest", "--name", "myconn", cwd=root)
        _ok(ingest)
        assert "mini ingest: source=myconn" in ingest.stdout
    finally:
        down = run_cli("stack.down", "--volumes", "--images", cwd=root)
    _ok(down)
    assert project_resources(project) == {"containers": [], "networks": [], "volumes": []}
    tags = subprocess.run(
        ["docker", "images", "-q", "--filter", f"reference={project}/*"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert tags.stdout.split() == []


def test_a_service_that_never_gets_healthy_is_torn_down_with_its_log_shown(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "broken")
    (root / "ingestion/src/metadata/__init__.py").write_text('raise RuntimeError("broken on purpose")\n')
    project = project_name(Workspace(root))
    try:
        proc = run_cli("stack.up", "--no-search", "--ephemeral-ports", cwd=root)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "ingestion exited with code 1" in proc.stderr
        assert "RuntimeError: broken on purpose" in proc.stderr
        assert "connkit: error: stack.up failed" in proc.stderr
        assert project_resources(project) == {"containers": [], "networks": [], "volumes": []}
    finally:
        run_cli("stack.down", "--volumes", "--images", cwd=root)


def test_postgresql_stack_comes_up_healthy(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "pg")
    project = project_name(Workspace(root))
    try:
        _ok(run_cli("stack.up", "--database", "postgresql", "--no-search", "--ephemeral-ports", cwd=root))
        sql = ["psql", "-h", "127.0.0.1", "-U", "openmetadata_user", "-d", "openmetadata_db"]
        argv = ["docker", "exec", "-e", "PGPASSWORD=openmetadata_password", f"{project}-database-1", *sql]
        out = subprocess.run([*argv, "-tAc", "select current_user"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "openmetadata_user"
    finally:
        _ok(run_cli("stack.down", "--volumes", "--images", cwd=root))
    assert project_resources(project) == {"containers": [], "networks": [], "volumes": []}


def test_a_service_stuck_starting_times_out_and_is_torn_down(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "stuck")
    init = root / "ingestion/src/metadata/__init__.py"
    init.write_text('import time\nprint("importing very slowly", flush=True)\ntime.sleep(3600)\n')
    project = project_name(Workspace(root))
    try:
        proc = run_cli("stack.up", "--no-search", "--ephemeral-ports", "--timeout", "ingestion=4", cwd=root)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "ingestion not healthy after 4 s (running/starting)" in proc.stderr
        assert "importing very slowly" in proc.stderr
        assert project_resources(project) == {"containers": [], "networks": [], "volumes": []}
    finally:
        run_cli("stack.down", "--volumes", "--images", cwd=root)


def test_a_taken_port_is_named_with_its_holder_and_nothing_starts(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ports")
    project = project_name(Workspace(root))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", 3306))
        except OSError:
            pytest.skip("127.0.0.1:3306 is already in use on this machine")
        sock.listen()
        proc = run_cli("stack.up", "--no-search", cwd=root)
    assert proc.returncode == 1, proc.stderr[-3000:]
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(
        "connkit: error: port 127.0.0.1:3306 (the database's) is already taken by process "
    )
    assert f"(pid {os.getpid()})" in line and "--ephemeral-ports" in line
    assert project_resources(project) == {"containers": [], "networks": [], "volumes": []}
    assert not (root / ".connkit" / "stack" / "images").exists()  # no image step ran
