"""Small builders for engine tests: real commands over real files in a temp workspace."""

from __future__ import annotations

import sys
from pathlib import Path

from connkit.engine.execute import run_steps
from connkit.engine.options import RunOptions
from connkit.engine.project import Folder
from connkit.engine.report import SilentReporter
from connkit.engine.results import Plan, RunResult
from connkit.engine.step import Step

PY = sys.executable


def py(code: str) -> tuple[str, ...]:
    """A command running a snippet of Python with the test's interpreter."""
    return (PY, "-c", code)


def concat_step(**overrides) -> Step:
    fields = dict(
        id="build.concat",
        inputs=("src/*.txt",),
        outputs=("out/all.txt",),
        command=py(
            "import glob,os;os.makedirs('out',exist_ok=True);"
            "open('out/all.txt','w').write(''.join(open(p).read() for p in sorted(glob.glob('src/*.txt'))));"
            "print('concatenated')"
        ),
    )
    fields.update(overrides)
    return Step(**fields)


def upper_step(**overrides) -> Step:
    fields = dict(
        id="build.upper",
        deps=("build.concat",),
        inputs=("out/all.txt",),
        outputs=("out/upper",),
        command=py(
            "import os;os.makedirs('out/upper',exist_ok=True);"
            "open('out/upper/all.txt','w').write(open('out/all.txt').read().upper());"
            "open('out/upper/run.sh','w').write('#!/bin/sh\\n');os.chmod('out/upper/run.sh',0o755)"
        ),
    )
    fields.update(overrides)
    return Step(**fields)


def write_sources(root: Path, **files: str) -> None:
    (root / "src").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / "src" / f"{name}.txt").write_text(text)


def run(root: Path, steps, targets=(), environ=None, **options) -> RunResult:
    return run_steps(
        Folder(root), steps, targets, RunOptions(**options), reporter=SilentReporter(), environ=environ
    )


def statuses(result: RunResult | Plan) -> dict[str, str]:
    """Each step's status word, or in a dry run whether it would hit the cache."""
    if isinstance(result, Plan):
        return {s.id: s.cache for s in result.steps}
    return {s.id: s.status.value for s in result.steps}
