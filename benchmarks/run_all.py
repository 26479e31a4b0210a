"""Run every benchmarks/bench_*.py and merge their figures; with --json the last line printed
is one JSON object holding every ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    want_json = "--json" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    merged: dict = {}
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem.removeprefix("bench_") not in only:
            continue
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script), "--json"], capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        for line in lines[:-1]:
            print(line)
        if proc.returncode != 0 or not lines:
            failed.append(script.name)
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        figures = json.loads(lines[-1])
        for name, value in figures.items():
            print(f"{name:>28}: {value}")
        merged.update(figures)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
    if want_json:
        print(json.dumps(merged))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
