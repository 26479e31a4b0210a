"""Toolchain benchmark: `generate` (Python, Java and UI models with the real tools) on an
assembled workspace with one scaffolded connector.

Measures a cold run (fresh workspace: the managed Python environment, node dependencies and
the three generators), a no-op rerun, a restore after deleting the generated outputs, and the
three generators forced to run in parallel (-j 3) against one after the other.

Prints human lines, then (with --json) one JSON object as the last line: generate_cold_s,
generate_noop_ratio (no-op / cold), generate_restore_ratio (restore / cold),
generate_parallel_ratio (parallel wall / sequential sum) and the raw seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from connkit.engine.execute import run_steps  # noqa: E402
from connkit.engine.options import RunOptions  # noqa: E402
from connkit.engine.report import SilentReporter  # noqa: E402
from connkit.openmetadata.steps.toolchain import toolchain_steps  # noqa: E402
from connkit.openmetadata.workspace import Workspace  # noqa: E402
from tests.openmetadata.steps.assembled import assemble  # noqa: E402
from tests.openmetadata.steps.connector import add_connector  # noqa: E402

GENERATORS = ("generate.python", "generate.java", "generate.ui")
ROUNDS = 3
OUTPUTS = (
    "ingestion/src/metadata/generated",
    "openmetadata-spec/target",
    "openmetadata-ui/src/main/resources/ui/src/jsons",
)


def run(ws: Workspace, environ: dict[str, str], targets=("generate",), steps=None, **options):
    steps = steps if steps is not None else toolchain_steps(ws, environ=environ)
    started = time.perf_counter()
    result = run_steps(
        ws, steps, list(targets), RunOptions(**options), reporter=SilentReporter(), environ=environ
    )
    seconds = time.perf_counter() - started
    if not result.ok:
        failed = [
            (s.id, s.message, "\n".join(s.log_tail[-20:])) for s in result.steps if s.status == "failed"
        ]
        raise SystemExit(f"benchmark run failed: {failed}")
    return seconds, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="end with one JSON object of figures")
    parser.add_argument("--keep", action="store_true", help="keep the workspace")
    args = parser.parse_args()

    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    tmp = Path(tempfile.mkdtemp(prefix="connkit-bench-generate-"))
    try:
        root = assemble(tmp / "om")
        add_connector(root, "database", "acme_db")
        ws = Workspace(root)

        cold, result = run(ws, environ)
        print(f"cold generate: {cold:.2f} s ({', '.join(f'{s.id} {s.seconds:.1f}s' for s in result.steps)})")
        noops = [run(ws, environ)[0] for _ in range(3)]
        noop = min(noops)
        print(f"no-op generate: {noop:.3f} s (best of 3: {', '.join(f'{n:.3f}' for n in noops)})")

        for rel in OUTPUTS:
            shutil.rmtree(root / rel)
        restore, result = run(ws, environ)
        assert {s.status for s in result.steps if s.id in GENERATORS} == {"restored"}, result.as_dict()
        print(f"restore after deleting the generated outputs: {restore:.2f} s")

        # The three generators alone (their dependencies are in place), forced to run.
        alone = [
            dataclasses.replace(s, deps=())
            for s in toolchain_steps(ws, environ=environ)
            if s.id in GENERATORS
        ]
        # The machine is shared: alternate the two and keep each one's best of ROUNDS.
        sequential_sums, parallels = [], []
        for _ in range(ROUNDS):
            _, sequential = run(ws, environ, GENERATORS, alone, force=True, jobs=1)
            sequential_sums.append(sum(s.seconds for s in sequential.steps))
            parallels.append(run(ws, environ, GENERATORS, alone, force=True, jobs=3)[0])
        sequential_sum, parallel = min(sequential_sums), min(parallels)
        rounds = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(sequential_sums, parallels, strict=True))
        print(
            f"generators one after the other: {sequential_sum:.2f} s; in parallel (-j 3): {parallel:.2f} s "
            f"(sequential/parallel per round: {rounds})"
        )

        figures = {
            "generate_cold_s": round(cold, 2),
            "generate_noop_s": round(noop, 3),
            "generate_noop_ratio": round(noop / cold, 4),
            "generate_restore_s": round(restore, 2),
            "generate_restore_ratio": round(restore / cold, 4),
            "generate_sequential_s": round(sequential_sum, 2),
            "generate_parallel_s": round(parallel, 2),
            "generate_parallel_ratio": round(parallel / sequential_sum, 4),
        }
        for name, value in figures.items():
            print(f"{name:>28}: {value}")
        if args.json:
            print(json.dumps(figures))
    finally:
        if args.keep:
            print(f"workspace kept at {tmp / 'om'}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
