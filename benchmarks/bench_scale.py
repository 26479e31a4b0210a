"""How the engine's no-op check grows with the tree: 2k, 20k and 100k input files, each next
to ``git status`` on the same tree, in-process and as a whole ``connkit run all`` process.

Also the one-file-changed rerun (the step's own command is trivial, so this is the engine's
overhead), and the peak memory of the no-op process on the largest tree.
Figures: noop_s[N], git_status_s[N], growth per 10× files (goal ≤ 11), noop_vs_git_status_plus_startup
on 100k, peak_rss_mb_100k (goal ≤ 200).
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

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

from measure import peak_rss_mb, ratio, run_quiet, summary, timed  # noqa: E402

from connkit.engine.execute import run_steps  # noqa: E402
from connkit.engine.options import RunOptions  # noqa: E402
from connkit.engine.project import Folder  # noqa: E402
from connkit.engine.report import SilentReporter  # noqa: E402
from connkit.engine.step import Step  # noqa: E402

SIZES = (2_000, 20_000, 100_000)
PER_DIR = 100
COUNT = "import os;os.makedirs('out',exist_ok=True);open('out/n.txt','w').write(str(sum(len(f) for _,_,f in os.walk('src'))))"
CONFIG = f"""
[[steps]]
id = "scale.count"
inputs = ["src"]
outputs = ["out/n.txt"]
command = [{json.dumps(sys.executable)}, "-c", {json.dumps(COUNT)}]
"""


def make_tree(root: Path, files: int) -> None:
    (root / "openmetadata-spec").mkdir(parents=True)
    old = time.time() - 60
    for i in range(files):
        folder = root / "src" / f"d{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            folder.mkdir(parents=True)
        path = folder / f"f{i % PER_DIR:03d}.txt"
        path.write_text(f"file {i}\n")
        os.utime(path, (old, old))
    (root / "connkit.toml").write_text(CONFIG)
    (root / ".gitignore").write_text(".connkit/\nout/\n")
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@b"]
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "tree"], cwd=root, check=True)


def steps(root: Path) -> list[Step]:
    from connkit.engine.config import load_config

    return list(load_config(Folder(root)).steps)


def run_once(root: Path) -> str:
    result = run_steps(Folder(root), steps(root), (), RunOptions(), reporter=SilentReporter())
    assert result.ok
    return result.steps[0].status.value


def measure(root: Path, rounds: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    connkit = [sys.executable, "-m", "connkit", "run", "all", "--logs", "none"]
    assert run_once(root) == "ran"
    noop, proc, git, pypass, changed = [], [], [], [], []
    target = root / "src" / "d0000" / "f000.txt"
    for i in range(rounds):
        noop.append(timed(lambda: run_once(root)))
        git.append(run_quiet(["git", "status", "--porcelain"], cwd=root))
        proc.append(run_quiet(connkit, cwd=root, env=env))
        pypass.append(run_quiet([sys.executable, "-c", "pass"]))
        target.write_text(f"edit {i}\n")
        old = time.time() - 60
        os.utime(target, (old, old))  # past the racy window, as a moment later
        changed.append(timed(lambda: run_once(root)))
    return {
        "noop_s": summary(noop),
        "process_noop_s": summary(proc),
        "git_status_s": summary(git),
        "python_startup_s": summary(pypass),
        "one_changed_s": summary(changed),
        "noop_vs_git_status": ratio(noop, git, 2),
        "process_vs_git_plus_startup": ratio(proc, [g + p for g, p in zip(git, pypass, strict=True)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for files in sizes:
            root = Path(tmp) / f"t{files}"
            make_tree(root, files)
            figures[f"scale_{files}"] = measure(root, args.rounds)
            if files == max(sizes):
                env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
                argv = [sys.executable, "-m", "connkit", "run", "all", "--logs", "none"]
                figures[f"peak_rss_mb_{files}"] = peak_rss_mb(argv, cwd=root, env=env)
            shutil.rmtree(root)
    ordered = sorted(sizes)
    for small, big in zip(ordered, ordered[1:], strict=False):
        factor = (big / small) / 10
        for name in ("noop_s", "one_changed_s"):
            a, b = figures[f"scale_{small}"][name]["median"], figures[f"scale_{big}"][name]["median"]
            figures[f"growth_{name}_{small}_to_{big}_per_10x"] = round((b / a) / factor, 2)
    if args.json:
        print(json.dumps(figures))
    else:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
