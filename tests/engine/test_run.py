"""Every status a run can report, and what each one leaves on disk and in the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from connkit.engine.execute import run_steps
from connkit.engine.options import RunOptions
from connkit.engine.project import Folder
from connkit.engine.report import SilentReporter
from connkit.engine.step import Step
from connkit.engine.store.local import LocalCache
from connkit.errors import UsageError

from .helpers import concat_step, py, run, statuses, upper_step, write_sources


@pytest.fixture
def root(ws_root: Path) -> Path:
    write_sources(ws_root, a="alpha\n", b="beta\n")
    return ws_root


STEPS = [concat_step(), upper_step()]


def test_cold_run_then_noop_is_all_cached(root):
    first = run(root, STEPS)
    assert statuses(first) == {"build.concat": "ran", "build.upper": "ran"}
    assert (root / "out/all.txt").read_text() == "alpha\nbeta\n"
    assert (root / "out/upper/all.txt").read_text() == "ALPHA\nBETA\n"
    second = run(root, STEPS)
    assert statuses(second) == {"build.concat": "cached", "build.upper": "cached"}
    assert [s.key for s in first.steps] == [s.key for s in second.steps]


def test_deleted_outputs_are_restored_with_modes(root):
    run(root, STEPS)
    (root / "out/all.txt").unlink()
    (root / "out/upper/run.sh").unlink()
    result = run(root, STEPS)
    assert statuses(result) == {"build.concat": "restored", "build.upper": "restored"}
    assert (root / "out/all.txt").read_text() == "alpha\nbeta\n"
    assert os.access(root / "out/upper/run.sh", os.X_OK)


def test_tampered_or_extra_outputs_are_put_back(root):
    run(root, STEPS)
    (root / "out/upper/all.txt").write_text("edited by hand")
    (root / "out/upper/stray.txt").write_text("not from the step")
    result = run(root, STEPS)
    assert statuses(result)["build.upper"] == "restored"
    assert (root / "out/upper/all.txt").read_text() == "ALPHA\nBETA\n"
    assert not (root / "out/upper/stray.txt").exists()


def test_input_change_reruns_step_and_everything_downstream(root):
    run(root, STEPS)
    write_sources(root, a="changed\n")
    result = run(root, STEPS)
    assert statuses(result) == {"build.concat": "ran", "build.upper": "ran"}
    assert (root / "out/upper/all.txt").read_text() == "CHANGED\nBETA\n"


def test_downstream_only_change_leaves_upstream_cached(root):
    run(root, STEPS)
    changed = upper_step(set_env={"FLAVOUR": "2"})
    result = run(root, [concat_step(), changed])
    assert statuses(result) == {"build.concat": "cached", "build.upper": "ran"}


def test_failure_records_nothing_and_skips_dependents(root):
    failing = concat_step(command=py("import sys;print('boom on stdout');sys.exit(3)"))
    result = run(root, [failing, upper_step()])
    assert statuses(result) == {"build.concat": "failed", "build.upper": "skipped"}
    failed = result.by_id()["build.concat"]
    assert "exited with code 3" in failed.message
    assert any("boom on stdout" in line for line in failed.log_tail)
    assert not result.ok
    assert list(LocalCache(root / ".connkit/cache").records()) == []
    again = run(root, [failing, upper_step()])
    assert statuses(again)["build.concat"] == "failed"  # never a cached failure


def test_force_reruns_and_still_records(root):
    run(root, STEPS)
    forced = run(root, STEPS, force=True)
    assert statuses(forced) == {"build.concat": "ran", "build.upper": "ran"}
    assert statuses(run(root, STEPS)) == {"build.concat": "cached", "build.upper": "cached"}


def test_no_cache_neither_reads_nor_writes(root):
    result = run(root, STEPS, no_cache=True)
    assert statuses(result) == {"build.concat": "ran", "build.upper": "ran"}
    assert list(LocalCache(root / ".connkit/cache").records()) == []
    assert statuses(run(root, STEPS)) == {"build.concat": "ran", "build.upper": "ran"}
    assert statuses(run(root, STEPS, no_cache=True)) == {"build.concat": "ran", "build.upper": "ran"}


def test_dry_run_runs_nothing_and_writes_no_summary(root):
    plan = run(root, STEPS, dry_run=True, explain=True)
    assert statuses(plan) == {"build.concat": "miss", "build.upper": "miss"}
    assert plan.by_id()["build.concat"].reasons == ["no previous record of this step"]
    assert not (root / "out").exists()
    assert not (root / ".connkit/runs/last.json").exists()
    run(root, STEPS)
    write_sources(root, b="BETA2\n")
    plan = run(root, STEPS, dry_run=True, explain=True)
    assert plan.by_id()["build.concat"].cache == "miss"
    assert plan.by_id()["build.concat"].reasons == ["input changed: src/b.txt"]
    assert (root / "out/all.txt").read_text() == "alpha\nbeta\n"


def test_uncacheable_step_always_runs(root):
    step = concat_step(cacheable=False)
    run(root, [step])
    assert statuses(run(root, [step])) == {"build.concat": "ran"}


def test_last_json_has_the_documented_shape(root):
    run(root, STEPS)
    data = json.loads((root / ".connkit/runs/last.json").read_text())
    assert isinstance(data["seconds"], float)
    assert [s["id"] for s in data["steps"]] == ["build.concat", "build.upper"]
    for step in data["steps"]:
        assert step["status"] in {"ran", "cached", "restored", "failed", "skipped"}
        assert len(step["key"]) == 64 and isinstance(step["seconds"], float)


def test_targets_select_prefix_and_dependencies(root):
    other = Step(id="lint.all", command=py("print('lint')"))
    result = run(root, [*STEPS, other], targets=["build.upper"])
    assert [s.id for s in result.steps] == ["build.concat", "build.upper"]
    result = run(root, [*STEPS, other], targets=["lint"])
    assert [s.id for s in result.steps] == ["lint.all"]
    with pytest.raises(UsageError, match="no step or target named 'nope'"):
        run(root, STEPS, targets=["nope"])


def test_cycles_and_unknown_deps_are_clear_errors(root):
    a = Step(id="a", deps=("b",), command=("true",))
    b = Step(id="b", deps=("a",), command=("true",))
    with pytest.raises(UsageError, match="cycle"):
        run(root, [a, b])
    with pytest.raises(UsageError, match="unknown step 'missing'"):
        run(root, [Step(id="c", deps=("missing",), command=("true",))])


def test_independent_steps_run_at_the_same_time_with_jobs(root):
    # Each step waits until it sees the other's marker: only parallel execution finishes both.
    def waiter(me: str, other: str) -> Step:
        code = (
            f"import os,time,sys;open('{me}','w').close();t=time.time()\n"
            f"while not os.path.exists('{other}'):\n"
            "    time.sleep(0.01)\n"
            "    if time.time()-t>20: sys.exit('never saw the other step')\n"
        )
        return Step(id=f"par.{me}", command=py(code), cacheable=False)

    result = run(root, [waiter("left", "right"), waiter("right", "left")], jobs=2)
    assert statuses(result) == {"par.left": "ran", "par.right": "ran"}


def test_missing_tool_fails_with_install_hint_and_others_still_report(root):
    needs_mvn = Step(id="gen.java", command=("mvn", "-v"), tools=(("mvn", "-v"),))
    fine = concat_step()
    env = {"PATH": "/usr/bin/nothing-here:" + os.path.dirname(os.sys.executable)}
    result = run(root, [needs_mvn, fine], environ=env)
    assert statuses(result) == {"gen.java": "failed", "build.concat": "ran"}
    assert "apt-get install maven" in result.by_id()["gen.java"].message


def test_action_steps_run_python_and_key_their_version(root):
    calls = []

    def build(ctx):
        calls.append(ctx.step.id)
        (ctx.project.root / "out").mkdir(exist_ok=True)
        (ctx.project.root / "out/action.txt").write_text("made by python")
        ctx.log("action done")

    step = Step(id="act.build", action=build, action_version="1", outputs=("out/action.txt",))
    assert statuses(run(root, [step])) == {"act.build": "ran"}
    assert statuses(run(root, [step])) == {"act.build": "cached"}
    bumped = Step(id="act.build", action=build, action_version="2", outputs=("out/action.txt",))
    assert statuses(run(root, [bumped])) == {"act.build": "ran"}
    assert calls == ["act.build", "act.build"]


def test_a_step_that_edits_its_own_inputs_is_not_cached(root):
    sneaky = concat_step(
        command=py(
            "open('src/a.txt','a').write('more\\n');import os;os.makedirs('out',exist_ok=True);open('out/all.txt','w').write('x')"
        )
    )
    run(root, [sneaky])
    assert list(LocalCache(root / ".connkit/cache").records()) == []


def test_only_declared_environment_reaches_commands(root, monkeypatch):
    monkeypatch.setenv("UNDECLARED_VAR", "leak")
    monkeypatch.setenv("DECLARED_VAR", "seen")
    step = Step(
        id="env.dump",
        env=("DECLARED_VAR",),
        outputs=("out/env.json",),
        command=py(
            "import json,os;os.makedirs('out',exist_ok=True);json.dump(dict(os.environ),open('out/env.json','w'))"
        ),
    )
    run(root, [step])
    seen = json.loads((root / "out/env.json").read_text())
    assert seen["DECLARED_VAR"] == "seen"
    assert "UNDECLARED_VAR" not in seen
    assert "PATH" in seen


def test_secret_values_are_masked_in_live_stored_and_replayed_logs(root):
    """A step that prints its token: the value is *** everywhere a log goes."""
    printing = py("import os; print('token is', os.environ['API_TOKEN']); print('key', os.environ['DB_KEY'])")
    step = Step(
        id="leak.token",
        command=printing,
        outputs=(),
        pass_env=("API_TOKEN",),
        env=("DB_KEY",),
        secrets=("DB_KEY",),
    )
    environ = {**os.environ, "API_TOKEN": "s3cr3t-value-123", "DB_KEY": "hunter2-db-key"}

    class Recorder(SilentReporter):
        def __init__(self):
            self.lines, self.replays = [], []

        def step_output(self, step_id, line):
            self.lines.append(line)

        def step_finished(self, result, replay=None):
            self.replays.append(replay or "")

    first, second = Recorder(), Recorder()
    run_steps(Folder(root), [step], (), RunOptions(), reporter=first, environ=environ)
    run_steps(Folder(root), [step], (), RunOptions(), reporter=second, environ=environ)
    logged = (root / ".connkit" / "logs" / "leak.token.log").read_text()
    stored = b"".join(p.read_bytes() for p in (root / ".connkit" / "cache" / "cas").rglob("*") if p.is_file())
    for text in ("".join(first.lines), first.replays[0], second.replays[0], logged):
        assert "token is ***" in text and "key ***" in text
        assert "s3cr3t-value-123" not in text and "hunter2-db-key" not in text
    assert b"s3cr3t-value-123" not in stored and b"hunter2-db-key" not in stored


def test_order_only_dependency_runs_first_but_stays_out_of_the_key(root):
    """``after``: upstream runs (and is pulled in) first; its new key does not rerun this step."""
    reader = Step(
        id="check.a",
        inputs=("src/a.txt",),
        command=py("import os; assert os.path.exists('out/all.txt'); print(open('src/a.txt').read())"),
        after=("build.concat",),
    )
    first = run(root, [concat_step(), reader], ["check.a"])
    assert statuses(first) == {"build.concat": "ran", "check.a": "ran"}
    write_sources(root, b="beta changed\n")  # concat's input, not check.a's
    second = run(root, [concat_step(), reader], ["check.a"])
    assert statuses(second) == {"build.concat": "ran", "check.a": "cached"}
    write_sources(root, a="alpha changed\n")
    assert statuses(run(root, [concat_step(), reader]))["check.a"] == "ran"
    failing = concat_step(inputs=("src/*.txt", "src/new.txt"), command=py("raise SystemExit(4)"))
    (root / "src/new.txt").write_text("x\n")
    assert statuses(run(root, [failing, reader])) == {"build.concat": "failed", "check.a": "skipped"}


def test_a_step_that_is_not_restorable_reruns_when_its_outputs_go(root):
    counter = root / "runs.txt"
    step = concat_step(
        restorable=False,
        command=py(
            "import os;os.makedirs('out',exist_ok=True);open('out/all.txt','w').write('made');"
            "open('runs.txt','a').write('x')"
        ),
    )
    assert statuses(run(root, [step])) == {"build.concat": "ran"}
    assert statuses(run(root, [step])) == {"build.concat": "cached"}
    (root / "out/all.txt").unlink()
    result = run(root, [step], explain=True)
    assert statuses(result) == {"build.concat": "ran"}  # re-made, never restored
    assert "re-made, not restored" in result.steps[0].reasons[0]
    assert counter.read_text() == "xx"
    assert statuses(run(root, [step])) == {"build.concat": "cached"}


def test_the_engines_folder_in_the_tree_never_shows_in_git_status(root):
    import subprocess

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "sources"], cwd=root, check=True)
    run(root, [concat_step()])
    assert (root / ".connkit").is_dir()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    assert status.splitlines() == ["?? out/"]  # the step's output shows; connkit's own folder does not
