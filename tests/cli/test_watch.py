"""`connkit watch` as a person runs it: a subprocess that runs its target, then reruns exactly
the steps an edit affects, and stops on Ctrl-C with exit code 130."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from connkit.engine.hashing import digest_file
from connkit.engine.project import Folder
from connkit.engine.step import Step
from connkit.engine.watch import Change, Watcher, WatchSet, drop_own_writes, watch_set
from connkit.openmetadata.stack.sync import SyncPlan, plan_sync
from tests.conftest import connkit_env

CONFIG = textwrap.dedent(
    """
    [[steps]]
    id = "build.concat"
    inputs = ["src/*.txt"]
    outputs = ["out/all.txt"]
    command = ["sh", "-c", "mkdir -p out && cat src/*.txt > out/all.txt"]

    [[steps]]
    id = "build.count"
    deps = ["build.concat"]
    inputs = ["out/all.txt"]
    outputs = ["out/count.txt"]
    command = ["sh", "-c", "wc -l < out/all.txt > out/count.txt"]

    [[steps]]
    id = "docs.copy"
    inputs = ["docs/*.md"]
    outputs = ["out/docs.md"]
    command = ["sh", "-c", "mkdir -p out && cat docs/*.md > out/docs.md"]
    """
)
STEP_LINE = re.compile(r"^[✓✗-] (\S+)\s+(cache hit|cache miss|failed)")
WAIT_S = 240  # a loaded machine is slow to start Python; every wait is for a line, never a sleep


class Watching:
    """A running `connkit watch`, its stderr read line by line on a thread."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = connkit_env(PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "connkit", "watch", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, needle: str) -> list[str]:
        """The lines up to and including the next one containing ``needle``."""
        deadline = time.monotonic() + WAIT_S
        got: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                pytest.fail(f"no line with {needle!r}; output so far:\n" + "\n".join(self.seen + got))
            got.append(line)
            if needle in line:
                self.seen += got
                return got

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        rest = []
        while True:
            line = self.lines.get(timeout=30)
            if line is None:
                break
            rest.append(line)
        self.seen += rest
        return code


def _statuses(lines: list[str]) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in map(STEP_LINE.match, lines) if m}


@pytest.fixture
def ws(ws_root: Path) -> Path:
    (ws_root / "connkit.toml").write_text(CONFIG)
    for folder, name, text in (("src", "a.txt", "one\n"), ("docs", "a.md", "# docs\n")):
        (ws_root / folder).mkdir()
        (ws_root / folder / name).write_text(text)
    return ws_root


def test_an_edit_reruns_exactly_the_affected_steps_and_ctrl_c_exits_130(ws):
    watching = Watching(ws, "--target", "build,docs")
    try:
        first = watching.until("watch: watching")
        assert _statuses(first) == dict.fromkeys(("build.concat", "build.count", "docs.copy"), "cache miss")

        (ws / "src/a.txt").write_text("one\ntwo\n")
        after_src = watching.until("watch: watching")
        assert any("1 changed: src/a.txt" in line for line in after_src)
        assert _statuses(after_src) == {
            "build.concat": "cache miss",
            "build.count": "cache miss",
            "docs.copy": "cache hit",
        }
        assert (ws / "out/count.txt").read_text().strip() == "2"

        (ws / "docs/a.md").write_text("# docs, edited\n")
        after_docs = watching.until("watch: watching")
        assert _statuses(after_docs) == {
            "build.concat": "cache hit",
            "build.count": "cache hit",
            "docs.copy": "cache miss",
        }
        (ws / "notes.txt").write_text("not an input of any step\n")
    finally:
        code = watching.stop()
    assert code == 130, "\n".join(watching.seen)
    assert "watch: stopped" in watching.seen[-1]
    # one run per edit: the runs' own writes (out/…) and a file no step reads started none
    headers = [line for line in watching.seen if " changed: " in line]
    assert [h.split(" changed: ")[1] for h in headers] == ["src/a.txt", "docs/a.md"]


def test_batches_that_arrive_during_a_run_are_one_run(tmp_path):
    watcher = Watcher(WatchSet(tmp_path, (tmp_path,), ()))
    watcher._batches.put([Change("a.txt", "modified")])
    watcher._batches.put([Change("b.txt", "added"), Change("a.txt", "deleted")])
    assert watcher.next_batch() == [Change("a.txt", "deleted"), Change("b.txt", "added")]


