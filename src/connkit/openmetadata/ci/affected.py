"""Which connectors a change affects, and the CI matrix that validates just those.

A connector is affected when a changed file is

- one of its own files (its package, connection schema or test-connection definition);
- an input of one of its steps, or of a step upstream of one (a step belongs to a connector
  when the last part of its id is the connector's name: ``validate.mysql``, ``test.mysql``);
- an input of a *shared* step (one that belongs to no connector, e.g. ``generate.python``
  reading every schema): then every connector is affected;
- the workspace's connkit configuration or noxfile, which define the steps and sessions.

Changed files are those between the merge base of REF and HEAD (``git diff REF...HEAD``, what
a pull request shows) plus uncommitted and untracked files, so a local run answers for the
tree as it is; in CI the tree is clean and only the commits count. Both sides of a rename and
deleted files count, since the step that read them must run again. Paths are read
NUL-separated, so names git would quote (non-ASCII, quotes, tabs) come through as they are.

When the answer cannot be known from this clone, it errs towards validating everything: a base
given as a commit id the clone does not have (a shallow clone, or a push that rewrote history),
or a base sharing no history with HEAD (a shallow clone, an unrelated branch) affects every
connector, and the plan carries a warning saying why. A base *name* that resolves to nothing
is a usage error instead: a typo should not silently run the whole matrix.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connkit.engine.globs import matches
from connkit.engine.graph import Graph
from connkit.engine.step import Step
from connkit.errors import ConnkitError, UsageError
from connkit.openmetadata.connectors import Connector

DEFAULT_PYTHONS = ("3.10", "3.11", "3.12")
#: Files at the workspace root that define steps or sessions: a change there affects all.
DEFINITIONS = ("connkit.toml", "pyproject.toml", "noxfile.py")
NULL_REF = "0" * 40


_COMMIT_ID = re.compile(r"[0-9a-fA-F]{7,64}")


class NoMergeBase(Exception):
    """The base is not in this clone, or shares no history with HEAD: what changed is unknown."""


def _run_git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; ci.matrix needs it to see what changed") from None


def _git(root: Path, *args: str) -> str:
    proc = _run_git(root, *args)
    if proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ConnkitError(f"git {' '.join(args)} failed: {said[-1] if said else f'exit {proc.returncode}'}")
    return os.fsdecode(proc.stdout)


def _git_paths(root: Path, command: str, *args: str) -> list[str]:
    """The paths ``git COMMAND -z`` prints NUL-separated: unquoted, as the file system names them."""
    return [path for path in _git(root, command, "-z", *args).split("\0") if path]


def _succeeds(root: Path, *args: str) -> bool:
    return _run_git(root, *args).returncode == 0


def changed_files(root: Path, base: str) -> list[str]:
    """Workspace-relative paths changed since the merge base of ``base`` and HEAD, plus
    uncommitted and untracked ones. Raises ``NoMergeBase`` when this clone cannot tell."""
    if not _succeeds(root, "rev-parse", "--is-inside-work-tree"):
        raise UsageError(f"{root} is not in a git repository; ci.matrix compares commits")
    if not _succeeds(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"):
        if _COMMIT_ID.fullmatch(base):
            raise NoMergeBase(f"{base} is not a commit in this clone (shallow?)")
        raise UsageError(
            f"--base {base!r} is not a commit in this clone; fetch it first "
            "(actions/checkout with fetch-depth: 0, or git fetch origin BRANCH)"
        )
    if not _succeeds(root, "merge-base", base, "HEAD"):
        raise NoMergeBase(f"no merge base with {base} in this clone (shallow?)")
    paths: set[str] = set()
    paths.update(_git_paths(root, "diff", "--name-only", "--no-renames", "--relative", f"{base}...HEAD"))
    paths.update(_git_paths(root, "diff", "--name-only", "--no-renames", "--relative", "HEAD"))
    paths.update(_git_paths(root, "ls-files", "--others", "--exclude-standard"))
    return sorted(paths)


def path_matches(patterns: Sequence[str], rel: str) -> bool:
    """Whether a step whose inputs are ``patterns`` reads ``rel`` (which may no longer
    exist): the engine's own matcher, the one its walker lists inputs with."""
    return matches(patterns, rel)


def step_connector(step: Step, names: Iterable[str]) -> str | None:
    """The connector a step belongs to (the last part of its id), or None for a shared step."""
    last = step.id.rsplit(".", 1)[-1]
    return last if last in set(names) else None


@dataclass
class Affected:
    """Connector name -> why it is affected (a connector absent here is not)."""

    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, reason: str) -> None:
        found = self.reasons.setdefault(name, [])
        if reason not in found and len(found) < 20:
            found.append(reason)


