"""Stack benchmark on the real checkout: `stack.up --fast` after a Python-only connector edit
against a full `stack.up` after a Java change, side by side in one run, through the CLI.

The full variant is what a server developer waits for: the checkout's Maven build (the Java
change makes it a cache miss), the server image, fresh volumes, migrations and the server's
start. The fast variant rebuilds the ingestion source layer and recreates only the ingestion
container; Maven and the server are cache hits.

Needs Docker and the 1.1 checkout tarball (../shared/openmetadata/). Prints human lines, then
(with --json) one JSON object as the last line: stack_fast_ratio (fast / full, medians, goal
<= 0.20) and the raw seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tests.conftest  # noqa: E402, F401  (first: tests.om_checkout imports it back)
from tests.om_checkout import tarball, unpack  # noqa: E402

ROUNDS = 3
GENERATE = ROOT / "tests" / "openmetadata" / "stack" / "generate_models.py"
PYTHON_EDIT = "ingestion/src/metadata/ingestion/source/database/postgres/metadata.py"
JAVA_DIR = "openmetadata-service/src/main/java/org/openmetadata/service"


def connkit(*args: str, cwd: Path, state: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), CONNKIT_CACHE_DIR=str(state))
    env.pop("VIRTUAL_ENV", None)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "connkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"connkit {' '.join(args)} failed with exit {proc.returncode}")
    return took


def java_change(root: Path, n: int) -> None:
    """A new, google-formatted class: the Maven build's inputs change, its formatter has nothing to do."""
    path = root / JAVA_DIR / f"ConnkitBench{n}.java"
    path.write_text(f"package org.openmetadata.service;\n\nclass ConnkitBench{n} {{}}\n")


def python_change(root: Path, n: int) -> None:
    path = root / PYTHON_EDIT
    path.write_text(path.read_text() + f"# connkit bench edit {n}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode:
        raise SystemExit("no Docker engine: run ci/install-docker.sh first")
    archive = tarball()
    if archive is None:
        raise SystemExit("no OpenMetadata checkout tarball in ../shared/openmetadata/")
    tmp = Path(tempfile.mkdtemp(prefix="connkit-bench-stack-"))
    root, state, tools = tmp / "om", tmp / "state", tmp / "tools"
    unpack(archive, root)
    tools.mkdir()
    (root / "connkit.toml").write_text(
        "[[steps]]\n"
        'id = "generate.python"\n'
        'inputs = ["openmetadata-spec/src/main/resources/json/schema", "Makefile"]\n'
        'outputs = ["ingestion/src/metadata/generated"]\n'
        f"command = {json.dumps([sys.executable, str(GENERATE), '.', str(tools)])}\n"
    )
    up = ("stack.up", "--mode", "no-ui", "--ephemeral-ports")  # the UI build has its own (bench_ui)
    try:
        first = connkit(*up, cwd=root, state=state)
        print(
            f"first full up of a fresh checkout: {first:.1f} s (Maven and images as this machine's caches have them)"
        )
        full, fast = [], []
        for n in range(args.rounds):
            java_change(root, n)
            full.append(connkit(*up, cwd=root, state=state))
            python_change(root, n)
            fast.append(connkit(*up, "--fast", cwd=root, state=state))
            print(
                f"round {n + 1}: full up after a Java change {full[-1]:.1f} s, fast up after a Python edit {fast[-1]:.1f} s"
            )
    finally:
        connkit("stack.down", "--volumes", "--images", cwd=root, state=state)
        shutil.rmtree(tmp, ignore_errors=True)
    full_s, fast_s = statistics.median(full), statistics.median(fast)
    figures = {
        "stack_fast_ratio": round(fast_s / full_s, 3),
        "stack_full_up_s": round(full_s, 2),
        "stack_fast_up_s": round(fast_s, 2),
        "stack_first_up_s": round(first, 2),
    }
    print(
        f"fast / full (medians of {args.rounds}): {fast_s:.1f} / {full_s:.1f} s = {figures['stack_fast_ratio']}"
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
