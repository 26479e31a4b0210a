"""UI build benchmark on the real checkout: the `stack.ui.build` step (the UI's production
build, what `stack.up --mode ui` runs before the server's Maven build) cold and warm, and its
peak memory.

- cold: an empty connkit cache on a fresh unpack with a dashboard connector scaffolded and
  registered: the UI's generators (yarn's offline install, quicktype's types, the schema
  parse, `make generate`'s parsers) and webpack's production build. One round: it is minutes.
- warm: the same tree again, nothing changed: the step must be a hit with the same key.
- python edit: a Python-only edit of the connector: a hit, same key.
- fresh tree: a new unpack of the same files on the warm cache (what CI's next session
  sees): the build is restored, not rebuilt, with the same key.
Warm, python-edit and fresh-tree figures are medians of --rounds rounds with their spread.
Peak memory is the largest process of the run (wait4's ru_maxrss: webpack's).

Needs the 1.1 checkout tarball (../shared/openmetadata/), Node and yarn. Prints human lines,
then (with --json) one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import summary  # noqa: E402

import tests.conftest  # noqa: E402, F401  (first: tests.om_checkout imports it back)
from tests.om_checkout import tarball, unpack  # noqa: E402
from tests.openmetadata.stack import generate_models  # noqa: E402

ROUNDS = 3
NAME = "benchdash"
STEP = "stack.ui.build"


def env_for(state: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), CONNKIT_CACHE_DIR=str(state))
    env.pop("VIRTUAL_ENV", None)
    return env


def connkit(*args: str, cwd: Path, state: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "connkit", *args], cwd=cwd, env=env_for(state), capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"connkit {' '.join(args)} failed: {proc.stderr[-2000:]}")


def build_ui(root: Path, state: Path) -> dict:
    """One run of the UI build's steps in a process of its own: wall time, the largest
    process's peak RSS, and each step's status, key and duration from the run's record."""
    argv = [sys.executable, __file__, "--run-step", str(root)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=root, env=env_for(state), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the UI build failed:\n{out[-4000:]}")
    record = json.loads((state / "runs" / "last.json").read_text())
    steps = {s["id"]: s for s in record["steps"]}
    return {"wall": wall, "peak_mb": round(usage.ru_maxrss / 1024, 1), "steps": steps}


def run_step(root: Path) -> int:
    """--run-step: the stack's graph in ui mode, run up to the UI build (as stack.up does)."""
    sys.path.insert(0, str(ROOT / "src"))
    from connkit.engine import driver
    from connkit.engine.options import RunOptions
    from connkit.engine.report import ConsoleReporter
    from connkit.openmetadata.stack import lifecycle
    from connkit.openmetadata.stack.options import StackOptions, for_workspace
    from connkit.openmetadata.workspace import Workspace

    ws = Workspace(root)
    options = for_workspace(StackOptions(mode="ui", ingestion=False), ws)
    steps = lifecycle._graph(ws, options)
    result = driver.run(ws, steps, [STEP], RunOptions(logs="errors"), reporter=ConsoleReporter(logs="errors"))
    return 0 if result.ok else 1


def prepare(root: Path, state: Path, tools: Path, archive: Path) -> None:
    unpack(archive, root)
    (root / "connkit.toml").write_text(generate_models.workspace_step(tools))
    connkit(
        "scaffold",
        "--name",
        NAME,
        "--service-type",
        "dashboard",
        "--auth-types",
        "token",
        cwd=root,
        state=state,
    )
    connkit("register", "--name", NAME, cwd=root, state=state)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--run-step", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_step:
        return run_step(args.run_step.resolve())
    archive = tarball()
    if archive is None:
        raise SystemExit("no OpenMetadata checkout tarball in ../shared/openmetadata/")
    tmp = Path(tempfile.mkdtemp(prefix="connkit-bench-ui-"))
    root, state, tools = tmp / "om", tmp / "state", tmp / "tools"
    tools.mkdir()
    try:
        prepare(root, state, tools, archive)
        cold = build_ui(root, state)
        step = cold["steps"][STEP]
        chain = ", ".join(
            f"{s['id']} {s['seconds']:.0f} s" for s in cold["steps"].values() if s["status"] == "ran"
        )
        print(
            f"cold: UI build {step['seconds']:.0f} s ({step['status']}), the whole chain {cold['wall']:.0f} s "
            f"({chain}); peak RSS {cold['peak_mb']:.0f} MB"
        )
        key = step["key"]
        warm, edited, fresh, statuses = [], [], [], []
        source = root / f"ingestion/src/metadata/ingestion/source/dashboard/{NAME}/metadata.py"
        for n in range(args.rounds):
            again = build_ui(root, state)
            warm.append(again["wall"])
            statuses.append(again["steps"][STEP])
            source.write_text(source.read_text() + f"# bench edit {n}\n")
            after_edit = build_ui(root, state)
            edited.append(after_edit["wall"])
            statuses.append(after_edit["steps"][STEP])
            shutil.rmtree(root)
            prepare(root, state, tools, archive)
            restored = build_ui(root, state)
            fresh.append(restored["wall"])
            statuses.append(restored["steps"][STEP])
            print(
                f"round {n + 1}: warm {warm[-1]:.1f} s, after a Python edit {edited[-1]:.1f} s, "
                f"fresh tree {fresh[-1]:.1f} s ({restored['steps'][STEP]['status']})"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    unchanged = all(s["key"] == key and s["status"] in ("cached", "restored") for s in statuses)
    figures = {
        "ui_build_cold_s": round(step["seconds"], 1),
        "ui_chain_cold_s": round(cold["wall"], 1),
        "ui_build_peak_rss_mb": cold["peak_mb"],
        "ui_build_warm_s": summary(warm, 2),
        "ui_build_python_edit_s": summary(edited, 2),
        "ui_build_fresh_tree_s": summary(fresh, 2),
        "ui_build_key_unchanged": unchanged,
        "ui_warm_ratio": round(summary(warm)["median"] / cold["wall"], 4),
    }
    print(f"key unchanged on every warm run: {unchanged}")
    if args.json:
        print(json.dumps(figures))
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
