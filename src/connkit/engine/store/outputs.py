"""Capturing a step's outputs into the cache and putting them back.

A record is data from disk (or, later, from another machine): every path in it is checked
to stay inside the workspace before anything is written, and every blob's content is checked
before it is restored (the store re-hashes a blob unless its file is provably unchanged since
it last did), so a corrupt or hostile record is refused rather than replayed.

Restoring copies in the kernel (``copy_file_range``, ``sendfile``), and a declared output folder
that is missing altogether is built whole beside its place and renamed in once.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath

from connkit.engine.hashing import StatMemo
from connkit.engine.store.backend import CacheBackend, CorruptBlob
from connkit.engine.store.records import ActionRecord, OutputEntry

__all__ = ["CorruptBlob", "UnsafeRecord", "check_relpath", "matches", "restore", "snapshot", "store"]


class UnsafeRecord(Exception):
    """A record names a path outside the workspace (absolute, ``..`` or through a link)."""


def check_relpath(root: Path, rel: str, _parents: dict[str, bool] | None = None) -> Path:
    """``root / rel`` if ``rel`` is a plain relative path whose existing parents are not links
    leading out of ``root``; raises UnsafeRecord otherwise. ``_parents`` memoises the check of
    each parent folder across the many entries of one record."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel or rel.startswith("~"):
        raise UnsafeRecord(f"output path {rel!r} escapes the workspace")
    target = root.joinpath(*pure.parts)
    parent_key = str(pure.parent)
    inside = _parents.get(parent_key) if _parents is not None else None
    if inside is None:
        real_root = os.path.realpath(root)
        parent = os.path.realpath(target.parent)
        inside = parent == real_root or parent.startswith(real_root + os.sep)
        if _parents is not None:
            _parents[parent_key] = inside
    if not inside:
        raise UnsafeRecord(f"output path {rel!r} leads outside the workspace through a link")
    return target


def _link_stays_inside(root: Path, rel: str, link_target: str) -> bool:
    if os.path.isabs(link_target):
        return False
    resolved = os.path.normpath(os.path.join(os.path.dirname(os.path.join(root, rel)), link_target))
    real_root = os.path.normpath(str(root))
    return resolved == real_root or resolved.startswith(real_root + os.sep)


def snapshot(root: Path, declared: tuple[str, ...] | list[str], memo: StatMemo) -> list[OutputEntry]:
    """Entries for everything now under the declared output paths (missing ones are skipped)."""
    entries: list[OutputEntry] = []
    for decl in declared:
        check_relpath(root, decl)
        _snapshot_path(root, decl, memo, entries)
    return entries


def _snapshot_path(root: Path, rel: str, memo: StatMemo, entries: list[OutputEntry]) -> None:
    full = os.path.join(root, rel)
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return
    _add_entry(root, rel, full, st, memo, entries)


def _add_entry(
    root: Path, rel: str, full: str, st: os.stat_result, memo: StatMemo, entries: list[OutputEntry]
) -> None:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        entries.append(OutputEntry(rel, "file", memo.digest(full, st), stat.S_IMODE(mode), st.st_size))
    elif stat.S_ISDIR(mode):
        entries.append(OutputEntry(path=rel, kind="dir", mode=stat.S_IMODE(mode)))
        with os.scandir(full) as it:
            children = sorted((e.name, e.path) for e in it if e.name != "__pycache__")
        for name, path in children:
            _add_entry(root, f"{rel}/{name}", path, os.lstat(path), memo, entries)
    elif stat.S_ISLNK(mode):
        link = os.readlink(full)
        if not _link_stays_inside(root, rel, link):
            raise UnsafeRecord(f"output {rel} is a link leading outside the workspace")
        entries.append(OutputEntry(path=rel, kind="link", target=link))


def matches(root: Path, record: ActionRecord, memo: StatMemo) -> bool:
    """True when the disk already holds exactly the record's outputs."""
    try:
        current = snapshot(root, record.roots, memo)
    except (OSError, UnsafeRecord):
        return False
    return current == record.outputs


def store(root: Path, entries: list[OutputEntry], cache: CacheBackend) -> None:
    for entry in entries:
        if entry.kind == "file" and entry.digest and not cache.has_blob(entry.digest):
            cache.put_blob_file(root / entry.path, entry.digest)


