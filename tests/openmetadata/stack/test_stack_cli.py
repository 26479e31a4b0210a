"""The stack commands' input checks, through the real command line (no engine needed)."""

from __future__ import annotations

from pathlib import Path

from .conftest import make_workspace, run_cli


def test_up_rejects_an_unknown_database_before_touching_the_engine(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    proc = run_cli("stack.up", "--database", "oracle", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "connkit: error: --database 'oracle': choose mysql or postgresql"


def test_up_rejects_a_missing_ca_bundle_and_bad_timeouts(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    proc = run_cli("stack.up", "--ca-bundle", str(tmp_path / "nope.pem"), cwd=root)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = run_cli("stack.up", "--timeout", "webserver=10", cwd=root)
    assert proc.returncode == 2 and "SERVICE=SECONDS" in proc.stderr


def test_logs_and_ingest_before_any_up_say_what_to_run(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    proc = run_cli("stack.logs", "database", cwd=root)
    assert proc.returncode == 2 and "run stack.up first" in proc.stderr
    proc = run_cli("stack.ingest", cwd=root)
    assert proc.returncode == 2 and "--name" in proc.stderr


def test_stack_commands_outside_a_workspace_name_the_fix(tmp_path: Path) -> None:
    proc = run_cli("stack.status", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no OpenMetadata workspace" in proc.stderr


def test_extras_outside_a_checkout_are_refused_before_touching_the_engine(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    proc = run_cli("stack.up", "--extras", "postgres", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "connkit: error: --extras applies to a checkout's ingestion image; this stack has none"
    )
    assert not (root / ".connkit").exists()
