"""CI tasks: the matrix of connectors a change affects, and the workflow that runs it."""

from __future__ import annotations

from invoke import Collection

from connkit.cli._common import connkit_task, split_list


@connkit_task(
    help={
        "base": "compare HEAD (and uncommitted changes) with the merge base of this ref; "
        "none: every connector",
        "python": "Python versions to cross with, comma-separated (default 3.10,3.11,3.12)",
        "format": 'github: one-line {"include": [...]} for fromJSON; json: also the changed files and why',
    },
)
def matrix(c, base="", python="", format="github"):
    """Print the CI matrix: every affected connector × Python version, each entry naming the
    nox session `validate(connector='X')` its job runs. When this clone cannot tell what
    changed (no merge base with the base: a shallow clone), every connector, with a warning
    on stderr."""
    import sys

    from connkit.openmetadata.ci import affected
    from connkit.openmetadata.connectors import find_connectors
    from connkit.openmetadata.steps.catalog import all_steps
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    pythons = split_list(python) or list(affected.DEFAULT_PYTHONS)
    result = affected.plan(ws.root, find_connectors(ws), all_steps(ws), base or None, pythons)
    if result.warning:
        print(f"warning: {result.warning}: validating every connector", file=sys.stderr)
    print(result.render(format))


@connkit_task(help={"force": "replace an edited workflow, and a noxfile.py of the workspace's own"})
def install(c, force=False):
    """Write .github/workflows/connectors.yml (a job computing the matrix, then one job per
    entry, the shared cache configured from repository variables) and, if the workspace has
    none, a noxfile.py defining the validate(connector='X') sessions those jobs run."""
    from connkit.openmetadata.ci.workflow import install_ci
    from connkit.openmetadata.workspace import find_workspace

    ws = find_workspace()
    for item in install_ci(ws, force=force):
        print(f"{item.status}: {ws.rel(item.path)}")
        if item.note:
            print(f"  {ws.rel(item.path)}: {item.note}")


ci_collection = Collection("ci", matrix, install)