def affected_connectors(
    connectors: Sequence[Connector],
    steps: Sequence[Step],
    changed: Sequence[str],
) -> Affected:
    names = [c.name for c in connectors]
    result = Affected()

    def everyone(reason: str) -> None:
        for name in names:
            result.add(name, reason)

    for path in changed:
        if path in DEFINITIONS:
            everyone(f"{path} defines the steps and sessions")
        for connector in connectors:
            if connector.owns(path):
                result.add(connector.name, f"{path} is its own file")
    graph = Graph.build(steps)
    for step in graph.steps.values():
        hits = [p for p in changed if path_matches(step.inputs, p)]
        if not hits:
            continue
        reason = f"{hits[0]} is an input of {step.id}" + (
            f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        )
        for sid in (step.id, *sorted(graph.dependents([step.id]))):
            owner = step_connector(graph.steps[sid], names)
            if owner is None:
                everyone(reason if sid == step.id else f"{reason}, upstream of shared step {sid}")
            elif owner in names:
                result.add(owner, reason if sid == step.id else f"{reason}, upstream of {sid}")
    return result


def session_name(connector: str) -> str:
    """The nox session a matrix job runs for a connector."""
    return f"validate(connector='{connector}')"


def matrix(connectors: Sequence[Connector], chosen: Iterable[str], pythons: Sequence[str]) -> list[dict]:
    """GitHub Actions ``include`` entries: each chosen connector crossed with each Python."""
    wanted = set(chosen)
    return [
        {
            "connector": c.name,
            "service_type": c.service_type,
            "python": python,
            "session": session_name(c.name),
        }
        for c in connectors
        if c.name in wanted
        for python in pythons
    ]


def render(
    entries: list[dict],
    fmt: str,
    base: str | None,
    changed: Sequence[str],
    why: Affected,
    warning: str | None = None,
) -> str:
    """``github``: the one-line ``{"include": [...]}`` a workflow feeds to ``fromJSON``;
    ``json``: the same plus the base, the changed files, why each connector is in and, when
    the change could not be computed, the warning saying so."""
    if fmt == "github":
        return json.dumps({"include": entries}, separators=(",", ":"))
    if fmt == "json":
        detail: dict = {"base": base, "changed": list(changed), "affected": why.reasons}
        if warning:
            detail["warning"] = warning
        return json.dumps({**detail, "include": entries}, indent=2)
    raise UsageError(f"--format {fmt!r} is not one of github, json")


@dataclass
class Plan:
    base: str | None
    changed: list[str]
    why: Affected
    include: list[dict]
    #: Set when what changed could not be computed and every connector is in for that reason.
    warning: str | None = None

    def render(self, fmt: str) -> str:
        return render(self.include, fmt, self.base, self.changed, self.why, self.warning)


def plan(
    ws_root: Path,
    connectors: Sequence[Connector],
    steps: Sequence[Step],
    base: str | None,
    pythons: Sequence[str] = DEFAULT_PYTHONS,
) -> Plan:
    """The whole answer for ``ci.matrix``. No base (or the all-zero SHA a push of a new
    branch reports), or a base this clone cannot compare with: every connector."""
    if not pythons:
        raise UsageError("--python needs at least one version, e.g. 3.11")

    def everyone(reason: str) -> Affected:
        why = Affected()
        for c in connectors:
            why.add(c.name, f"{reason}: every connector")
        return why

    changed: list[str] = []
    warning = None
    if not base or base == NULL_REF:
        why = everyone("no --base")
        base = None
    else:
        try:
            changed = changed_files(ws_root, base)
        except NoMergeBase as exc:
            warning = str(exc)
            why = everyone(warning)
        else:
            why = affected_connectors(connectors, steps, changed)
    return Plan(base, changed, why, matrix(connectors, why.reasons, pythons), warning)


def owning_connectors(
    ws_root: Path, connectors: Sequence[Connector], paths: Iterable[str], registrations: bool = False
) -> list[Connector]:
    """The connectors ``paths`` (workspace-relative) belong to: one of its own files, one of
    its tests, or, with ``registrations``, a file holding its registration (the service schema,
    UI utils, en-us.json, setup.py), whose edit can break that registration. What a pre-commit
    hook checks: the connectors a commit touches, not what they affect downstream."""
    from connkit.openmetadata.register import FileSet
    from connkit.openmetadata.register import registrations as registrations_of
    from connkit.openmetadata.workspace import Workspace

    ws = Workspace(ws_root)
    wanted = set(paths)
    found = []
    for connector in connectors:
        sources = connector.sources(ws)  # its package and its tests
        own = any(connector.owns(p) or any(p == s or p.startswith(s + "/") for s in sources) for p in wanted)
        if not own and registrations:
            try:
                targets = {ws.rel(r.path) for r in registrations_of(ws, connector, FileSet(ws))}
            except UsageError:  # a malformed target: register --check will say so
                targets = set()
            own = bool(targets & wanted)
        if own:
            found.append(connector)
    return found
