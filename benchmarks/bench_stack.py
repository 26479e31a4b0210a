"""Stack benchmark: `stack.up --fast` after a Python-only connector edit against a full
`stack.up` after the same kind of edit, on the real Docker engine, through the CLI.

A full run stops the stack, wipes its volumes, checks every image step (hits, except the
ingestion image) and waits for database, search engine and ingestion to be healthy again;
a fast run rebuilds the ingestion image and recreates only its container.

Prints human lines, then (with --json) one JSON object as the last line: stack_fast_ratio
(fast / full, goal <= 0.20) and the raw seconds.
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

from tests.openmetadata.stack.conftest import make_workspace, set_connector_version  # noqa: E402

ROUNDS = 3


def connkit(*args: str, cwd: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "connkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    took = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"connkit {' '.join(args)} failed with exit {proc.returncode}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode:
        raise SystemExit("no Docker engine: run ci/install-docker.sh first")
    tmp = Path(tempfile.mkdtemp(prefix="connkit-bench-stack-"))
    root = make_workspace(tmp / "ws")
    up = ("stack.up", "--ephemeral-ports")
    try:
        first = connkit(*up, cwd=root)
        print(f"first full up in a new workspace: {first:.1f} s (engine layer cache as this machine has it)")
        full, fast = [], []
        for n in range(args.rounds):
            set_connector_version(root, f"full-{n}")
            full.append(connkit(*up, cwd=root))
            set_connector_version(root, f"fast-{n}")
            fast.append(connkit(*up, "--fast", cwd=root))
            print(f"round {n + 1}: full up {full[-1]:.1f} s, fast up {fast[-1]:.1f} s")
    finally:
        connkit("stack.down", "--volumes", "--images", cwd=root)
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
