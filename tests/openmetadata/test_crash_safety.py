"""kill -9 at every step of scaffold and register on the real checkout: the next connkit
command says what it put back, and every file is as before the edit or as after it, together."""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest

from connkit.fsutil import CRASH_ENV
from tests.conftest import run_connkit
from tests.test_fsutil import digest

pytestmark = pytest.mark.slow

SCAFFOLD = ["scaffold", "--name", "crashdash", "--service-type", "dashboard", "--connection-type", "rest_api"]
REGISTER = ["register", "--name", "crashdash"]


def reset(root) -> None:
    """Back to the last commit (the state before the edit under test)."""
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root, check=True)
    subprocess.run(["git", "clean", "-fdq", "-e", ".connkit"], cwd=root, check=True)


def commit(root) -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=root, check=True
    )


def kill_at_every_step(root, env, argv, what: str) -> int:
    """Run ``argv`` killed at step 1, 2, … until it completes; returns the number of kills.

    After each kill the next command recovers: a kill before the commit point is rolled back
    (the tree is as before), one after it is finished (the tree is as after the edit)."""
    before = digest(root)
    finished: list[dict] = []
    kills = 0
    for step in range(1, 200):
        result = run_connkit(*argv, cwd=root, env={**env, CRASH_ENV: str(step)})
        if result.returncode == 0:
            after = digest(root)
            assert after != before
            assert all(state == after for state in finished), f"a finished {what} differs from a clean one"
            return kills
        assert result.returncode == -signal.SIGKILL, result.stderr
        kills += 1
        next_command = run_connkit("workspace.info", cwd=root, env=env)
        assert next_command.returncode == 0, next_command.stderr
        state = digest(root)
        if f"finished an interrupted {what}" in next_command.stderr:
            finished.append(state)
            reset(root)
        else:
            assert f"rolled back an interrupted {what}" in next_command.stderr, (step, next_command.stderr)
            assert state == before, f"{what} killed at step {step} left the tree half edited"
        assert digest(root) == before
    raise AssertionError(f"{what} never completed")


def test_scaffold_and_register_survive_kill_at_every_step(om_checkout, tmp_path):
    root = tmp_path / "om"
    shutil.copytree(om_checkout.root, root, symlinks=True)
    env = om_checkout.env(CONNKIT_CACHE_DIR=str(tmp_path / "state"))
    kills = kill_at_every_step(root, env, SCAFFOLD, "scaffold of crashdash")
    scaffolded = digest(root)
    assert any(rel.endswith("crashdash/connection.py") for rel in scaffolded)
    commit(root)
    kills += kill_at_every_step(root, env, REGISTER, "register/unregister")
    assert digest(root) != scaffolded  # the last, uninterrupted register wrote its edits
    check = run_connkit("register", "--name", "crashdash", "--check", cwd=root, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert kills >= 30
    assert not [p for p in root.rglob("*") if ".connkit-" in p.name and ".git" not in p.parts]
