"""Multi-file edits are all-or-nothing even under kill -9: at every step of a transaction the
process is killed for real, and the next transaction's recovery puts the tree back as before."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from connkit import fsutil
from tests.conftest import SRC

SCRIPT = """
import json, sys
from pathlib import Path
from connkit.fsutil import apply_all_or_nothing
root = Path(sys.argv[1])
plan = json.loads(Path(sys.argv[2]).read_text())
writes = {root / rel: (None if data is None else data.encode()) for rel, data in plan.items()}
apply_all_or_nothing(writes, journal_dir=root / ".connkit" / "journal", created_dirs_root=root)
"""


def digest(root: Path) -> dict[str, str]:
    """Every file's content and mode and every folder, connkit's state and git's aside."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in (".connkit", ".git"):
            continue
        if path.is_dir():
            out[rel + "/"] = "dir"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode & 0o777:o}"
    return out


def make_tree(root: Path) -> None:
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.json").write_text('{"x": 1}\n')
    (root / "a" / "two.ts").write_text("export const two = 2;\n")
    (root / "gone.txt").write_text("delete me\n")
    os.chmod(root / "a" / "two.ts", 0o640)


PLAN = {
    "a/one.json": '{"x": 2}\n',
    "a/two.ts": "export const two = 22;\n",
    "gone.txt": None,
    "new/deep/pkg/__init__.py": "",
    "new/deep/pkg/connection.py": "def get_connection(): ...\n",
}


def run_edit(root: Path, plan_file: Path, crash_at: int | None) -> int:
    env = {"PYTHONPATH": str(SRC), "PATH": os.environ["PATH"]}
    if crash_at is not None:
        env[fsutil.CRASH_ENV] = str(crash_at)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root), str(plan_file)], env=env)
    return proc.returncode


def test_kill_at_every_step_then_recovery_restores_everything(tmp_path):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(PLAN))
    reference = tmp_path / "reference"
    make_tree(reference)
    before = digest(reference)
    assert run_edit(reference, plan_file, None) == 0
    after = digest(reference)
    assert after != before and "gone.txt" not in after and "new/deep/pkg/connection.py" in after

    kills = half_edited = 0
    for step in range(1, 100):
        root = tmp_path / f"t{step}"
        make_tree(root)
        code = run_edit(root, plan_file, step)
        if code == 0:  # past the last step: the edit completed
            assert digest(root) == after
            break
        assert code == -signal.SIGKILL
        kills += 1
        state = digest(root)
        if state not in (before, after):
            half_edited += 1  # what a crash leaves without a journal
        done = fsutil.recover(root / ".connkit" / "journal")
        assert digest(root) in (before, after), f"killed at step {step}"
        if done and not done[0].completed:
            assert digest(root) == before and "rolled back" in done[0].line()
        leftovers = [p for p in root.rglob("*") if ".connkit-" in p.name]
        assert not leftovers, leftovers
    assert kills >= 10, "the transaction has fewer steps than expected"
    assert half_edited > 0, "no kill landed between two renames: the test proves nothing"


def test_an_error_rolls_back_in_process_and_leaves_no_journal(tmp_path, monkeypatch):
    make_tree(tmp_path)
    before = digest(tmp_path)
    real = fsutil._stage
    calls = []

    def fail_third(tmp, data, like):
        calls.append(tmp)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(tmp, data, like)

    monkeypatch.setattr(fsutil, "_stage", fail_third)
    writes = {tmp_path / rel: (None if d is None else d.encode()) for rel, d in PLAN.items()}
    with pytest.raises(OSError, match="No space"):
        fsutil.apply_all_or_nothing(
            writes, journal_dir=tmp_path / ".connkit" / "journal", created_dirs_root=tmp_path
        )
    assert digest(tmp_path) == before
    assert not (tmp_path / ".connkit").exists()  # the journal folder it made is gone again
