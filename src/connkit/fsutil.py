"""Atomic file writes and all-or-nothing multi-file edits.

Every write connkit makes goes through here: a temp file in the target's directory, fsync,
then rename, so a reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def atomic_write_bytes(path: Path | str, data: bytes, mode: int | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
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


def atomic_write_text(path: Path | str, text: str, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def apply_all_or_nothing(
    writes: Mapping[Path, bytes | None], *, created_dirs_root: Path | None = None
) -> None:
    """Write (or, for ``None``, delete) several files so that either all change or none do.

    The old contents are kept in memory; if any write fails the ones already made are put back
    and directories this call created are removed again.
    """
    backups: dict[Path, bytes | None] = {}
    made_dirs: list[Path] = []
    try:
        for path, data in writes.items():
            path = Path(path)
            backups[path] = path.read_bytes() if path.exists() else None
            for parent in _missing_parents(path, created_dirs_root):
                made_dirs.append(parent)
            if data is None:
                if path.exists():
                    path.unlink()
            else:
                atomic_write_bytes(path, data)
    except BaseException:
        for path, old in backups.items():
            try:
                if old is None:
                    if path.exists():
                        path.unlink()
                else:
                    atomic_write_bytes(path, old)
            except OSError:
                pass
        for d in sorted(set(made_dirs), key=lambda p: len(p.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
        raise


def _missing_parents(path: Path, root: Path | None) -> Iterable[Path]:
    missing = []
    parent = path.parent
    while not parent.exists() and (root is None or parent != root):
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    return missing
