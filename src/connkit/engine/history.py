"""Run history: one ``runs/<timestamp>.json`` per run beside ``last.json``, the last ``KEEP``
kept, so that two runs can be compared (``connkit runs --diff``) the way Turborepo's run
summaries are.

A stored run is the run's summary (``RunResult.as_dict``: each step's status, key, start
offset, worker, and for a hit the store it came from and the time it saved) plus when it ran,
what it was asked to run and the git commit of the tree.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from connkit.engine.results import RunResult
from connkit.errors import UsageError
from connkit.fsutil import atomic_write_text

#: How many runs are kept; older files are removed as new ones are written.
KEEP = 50
_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z(-\d+)?\.json$")
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True)
class StoredRun:
    """One run read back from its file."""

    name: str  # the file name, e.g. 20250601T120003.123456Z.json
    when: str  # ISO 8601, UTC
    targets: list[str]
    commit: str | None
    seconds: float
    saved: float
    steps: list[dict] = field(default_factory=list)

    def by_id(self) -> dict[str, dict]:
        return {s["id"]: s for s in self.steps}

    def counts(self) -> Counter:
        return Counter(s["status"] for s in self.steps)


@dataclass(frozen=True)
class StepChange:
    """A step whose status or key differs between two runs (None: not in that run)."""

    id: str
    status: tuple[str | None, str | None]
    key: tuple[str | None, str | None]

    def line(self) -> str:
        before, after = self.status
        if before is None:
            return f"{self.id}: only in the second run ({after})"
        if after is None:
            return f"{self.id}: only in the first run ({before})"
        parts = []
        if before != after:
            parts.append(f"status {before} → {after}")
        if self.key[0] != self.key[1]:
            parts.append(f"key {(self.key[0] or '-')[:12]} → {(self.key[1] or '-')[:12]}")
        return f"{self.id}: {', '.join(parts)}"


def git_commit(root: Path) -> str | None:
    """The commit checked out in ``root`` when it is (inside) a git work tree, else None.

    Read from the repository's files (HEAD, the ref it names, packed-refs; a linked work
    tree's ``.git`` file and ``commondir``) rather than by running git: every run records it,
    and a no-op run should not pay for a process.
    """
    gitdir = next((d / ".git" for d in (root, *root.parents) if (d / ".git").exists()), None)
    if gitdir is None:
        return None
    try:
        if gitdir.is_file():  # a linked work tree or submodule: "gitdir: <path>"
            pointer = gitdir.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
            gitdir = (gitdir.parent / pointer).resolve()
        head = (gitdir / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head if _SHA.match(head) else None
        ref = head.removeprefix("ref:").strip()
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for folder in dict.fromkeys((gitdir, common)):
            if (folder / ref).is_file():
                value = (folder / ref).read_text(encoding="utf-8").strip()
                return value if _SHA.match(value) else None
        packed = common / "packed-refs"
        for line in packed.read_text(encoding="utf-8").splitlines() if packed.is_file() else ():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.match(sha):
                return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None  # a branch with no commit yet


def record(
    runs: Path,
    result: RunResult,
    targets: Sequence[str],
    commit: str | None,
    now: datetime | None = None,
) -> Path:
    """Write one run's file and drop the oldest beyond ``KEEP``."""
    moment = now or datetime.now(timezone.utc)
    stem = moment.strftime(_STAMP)
    path = runs / f"{stem}.json"
    n = 1
    while path.exists():  # two runs within a microsecond (a clock step back): keep both
        path = runs / f"{stem}-{n}.json"
        n += 1
    data = {"when": moment.isoformat(), "targets": list(targets), "commit": commit, **result.as_dict()}
    atomic_write_text(path, json.dumps(data, indent=2) + "\n", durable=False)  # a convenience
    for old in _names(runs)[:-KEEP]:
        (runs / old).unlink(missing_ok=True)
    return path


def _names(runs: Path) -> list[str]:
    """Stored runs' file names, oldest first."""
    try:
        return sorted(p.name for p in runs.iterdir() if _NAME.match(p.name))
    except FileNotFoundError:
        return []


def _read(path: Path) -> StoredRun | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoredRun(
            name=path.name,
            when=data["when"],
            targets=list(data.get("targets", [])),
            commit=data.get("commit"),
            seconds=float(data["seconds"]),
            saved=float(data.get("saved", 0.0)),
            steps=list(data["steps"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stored_runs(runs: Path) -> list[StoredRun]:
    """Every readable stored run, newest first."""
    found = (_read(runs / name) for name in reversed(_names(runs)))
    return [run for run in found if run is not None]


def last_run(runs: Path) -> dict | None:
    """``last.json``, the latest run's summary, if there is one."""
    try:
        return json.loads((runs / "last.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def find_run(runs: Path, ref: str) -> StoredRun:
    """A stored run by index (1 is the newest) or by file name."""
    ref = ref.strip()
    if ref.isdigit():
        listed = stored_runs(runs)
        index = int(ref)
        if not 1 <= index <= len(listed):
            raise UsageError(
                f"no run {ref}: {len(listed)} stored under {runs}; pick 1 (newest) to {len(listed)} "
                "from `connkit runs`"
            )
        return listed[index - 1]
    name = Path(ref).name
    name = name if name.endswith(".json") else f"{name}.json"
    run = _read(runs / name) if _NAME.match(name) else None
    if run is None:
        raise UsageError(f"no stored run {ref!r} under {runs}; name one from `connkit runs` (or its index)")
    return run


def diff(first: StoredRun, second: StoredRun) -> list[StepChange]:
    """The steps whose status or key differ from ``first`` to ``second``, in ``second``'s
    order, then those only ``first`` has."""
    a, b = first.by_id(), second.by_id()
    changes = []
    for step_id in [*b, *(s for s in a if s not in b)]:
        old, new = a.get(step_id), b.get(step_id)
        status = (old and old["status"], new and new["status"])
        key = (old and old.get("key"), new and new.get("key"))
        if status[0] != status[1] or key[0] != key[1]:
            changes.append(StepChange(step_id, status, key))
    return changes


LISTING_HEADER = (
    f"{'#':>3}  {'when':<19}  {'commit':<10}  {'steps':>9}  {'statuses':<28}  {'time':>9}  "
    f"{'saved':>15}  file"
)


def listing_line(index: int, run: StoredRun) -> str:
    """One line of ``connkit runs``: when, what it ran, statuses, time and time saved."""
    when = datetime.fromisoformat(run.when).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    counts = run.counts()
    statuses = ", ".join(f"{counts[s]} {s}" for s in sorted(counts)) or "nothing to do"
    commit = run.commit[:10] if run.commit else "-"
    n = len(run.steps)
    return (
        f"{index:>3}  {when}  {commit:<10}  {n:>3} step{'s' if n != 1 else ' '}  {statuses:<28}  "
        f"{run.seconds:7.1f} s  saved {run.saved:7.1f} s  {run.name}"
    )
