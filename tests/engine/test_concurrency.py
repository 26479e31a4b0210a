"""Runs that overlap on one cache, and runs killed with SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from connkit.engine.store.local import LocalCache
from tests.conftest import connkit_env, run_connkit

SLOW_STEP = textwrap.dedent(
    """
    [[steps]]
    id = "gen.files"
    inputs = ["src/seed.txt"]
    outputs = ["out"]
    command = ["{python}", "{script}"]
    """
)

# Writes 30 files slowly, each derived from the seed, so a kill lands in mid-write.
WRITER = textwrap.dedent(
    """
    import os, time
    seed = open("src/seed.txt").read()
    os.makedirs("out", exist_ok=True)
    for i in range(30):
        with open(f"out/part{i:02d}.txt", "w") as fh:
            fh.write(f"{seed}:{i}\\n" * 50)
        time.sleep(0.004)
    print("wrote 30 parts")
    """
)


def expected(seed: str) -> dict[str, str]:
    return {f"part{i:02d}.txt": f"{seed}:{i}\n" * 50 for i in range(30)}


def actual(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((root / "out").glob("*"))}


def make_ws(ws_root: Path) -> Path:
    script = ws_root / "writer.py"
    script.write_text(WRITER)
    (ws_root / "connkit.toml").write_text(SLOW_STEP.format(python=sys.executable, script=script))
    (ws_root / "src").mkdir()
    return ws_root


def test_kill_9_at_random_points_never_gives_a_false_hit(ws_root):
    root = make_ws(ws_root)
    rng = random.Random(1234)
    outcomes = []
    for trial in range(24):
        seed = f"seed-{trial}-{rng.random()}"
        (root / "src/seed.txt").write_text(seed)
        proc = subprocess.Popen(
            [sys.executable, "-m", "connkit", "run", "all", "--logs", "none"],
            cwd=root,
            env=connkit_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.0, 0.8))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        # The next run must either redo the work or replay a record whose outputs are whole.
        after = run_connkit("run", "all", "--json", "--logs", "none", cwd=root)
        assert after.returncode == 0, after.stderr
        status = json.loads(after.stdout)["steps"][0]["status"]
        outcomes.append(status)
        assert actual(root) == expected(seed), f"trial {trial}: {status} left wrong outputs"
        # Sometimes also throw the outputs away: a restore must bring back the whole set.
        if trial % 3 == 0:
            for p in (root / "out").glob("*"):
                p.unlink()
            again = run_connkit("run", "all", "--json", "--logs", "none", cwd=root)
            assert json.loads(again.stdout)["steps"][0]["status"] == "restored"
            assert actual(root) == expected(seed)
    report = LocalCache(root / ".connkit/cache").verify()
    assert report.corrupt == [] and report.invalidated == []
    assert "ran" in outcomes  # some kills landed before the record was written


HOLDER = textwrap.dedent(
    """
    import os, time
    open("started", "w").close()
    deadline = time.time() + 120
    while not os.path.exists("release") and time.time() < deadline:  # the test says when
        time.sleep(0.01)
    os.makedirs("out", exist_ok=True)
    open("out/result.txt", "w").write(open("src/seed.txt").read())
    """
)


def _pair_workspace(root) -> None:
    (root / "holder.py").write_text(HOLDER)
    (root / "connkit.toml").write_text(
        textwrap.dedent(
            f"""
            [[steps]]
            id = "gen.slow"
            inputs = ["src/seed.txt"]
            outputs = ["out"]
            command = ["{sys.executable}", "{root / "holder.py"}"]
            """
        )
    )
    (root / "src").mkdir(exist_ok=True)
    (root / "src/seed.txt").write_text("together")


def _wait_for_line(stream, needle: str, timeout: float) -> str:
    """Read ``stream`` until a line contains ``needle``; what was read, or fail at the deadline."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready:
            line = stream.readline()
            if not line:
                break
            seen.append(line)
            if needle in line:
                return "".join(seen)
    raise AssertionError(f"never saw {needle!r}; got {''.join(seen)!r}")


def concurrent_pair(root, seed: str = "together") -> None:
    """The first run holds the lock inside its step until the second has said it is waiting;
    the second then finds the first's record (a new seed makes the first one miss)."""
    for name in ("started", "release"):
        (root / name).unlink(missing_ok=True)
    (root / "src/seed.txt").write_text(seed)

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "connkit", "run", "all", "--json", "--logs", "none"],
            cwd=root,
            env=connkit_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = start()
    deadline = time.time() + 60
    while not (root / "started").exists():
        assert time.time() < deadline, "the first run never started its step"
        assert first.poll() is None, first.communicate()
        time.sleep(0.01)
    second = start()
    try:
        waited = _wait_for_line(second.stderr, "waiting for another connkit run", timeout=60)
    finally:
        (root / "release").touch()  # only now may the first run finish and release the lock
    results = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    statuses = [json.loads(out)["steps"][0]["status"] for out, _ in results]
    assert statuses == ["ran", "cached"]  # the second waited for the lock, then hit
    assert "waiting" in waited
    assert (root / "out/result.txt").read_text() == seed
    assert LocalCache(root / ".connkit/cache").verify().corrupt == []


def test_two_concurrent_runs_end_consistent(ws_root):
    _pair_workspace(ws_root)
    concurrent_pair(ws_root)


@pytest.mark.slow
def test_concurrent_runs_fifty_times_under_a_cpu_hog(ws_root):
    """The same pair 50 times while two busy loops compete for the cores: never flaky."""
    _pair_workspace(ws_root)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        for i in range(50):
            concurrent_pair(ws_root, seed=f"together {i}")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
