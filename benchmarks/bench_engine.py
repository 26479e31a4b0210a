"""Engine benchmark: a graph of real commands (py_compile, ruff, mypy, tar, sha256sum) over
2,440 input files, measured side by side in one run.

Prints human lines, then (with --json) one JSON object as the last line:
noop_ratio, restore_ratio, noop_vs_git_status, noop_vs_doit and the raw seconds.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ratio, run_quiet, summary, timed  # noqa: E402

from connkit.engine.execute import run_steps  # noqa: E402
from connkit.engine.options import RunOptions  # noqa: E402
from connkit.engine.project import Folder  # noqa: E402
from connkit.engine.report import SilentReporter  # noqa: E402
from connkit.engine.step import Step  # noqa: E402

N_DIRS, N_FILES = 40, 60  # 2,400 modules + 40 packages
MYPY = str(Path(sys.executable).with_name("mypy"))


def make_tree(root: Path) -> None:
    (root / "openmetadata-spec").mkdir(parents=True)
    for d in range(N_DIRS):
        pkg = root / "src" / f"pkg{d:02d}"
        pkg.mkdir(parents=True)
        for f in range(N_FILES):
            body = "".join(
                f"\n\ndef value_{f}_{k}(x: int) -> int:\n    return x * {k} + {d * 1000 + f}\n"
                for k in range(3)
            )
            (pkg / f"mod{f:02d}.py").write_text(f'"""Module {d}/{f}."""\n{body}')
        (pkg / "__init__.py").write_text("")


def graph() -> list[Step]:
    py = sys.executable
    return [
        Step(
            id="bench.compile",
            inputs=("src/**/*.py",),
            outputs=("out/bytecode",),
            command=(
                py,
                "-c",
                "import glob,os,py_compile\n"
                "for p in glob.glob('src/**/*.py', recursive=True):\n"
                "    py_compile.compile(p, cfile=os.path.join('out/bytecode', p + 'c'), doraise=True)",
            ),
        ),
        Step(
            id="bench.lint",
            inputs=("src/**/*.py",),
            outputs=("out/lint.txt",),
            command=(
                py,
                "-m",
                "ruff",
                "check",
                "--exit-zero",
                "--no-cache",
                "--select",
                "E,F",
                "--output-file",
                "out/lint.txt",
                "src",
            ),
        ),
        Step(
            id="bench.typecheck",
            inputs=("src/**/*.py",),
            outputs=("out/mypy.txt",),
            tools=((MYPY, "--version"),),
            command=("sh", "-c", f"{MYPY} --cache-dir=/dev/null --strict src > out/mypy.txt"),
        ),
        Step(
            id="bench.archive",
            deps=("bench.compile",),
            inputs=("src/**/*.py",),
            outputs=("out/src.tar.gz",),
            command=("tar", "czf", "out/src.tar.gz", "src"),
        ),
        Step(
            id="bench.manifest",
            deps=("bench.archive", "bench.lint", "bench.typecheck"),
            inputs=("out/src.tar.gz", "out/lint.txt", "out/mypy.txt"),
            outputs=("out/manifest.txt",),
            command=("sh", "-c", "sha256sum out/src.tar.gz out/lint.txt > out/manifest.txt"),
        ),
    ]


def config_toml() -> str:
    """The same graph as ``connkit.toml`` steps, for the whole-process no-op."""
    out = []
    for step in graph():
        out.append("[[steps]]")
        out.append(f"id = {json.dumps(step.id)}")
        for name in ("inputs", "outputs", "command", "deps"):
            value = getattr(step, name)
            if value:
                out.append(f"{name} = {json.dumps(list(value))}")
        if step.tools:
            out.append(f"tools = {json.dumps([list(t) for t in step.tools])}")
        out.append("")
    return "\n".join(out)


def timed_status(root: Path) -> tuple[float, str]:
    start = time.perf_counter()
    status = run_graph(root)
    return time.perf_counter() - start, status


def run_graph(root: Path, **opts) -> str:
    result = run_steps(Folder(root), graph(), (), RunOptions(**opts), reporter=SilentReporter())
    assert result.ok, [(s.id, s.status, s.message) for s in result.steps]
    return ",".join(sorted({s.status.value for s in result.steps}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # Python writes no .pyc files when PYTHONDONTWRITEBYTECODE is set (this machine sets it),
    # so every process would compile connkit again: a person's machine caches them.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    process = [sys.executable, "-m", "connkit", "run", "all", "--logs", "none"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        make_tree(root)
        (root / "out").mkdir()
        # Age the sources past the memo's racy window, as an edited tree is a moment later.
        old = time.time() - 60
        for p in (root / "src").rglob("*"):
            os.utime(p, (old, old))
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "tree"],
            cwd=root,
            check=True,
        )
        (root / "connkit.toml").write_text(config_toml())
        colds, noops, restores, gits, procs, starts = [], [], [], [], [], []
        run_quiet(process, cwd=root, env=env)  # compile and cache connkit's modules once
        for _ in range(args.repeat):  # every figure once per round, side by side
            shutil.rmtree(root / "out", ignore_errors=True)
            shutil.rmtree(root / ".connkit", ignore_errors=True)
            colds.append(timed(lambda: run_graph(root)))
            for p in (root / "out").rglob("*"):
                os.utime(p, (old, old))
            run_graph(root)  # the memo learns the aged outputs
            seconds, status = timed_status(root)
            assert status == "cached", status
            noops.append(seconds)
            gits.append(run_quiet(["git", "status", "--porcelain"], cwd=root))
            procs.append(run_quiet(process, cwd=root, env=env))
            starts.append(run_quiet([sys.executable, "-c", "pass"]))
            shutil.rmtree(root / "out")
            seconds, status = timed_status(root)
            assert status == "restored", status
            restores.append(seconds)
        doits = bench_doit(root, args.repeat)
        figures = {
            "input_files": N_DIRS * (N_FILES + 1),
            "output_files": sum(1 for p in (root / "out").rglob("*") if p.is_file()),
            "cold_s": summary(colds),
            "noop_s": summary(noops),
            "restore_s": summary(restores),
            "git_status_s": summary(gits),
            "process_noop_s": summary(procs),
            "python_startup_s": summary(starts),
            "noop_ratio": ratio(noops, colds),
            "restore_ratio": ratio(restores, colds),
            "noop_vs_git_status": ratio(noops, gits, 3),
            "process_noop_vs_git_plus_startup": ratio(
                procs, [g + s for g, s in zip(gits, starts, strict=True)], 3
            ),
        }
        if doits:
            figures["doit_noop_s"] = summary(doits)
            figures["noop_vs_doit"] = ratio(noops, doits, 3)
    if not args.json:
        for name, value in figures.items():
            print(f"{name:>34}: {value}")
    else:
        print(json.dumps(figures))


def bench_doit(root: Path, repeat: int) -> list[float]:
    """doit's own no-op over the same graph (same file deps and targets per task), with its MD5
    checker, run in-process as ours is. Its actions are never run: the graph is up to date."""
    try:
        from doit.cmd_base import ModuleTaskLoader
        from doit.doit_cmd import DoitMain
    except ImportError:
        print("doit is not installed: noop_vs_doit skipped", file=sys.stderr)
        return []
    from connkit.engine import globs as fileset

    scanner = fileset.Scanner(root)
    module: dict = {
        "DOIT_CONFIG": {"check_file_uptodate": "md5", "dep_file": str(root / ".doit.db"), "verbosity": 0}
    }
    for step in graph():
        deps = [str(root / p) for p in scanner.expand(step.inputs)]
        targets = [str(root / p) for p in scanner.expand(step.outputs)]

        def make(deps=deps, targets=targets, name=step.id):
            return {"basename": name, "actions": ["true"], "file_dep": deps, "targets": targets}

        module[f"task_{step.id.replace('.', '_')}"] = make
    devnull = open(os.devnull, "w")
    old_stdout = sys.stdout
    try:
        sys.stdout = devnull
        DoitMain(ModuleTaskLoader(module)).run(["run"])  # first run records the MD5s
        times = []
        for _ in range(repeat):
            times.append(timed(lambda: DoitMain(ModuleTaskLoader(module)).run(["run"])))
    finally:
        sys.stdout = old_stdout
        devnull.close()
    return times


if __name__ == "__main__":
    main()
