"""The engine on the real OpenMetadata checkout (../shared/openmetadata): the no-op of
`connkit run all` and of `connkit validate --name N` after a full run, each next to `git status`
(+ Python's start-up) on the same tree, and `connkit generate` with the three generators one
after the other against side by side (-j 3), forced so each round runs them for real.

The tree is unpacked to a fixed path beside a kept state folder (``$CONNKIT_BENCH_OM``, default
~/.cache/connkit-bench/om), so only the first bench on a machine pays the full run.
Figures: checkout_files, run_all_noop_s, validate_noop_s, git_status_s, their ratios to
git status + start-up, checkout_generate_parallel_ratio. Skips (prints a note, figures empty)
where the tarball is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(HERE)]

from measure import ratio, run_quiet, summary, timed  # noqa: E402

from tests.om_checkout import tarball, unpack  # noqa: E402

NAME = "benchdash"
GENERATORS = "generate.python,generate.java,generate.ui"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--generate-rounds", type=int, default=2)
    args = parser.parse_args()
    archive = tarball()
    if archive is None:
        print("no checkout tarball here: bench_checkout skipped", file=sys.stderr)
        print(json.dumps({}))
        return
    base = Path(os.environ.get("CONNKIT_BENCH_OM", Path.home() / ".cache" / "connkit-bench" / "om"))
    root, state = base / "tree", base / "state"
    unpack(archive, root)
    state.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV")}
    env |= {"PYTHONPATH": str(ROOT / "src"), "CONNKIT_CACHE_DIR": str(state)}
    connkit = [sys.executable, "-m", "connkit"]

    def call(*argv: str) -> None:
        subprocess.run([*connkit, *argv], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)

    call("scaffold", "--name", NAME, "--service-type", "dashboard")
    call("register", "--name", NAME)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "c"], cwd=root, check=True
    )
    full = timed(lambda: call("run", "all", "-j", "2", "--logs", "none"))  # after this, all cached
    call("validate", "--name", NAME, "--logs", "none")
    files = len(
        subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.splitlines()
    )
    runs, validates, gits, starts = [], [], [], []
    for _ in range(args.rounds):
        runs.append(run_quiet([*connkit, "run", "all", "--logs", "none"], cwd=root, env=env))
        validates.append(
            run_quiet([*connkit, "validate", "--name", NAME, "--logs", "none"], cwd=root, env=env)
        )
        gits.append(run_quiet(["git", "status", "--porcelain"], cwd=root))
        starts.append(run_quiet([sys.executable, "-c", "pass"]))
    base_line = [g + s for g, s in zip(gits, starts, strict=True)]
    figures = {
        "checkout_files": files,
        "checkout_full_run_s": round(full, 1),
        "checkout_run_all_noop_s": summary(runs),
        "checkout_validate_noop_s": summary(validates),
        "checkout_git_status_s": summary(gits),
        "checkout_run_all_vs_git_plus_startup": ratio(runs, base_line, 2),
        "checkout_validate_vs_git_plus_startup": ratio(validates, base_line, 2),
    }
    sequential, parallel = [], []
    for _ in range(args.generate_rounds):
        sequential.append(timed(lambda: call("run", GENERATORS, "--force", "-j", "1", "--logs", "none")))
        parallel.append(timed(lambda: call("run", GENERATORS, "--force", "-j", "3", "--logs", "none")))
    figures["checkout_generate_sequential_s"] = summary(sequential, 1)
    figures["checkout_generate_parallel_s"] = summary(parallel, 1)
    figures["checkout_generate_parallel_ratio"] = ratio(parallel, sequential, 3)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