def test_a_runs_own_writes_do_not_count_but_a_later_edit_does(tmp_path):
    (tmp_path / "out").mkdir()
    produced = tmp_path / "out/all.txt"
    produced.write_text("as the step wrote it\n")
    own = {"out/all.txt": digest_file(produced)}
    changes = [Change("out/all.txt", "modified"), Change("src/a.txt", "modified")]
    assert drop_own_writes(tmp_path, changes, own) == [Change("src/a.txt", "modified")]
    produced.write_text("edited by a person\n")
    assert drop_own_writes(tmp_path, changes, own) == changes


def test_the_watched_folders_are_where_the_inputs_start(tmp_path):
    (tmp_path / "src/pkg").mkdir(parents=True)
    (tmp_path / "setup.py").write_text("")
    steps = [
        Step(id="a", inputs=("src/pkg/**/*.py", "!src/pkg/gen"), command=("true",)),
        Step(id="b", inputs=("src/{x,y}/*.txt", "setup.py", "later/made/*.json"), command=("true",)),
    ]
    watched = watch_set(Folder(tmp_path), steps)
    assert watched.folders == (tmp_path.resolve(),)  # setup.py and later/ live at the root
    only_src = watch_set(Folder(tmp_path), steps[:1])
    assert only_src.folders == ((tmp_path / "src/pkg").resolve(),)
    assert only_src.accepts("src/pkg/m.py") and not only_src.accepts("src/pkg/gen/m.py")
    assert not only_src.accepts(".connkit/runs/last.json") and not only_src.accepts(
        "src/pkg/__pycache__/m.pyc"
    )


def test_stack_sync_copies_sources_and_rebuilds_for_schemas_java_and_packaging():
    plan = plan_sync(
        [
            Change("ingestion/src/metadata/ingestion/source/database/acme/metadata.py", "modified"),
            Change("ingestion/src/metadata/ingestion/source/database/acme/old.py", "deleted"),
            Change("openmetadata-spec/src/main/resources/json/schema/entity/services/x.json", "modified"),
            Change("ingestion/setup.py", "modified"),
            Change("openmetadata-service/src/main/java/A.java", "modified"),
            Change("docs/readme.md", "modified"),
        ]
    )
    assert plan == SyncPlan(
        copy=("ingestion/src/metadata/ingestion/source/database/acme/metadata.py",),
        delete=("ingestion/src/metadata/ingestion/source/database/acme/old.py",),
        rebuild=(
            "openmetadata-spec/src/main/resources/json/schema/entity/services/x.json",
            "ingestion/setup.py",
            "openmetadata-service/src/main/java/A.java",
        ),
    )


CONNECTOR = "ingestion/src/metadata/ingestion/source/database/myconn/metadata.py"


def _base_image() -> str:
    """The locally made Debian base image the stack builds on (made once per machine)."""
    from connkit.openmetadata.stack.base import BaseRecipe, ensure_base_image
    from connkit.openmetadata.stack.engine import docker_client

    return ensure_base_image(docker_client(), BaseRecipe(), lambda _: None)


@pytest.mark.docker
def test_watch_stack_copies_a_connector_edit_into_the_running_ingestion_container(ws_root):
    from connkit.openmetadata.stack.options import project_name
    from connkit.openmetadata.workspace import Workspace
    from tests.openmetadata.stack.conftest import engine_available

    if not engine_available():
        if os.environ.get("CI"):
            pytest.fail("CI has no Docker engine: .ci/run must call ci/install-docker.sh first")
        pytest.skip("no Docker engine answers (run ci/install-docker.sh)")
    root = ws_root
    (root / CONNECTOR).parent.mkdir(parents=True)
    (root / CONNECTOR).write_text('VERSION = "1"\n')
    (root / "connkit.toml").write_text(
        '[[steps]]\nid = "check.sources"\ninputs = ["ingestion/src/**/*.py"]\ncommand = ["true"]\n'
    )
    name = f"connkit-watch-test-{os.getpid()}"
    project = project_name(Workspace(root))
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--rm",
            "--name",
            name,
            "--label",
            f"com.docker.compose.project={project}",
            "--label",
            "com.docker.compose.service=ingestion",
            _base_image(),
            "sleep",
            "infinity",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(["docker", "exec", name, "mkdir", "-p", "/opt/ingestion"], check=True)
        watching = Watching(root, "--target", "check", "--stack")
        try:
            watching.until("watch: watching")
            (root / CONNECTOR).write_text('VERSION = "2"\n')
            copied = watching.until("watch: copied")
            assert any(name in line and "metadata.py" in line for line in copied)
            inside = subprocess.run(
                ["docker", "exec", name, "cat", f"/opt/{CONNECTOR}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert inside == 'VERSION = "2"\n'
        finally:
            code = watching.stop()
        assert code == 130, "\n".join(watching.seen)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