def restore(root: Path, record: ActionRecord, cache: CacheBackend, memo: StatMemo) -> None:
    """Make the declared outputs equal the record: checked blobs in, extra files out.

    Nothing on disk changes until every blob has been checked and copied: each file goes to a
    temp file beside its target (or into the staging folder of a missing output folder), and
    only when all are staged are they renamed into place.
    """
    parents: dict[str, bool] = {}
    targets = {e.path: str(check_relpath(root, e.path, parents)) for e in record.outputs}
    for decl in record.roots:
        check_relpath(root, decl, parents)
    whole = _missing_folders(root, record)  # decl -> staging folder
    staged: list[tuple[str, str]] = []
    made: set[str] = set()
    try:
        for folder in whole.values():
            os.mkdir(folder)
            made.add(folder)
        for entry in record.outputs:
            if entry.kind != "file":
                continue
            assert entry.digest is not None
            source = cache.blob_file(entry.digest)
            if source is None:
                raise CorruptBlob(entry.digest, missing=True)
            inside = _staging_path(entry.path, whole)
            if inside is not None:
                _ensure_parent(inside, made)
                _copy_file(source, inside, entry.mode)
                continue
            target = targets[entry.path]
            _clear_non_file(target)
            folder = os.path.dirname(target)
            if folder not in made:
                _ensure_dir(folder)
                made.add(folder)
            tmp = os.path.join(folder, f".{os.path.basename(target)}.connkit-restore")
            _copy_file(source, tmp, entry.mode)
            staged.append((tmp, target))
    except BaseException:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        for folder in whole.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    root_prefix = str(root) + os.sep
    wanted = set(targets) | {tmp[len(root_prefix) :] for tmp, _ in staged}
    for decl in record.roots:
        if decl not in whole:
            _remove_extras(root, decl, wanted)
    for entry in record.outputs:
        inside = _staging_path(entry.path, whole)
        target = Path(inside if inside is not None else targets[entry.path])
        if entry.kind == "dir":
            if target.exists() and not target.is_dir():
                _remove(target)
            target.mkdir(parents=True, exist_ok=True)
            os.chmod(target, entry.mode)
        elif entry.kind == "link":
            assert entry.target is not None
            if not _link_stays_inside(root, entry.path, entry.target):
                raise UnsafeRecord(f"output {entry.path} links outside the workspace")
            if target.is_symlink() or target.exists():
                _remove(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(entry.target, target)
    for decl, folder in whole.items():
        os.replace(folder, targets[decl])
    for tmp, target in staged:
        os.replace(tmp, target)
        memo.forget(target)
    for entry in record.outputs:
        if _staging_path(entry.path, whole) is not None:
            memo.forget(targets[entry.path])


def _missing_folders(root: Path, record: ActionRecord) -> dict[str, str]:
    """Declared output folders absent from disk (nothing to merge with): each is built whole in
    a staging folder beside it, then renamed in with one call instead of one per file."""
    kinds = {e.path: e.kind for e in record.outputs}
    found = {}
    for decl in record.roots:
        full = os.path.join(root, decl)
        if kinds.get(decl) == "dir" and not os.path.lexists(full) and os.path.isdir(os.path.dirname(full)):
            found[decl] = os.path.join(os.path.dirname(full), f".{os.path.basename(full)}.connkit-restore")
            shutil.rmtree(found[decl], ignore_errors=True)  # left by a killed restore
    return found


def _staging_path(rel: str, whole: dict[str, str]) -> str | None:
    for decl, folder in whole.items():
        if rel == decl:
            return folder
        if rel.startswith(decl + "/"):
            return folder + rel[len(decl) :]
    return None


def _ensure_parent(path: str, made: set[str]) -> None:
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def _copy_file(source: str, dest: str, mode: int) -> None:
    """Copy in the kernel: ``copy_file_range`` (a reflink where the filesystem has them),
    else ``sendfile``; never through Python's memory."""
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        dst = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            size = os.fstat(src).st_size
            copied = 0
            while copied < size:
                try:
                    sent = os.copy_file_range(src, dst, size - copied)
                except (AttributeError, OSError):
                    sent = os.sendfile(dst, src, copied, size - copied)
                if sent == 0:
                    break
                copied += sent
            os.fchmod(dst, mode)
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _clear_non_file(path: str) -> None:
    """A link or folder where a file is to go is removed first."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        os.unlink(path)
    elif stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)


def _ensure_dir(folder: str) -> None:
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(folder)
        os.makedirs(folder, exist_ok=True)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _remove_extras(root: Path, decl: str, wanted: set[str]) -> None:
    full = root / decl
    if full.is_symlink() or full.is_file():
        if decl not in wanted:
            full.unlink()
        return
    if not full.is_dir():
        return
    if decl not in wanted:
        shutil.rmtree(full)
        return
    for dirpath, dirnames, filenames in os.walk(full, topdown=True):
        rel_dir = Path(os.path.relpath(dirpath, root)).as_posix()
        for name in list(dirnames):
            rel = f"{rel_dir}/{name}"
            if name == "__pycache__":
                dirnames.remove(name)
            elif rel not in wanted or os.path.islink(os.path.join(dirpath, name)):
                dirnames.remove(name)
                if rel not in wanted:
                    _remove(Path(dirpath) / name)
        for name in filenames:
            rel = f"{rel_dir}/{name}"
            if rel not in wanted:
                (Path(dirpath) / name).unlink()
