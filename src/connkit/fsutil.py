"""Atomic file writes and all-or-nothing multi-file edits.

Every write connkit makes goes through here: a temp file in the target's directory, fsync,
then rename, so a reader (or a crash) sees the old file or the new one, never half of one;
several files change together through a journalled transaction (``apply_all_or_nothing``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


def atomic_write_bytes(
    path: Path | str, data: bytes, mode: int | None = None, *, durable: bool = True
) -> None:
    """Replace ``path`` with ``data`` in one rename. ``durable=False`` skips the fsync, for
    files that are only a convenience after a crash (a summary, a memo): still never torn."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path | str, text: str, mode: int | None = None, *, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode, durable=durable)


def read_text_or_empty(path: Path) -> str:
    """A file's text for detection from the tree: "" when it is absent or unreadable, and
    undecodable bytes replaced, so a stray file never stops a command."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def fsync_dir(path: Path | str) -> None:
    """Make a rename or unlink in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- all-or-nothing edits of several files, safe against kill -9 ------------------------------
#
# A transaction writes its journal first (the paths it will touch, whether each existed, the
# folders it will create), then stages: each new content as a temp file beside its target and
# each old file kept as a hard link (or a copy) beside it. Only then are the temps renamed over
# the targets. Marking the journal committed is the commit point; the backups go after it. A process
# killed at any moment leaves a journal, and the next transaction in the same journal folder
# (every connkit command that edits a workspace runs ``recover`` first) puts every file back as
# it was — or, when the kill came after the journal was marked committed, finishes the clean-up:
# the tree is as before the edit or as after it, for all files together.

JOURNAL_SUFFIX = ".journal.json"
#: Fault injection for the crash tests: kill this process at the Nth step of a transaction.
CRASH_ENV = "CONNKIT_TEST_CRASH_AT"


@dataclass(frozen=True)
class Recovered:
    """What ``recover`` did for one interrupted transaction."""

    label: str
    restored: tuple[str, ...]
    removed: tuple[str, ...]
    completed: bool = False  # killed after its commit point: finished, not undone

    def line(self) -> str:
        if self.completed:
            return f"finished an interrupted {self.label} (it had already committed)"
        what = len(self.restored) + len(self.removed)
        return f"rolled back an interrupted {self.label} ({what} file{'s' * (what != 1)} put back as before)"


class _Crash:
    """Counts transaction steps; at the step named by ``$CONNKIT_TEST_CRASH_AT`` it kills us."""

    def __init__(self) -> None:
        at = os.environ.get(CRASH_ENV, "")
        self.at = int(at) if at.isdigit() else None
        self.step = 0

    def point(self) -> None:
        self.step += 1
        if self.at is not None and self.step == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


def _sidecar(path: Path, txn: str, kind: str) -> Path:
    return path.with_name(f".{path.name}.connkit-{txn}.{kind}")


def apply_all_or_nothing(
    writes: Mapping[Path, bytes | None],
    *,
    journal_dir: Path,
    created_dirs_root: Path | None = None,
    label: str = "edit",
) -> None:
    """Write (or, for ``None``, delete) several files so that either all change or none do,
    even if the process is killed halfway (see above); an error puts everything back at once."""
    recover(journal_dir)
    txn = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    crash = _Crash()
    entries = []
    dirs: list[str] = []
    for path, data in writes.items():
        path = Path(path).absolute()
        for parent in _missing_parents(path, created_dirs_root):
            if str(parent) not in dirs:
                dirs.append(str(parent))
        entries.append({"path": str(path), "existed": path.exists(), "delete": data is None})
    journal = Path(journal_dir) / f"{txn}{JOURNAL_SUFFIX}"
    journal_parents = list(_missing_parents(journal, None))  # removed again when empty
    record = {"label": label, "txn": txn, "entries": entries, "created_dirs": dirs}
    atomic_write_bytes(journal, json.dumps(record, indent=1).encode())
    crash.point()
    try:
        _apply(record, writes, crash)
    except BaseException:
        _roll_back(record)
        journal.unlink(missing_ok=True)
        _remove_empty(journal_parents)
        raise
    record["state"] = "committed"  # the commit point: from here on, recovery completes it
    atomic_write_bytes(journal, json.dumps(record, indent=1).encode())
    crash.point()
    _clean_up(record)
    journal.unlink()
    _remove_empty(journal_parents)


