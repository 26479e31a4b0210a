"""Review every connector package of an OpenMetadata tree and print the per-rule table.

Runs the real ``connkit review --name N --format json`` once per package under
``ingestion/src/metadata/ingestion/source/<type>/`` (what a person would script), keeps each
report in ``--out``, and prints a Markdown table: per rule, findings by severity and the
number of connectors affected, then the packages the review refused (exit 2) and why. Use it
to see what a rule change does on real upstream code (the 1.1 checkout: unpack
``../shared/openmetadata/*.tar.xz`` somewhere and pass that folder):

    python benchmarks/review_checkout.py /tmp/om --out /tmp/review-after
    python benchmarks/review_checkout.py --table /tmp/review-before   # a kept run, again

Not a speed benchmark (run_all.py only runs bench_*.py); the seconds it prints are the
review's own wall time per connector, for orientation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("ingestion/src/metadata/ingestion/source")
SEVERITIES = ("BLOCKER", "WARNING", "SUGGESTION")


def review_all(tree: Path, out: Path) -> float:
    """Review each package into ``out/<type>.<name>.json`` (+ ``.err``, ``.rc``); total seconds."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CONNKIT_WORKSPACE", None)
    started = time.perf_counter()
    for package in sorted((tree / SOURCE).glob("*/*/")):
        if package.name.startswith(("_", ".")):
            continue
        stem = f"{package.parent.name}.{package.name}"
        proc = subprocess.run(
            [sys.executable, "-m", "connkit", "review", "--name", package.name, "--format", "json"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        (out / f"{stem}.json").write_text(proc.stdout)
        (out / f"{stem}.err").write_text(proc.stderr)
        (out / f"{stem}.rc").write_text(f"{proc.returncode}\n")
    return time.perf_counter() - started


def table(out: Path) -> str:
    rules: dict[str, dict] = defaultdict(lambda: {**dict.fromkeys(SEVERITIES, 0), "connectors": set()})
    totals = dict.fromkeys(SEVERITIES, 0)
    reviewed, refused = 0, []
    for rc_file in sorted(out.glob("*.rc")):
        stem = rc_file.name.removesuffix(".rc")
        if rc_file.read_text().strip() == "2":
            lines = (out / f"{stem}.err").read_text().strip().splitlines()
            refused.append((stem.replace(".", "/", 1), lines[-1] if lines else ""))
            continue
        report = json.loads((out / f"{stem}.json").read_text())
        reviewed += 1
        for f in report["findings"]:
            row = rules[f["rule_id"]]
            row[f["severity"]] += 1
            row["connectors"].add(report["connector"])
            totals[f["severity"]] += 1
    lines = [
        f"{reviewed} connectors reviewed, {len(refused)} refused; "
        + ", ".join(f"{totals[s]} {s}" for s in SEVERITIES),
        "",
        "| rule | BLOCKER | WARNING | SUGGESTION | connectors |",
        "|---|---:|---:|---:|---:|",
    ]
    for rid in sorted(rules):
        row = rules[rid]
        lines.append(
            f"| `{rid}` | " + " | ".join(str(row[s]) for s in SEVERITIES) + f" | {len(row['connectors'])} |"
        )
    if refused:
        lines += ["", "Refused (exit 2):", ""] + [f"- {stem}: {message}" for stem, message in refused]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path, help="an unpacked OpenMetadata source tree")
    parser.add_argument("--out", type=Path, help="folder for the raw JSON reports")
    parser.add_argument("--table", type=Path, help="print the table of a kept run and exit")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return 0
    if not args.tree or not args.out:
        parser.error("give a tree and --out (or --table DIR)")
    seconds = review_all(args.tree.resolve(), args.out)
    print(table(args.out))
    print(f"\n({seconds:.1f} s for the whole tree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
