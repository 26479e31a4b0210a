"""`connkit generate`, `connkit format`, `connkit test`: the real toolchains as cached steps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connkit.cli._common import split_list
from connkit.cli._graph import graph_task, run_graph
from connkit.engine.options import RunOptions
from connkit.errors import UsageError

if TYPE_CHECKING:
    from connkit.engine.step import Step
    from connkit.openmetadata.workspace import Workspace

CONSTRAINTS_HELP = "pip constraints file for the workspace's Python environment (repeatable)"


def _steps(ws: Workspace, **options) -> list[Step]:
    """The catalog's steps with the toolchain ones built for these flags."""
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.steps.toolchain import toolchain_steps

    mine = toolchain_steps(ws, **options)
    ids = {s.id for s in mine}
    return [s for s in all_steps(ws) if s.id not in ids] + mine


@graph_task(iterable=["constraints"], help={"constraints": CONSTRAINTS_HELP})
def generate(c, constraints=None, options: RunOptions = None):
    """Regenerate the Python, Java and UI models from the spec's JSON schemas.

    The UI production build's generators (TypeScript types, ...) are left out: `connkit run
    generate` builds those too.
    """
    from connkit.openmetadata.steps.toolchain import generate_targets, has_python_package
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    files = [Path(p) for p in split_list(constraints)]
    steps = _steps(ws, constraints=files)
    targets = generate_targets(steps)
    if has_python_package(ws) and "generate.python" not in targets:
        raise UsageError(
            f"{ws.root / 'Makefile'} has no `generate` recipe, which connkit runs to make the "
            "Python models; add one (upstream: datamodel-code-generator over the spec's schemas)"
        )
    if not targets:
        raise UsageError("nothing to generate here: no Makefile recipe, spec pom or UI package")
    run_graph(ws, steps, targets, options)


@graph_task(
    iterable=["name", "constraints"],
    help={
        "check": "change nothing; fail if formatting would change a file",
        "name": "a connector to format (repeatable); default: every scaffolded one",
        "constraints": CONSTRAINTS_HELP,
    },
)
def format(c, check=False, name=None, constraints=None, options: RunOptions = None):
    """Format connector sources with the workspace's own formatter recipe (or ruff), in its env."""
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    names = split_list(name)
    steps = _steps(ws, check=check, names=names, constraints=[Path(p) for p in split_list(constraints)])
    targets = [f"format.python.{n}" for n in names] or ["format"]
    if not any(s.id.startswith("format.") for s in steps):
        raise UsageError("nothing to format: no scaffolded connector here; pass --name NAME")
    run_graph(ws, steps, targets, options)


@graph_task(
    iterable=["name", "constraints"],
    help={
        "name": "a connector to test (repeatable); default: every scaffolded one",
        "constraints": CONSTRAINTS_HELP,
    },
)
def test(c, name=None, constraints=None, options: RunOptions = None):
    """Run the connectors' unit tests (pytest) in the workspace's Python environment."""
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    names = split_list(name)
    steps = _steps(ws, names=names, constraints=[Path(p) for p in split_list(constraints)])
    ids = {s.id for s in steps}
    for n in names:
        if f"test.{n}" not in ids:
            raise UsageError(
                f"connector {n!r} has no unit tests; "
                f"expected ingestion/tests/unit/topology/<type>/test_{n}.py"
            )
    if not any(i.startswith("test.") for i in ids):
        raise UsageError("no scaffolded connector with unit tests here; scaffold one or pass --name NAME")
    run_graph(ws, steps, [f"test.{n}" for n in names] or ["test"], options)