def _apply(record: dict, writes: Mapping[Path, bytes | None], crash: _Crash) -> None:
    """Stage every new content and keep every old file, then rename the new ones in."""
    txn, entries, dirs = record["txn"], record["entries"], record["created_dirs"]
    for folder in sorted(dirs, key=len):
        os.makedirs(folder, exist_ok=True)
    for entry, data in zip(entries, writes.values(), strict=True):
        path = Path(entry["path"])
        if entry["existed"]:
            _keep_old(path, _sidecar(path, txn, "old"))
            crash.point()
        if data is not None:
            _stage(_sidecar(path, txn, "new"), data, path if entry["existed"] else None)
            crash.point()
    for entry in entries:
        path = Path(entry["path"])
        if entry["delete"]:
            if entry["existed"]:
                path.unlink()
        else:
            os.replace(_sidecar(path, txn, "new"), path)
        crash.point()
    for folder in {str(Path(e["path"]).parent) for e in entries}:
        fsync_dir(folder)


def _remove_empty(folders: Iterable[Path]) -> None:
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass


def _keep_old(path: Path, backup: Path) -> None:
    """The old file under a second name: a hard link (its inode stays as it is, since the new
    content arrives by rename), or a copy where links are not possible."""
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    fsync_dir(backup.parent)


def _stage(tmp: Path, data: bytes, like: Path | None) -> None:
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if like is not None:
        os.chmod(tmp, like.stat().st_mode & 0o7777)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def _clean_up(record: dict) -> None:
    """After the commit point: only the kept old files remain to be removed."""
    for entry in record["entries"]:
        path = Path(entry["path"])
        _sidecar(path, record["txn"], "old").unlink(missing_ok=True)
        _sidecar(path, record["txn"], "new").unlink(missing_ok=True)


def _roll_back(record: dict) -> tuple[list[str], list[str]]:
    """Put every file of a transaction back as it was; returns (restored, removed) paths."""
    txn = record["txn"]
    restored: list[str] = []
    removed: list[str] = []
    for entry in record["entries"]:
        path = Path(entry["path"])
        old, new = _sidecar(path, txn, "old"), _sidecar(path, txn, "new")
        new.unlink(missing_ok=True)
        if entry["existed"]:
            if old.exists():
                os.replace(old, path)  # same inode as path when it was never replaced: harmless
                old.unlink(missing_ok=True)
                restored.append(str(path))
        elif path.exists():
            path.unlink()
            removed.append(str(path))
        fsync_dir(path.parent)
    for folder in sorted(record.get("created_dirs", []), key=len, reverse=True):
        try:
            os.rmdir(folder)
        except OSError:
            pass
    return restored, removed


def recover(journal_dir: Path) -> list[Recovered]:
    """Roll back every transaction a killed process left in ``journal_dir``."""
    journal_dir = Path(journal_dir)
    if not journal_dir.is_dir():
        return []
    done: list[Recovered] = []
    for journal in sorted(journal_dir.glob(f"*{JOURNAL_SUFFIX}")):
        try:
            record = json.loads(journal.read_bytes())
        except (OSError, ValueError):
            journal.unlink(missing_ok=True)  # torn before its rename: nothing was touched yet
            continue
        label = record.get("label", "edit")
        if record.get("state") == "committed":
            _clean_up(record)
            done.append(Recovered(label, (), (), completed=True))
        else:
            restored, removed = _roll_back(record)
            done.append(Recovered(label, tuple(restored), tuple(removed)))
        journal.unlink(missing_ok=True)
    for stale in journal_dir.glob(".*.tmp"):  # a journal write that never reached its rename
        stale.unlink(missing_ok=True)
    return done


def _missing_parents(path: Path, root: Path | None) -> Iterable[Path]:
    missing = []
    parent = path.parent
    while not parent.exists() and (root is None or parent != root):
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    return missing
