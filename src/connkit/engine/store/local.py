"""``LocalCache``: the content-addressed store under ``.connkit/cache``.

Every write is a temp file renamed into place, so a killed process leaves at worst an orphan
``.tmp`` file, never a half-written blob or record under a real name.
"""

from __future__ import annotations

import marshal
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.hashing import digest_bytes, digest_file
from connkit.engine.store.backend import CorruptBlob
from connkit.engine.store.records import ActionRecord
from connkit.fsutil import atomic_write_bytes, fsync_dir


@dataclass
class CacheStats:
    records: int
    blobs: int
    blob_bytes: int
    orphan_blobs: int


@dataclass
class VerifyReport:
    checked: int
    corrupt: list[str]
    invalidated: list[str]
    temp_files_removed: int


_VERIFIED_MAGIC = f"connkit-verified 1 {sys.implementation.cache_tag} {marshal.version}\n".encode()


class LocalCache:
    """Blobs under ``cas/ab/<digest>``, records under ``ac/ab/<key>.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cas = root / "cas"
        self.ac = root / "ac"
        self._unsynced: set[str] = set()  # blob folders renamed into since the last flush
        self._verified: dict[str, tuple[int, int, int, int]] | None = None  # digest -> stat
        self._verified_dirty = False

    def close(self) -> None:
        """Keep what this run learnt about which blobs are intact."""
        self._save_verified()

    def summary(self) -> str | None:
        return None

    # -- records ---------------------------------------------------------------------------
    def _record_path(self, key: str) -> Path:
        return self.ac / key[:2] / f"{key}.json"

    def get_record(self, key: str) -> ActionRecord | None:
        path = self._record_path(key)
        try:
            record = ActionRecord.from_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            self.drop_record(key)
            return None
        os.utime(path)  # last use, for prune's least-recently-used order
        return record

    def put_record(self, record: ActionRecord) -> None:
        self.flush()
        path = self._record_path(record.key)
        atomic_write_bytes(path, record.to_json())
        fsync_dir(path.parent)

    def drop_record(self, key: str) -> None:
        try:
            self._record_path(key).unlink()
        except FileNotFoundError:
            pass

    def records(self) -> Iterator[tuple[Path, ActionRecord | None]]:
        if not self.ac.is_dir():
            return
        for path in sorted(self.ac.glob("*/*.json")):
            try:
                yield path, ActionRecord.from_json(path.read_bytes())
            except (OSError, ValueError, KeyError, TypeError):
                yield path, None

    # -- blobs -----------------------------------------------------------------------------
    def _blob_path(self, digest: str) -> Path:
        return self.cas / digest[:2] / digest

    def has_blob(self, digest: str) -> bool:
        return self._blob_path(digest).is_file()

    def read_blob(self, digest: str) -> bytes | None:
        try:
            fd = os.open(os.path.join(self.cas, digest[:2], digest), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(fd).st_size
            chunks = []
            while True:
                chunk = os.read(fd, max(size, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    # -- which blobs are known intact ---------------------------------------------------------
    # A blob is written once, by rename, read-only, and never changed in place by connkit; its
    # content is checked when it is stored. While its file's stat (size, mtime, inode, ctime)
    # is what it was then, it is unchanged, and a restore need not read it to trust it.
    def _verified_memo(self) -> dict[str, tuple[int, int, int, int]]:
        if self._verified is None:
            self._verified = {}
            path = self.root / "verified.bin"
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            if data.startswith(_VERIFIED_MAGIC):
                try:
                    self._verified = marshal.loads(data[len(_VERIFIED_MAGIC) :])
                except (ValueError, EOFError, TypeError):
                    self._verified = {}
        return self._verified

    def _save_verified(self) -> None:
        if self._verified is not None and self._verified_dirty:
            atomic_write_bytes(
                self.root / "verified.bin", _VERIFIED_MAGIC + marshal.dumps(self._verified), durable=False
            )
            self._verified_dirty = False

    def _mark_verified(self, digest: str, st: os.stat_result) -> None:
        self._verified_memo()[digest] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        self._verified_dirty = True

    def blob_file(self, digest: str) -> str | None:
        path = os.path.join(self.cas, digest[:2], digest)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        known = self._verified_memo().get(digest)
        if known == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns):
            return path
        if digest_file(path) != digest:
            raise CorruptBlob(digest)
        self._mark_verified(digest, st)
        return path

    def put_blob_file(self, path: Path, digest: str) -> None:
        target = self._blob_path(digest)
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(path, tmp)
            if digest_file(tmp) != digest:  # the file changed while it was being stored
                raise OSError(f"{path} changed while it was being stored")
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk or a changed file leaves nothing behind
            raise
        self._unsynced.add(str(target.parent))
        self._mark_verified(digest, os.stat(target))

    def flush(self) -> None:
        """Make the blobs stored since the last flush durable before a record names them:
        one fsync per folder they were renamed into."""
        folders, self._unsynced = self._unsynced, set()
        for folder in folders:
            fsync_dir(folder)

    def put_blob_bytes(self, data: bytes) -> str:
        digest = digest_bytes(data)
        target = self._blob_path(digest)
        if not target.is_file():
            atomic_write_bytes(target, data, mode=0o444)
            self._unsynced.add(str(target.parent))
        return digest

    def drop_blob(self, digest: str) -> None:
        try:
            self._blob_path(digest).unlink()
        except FileNotFoundError:
            pass

    def blobs(self) -> Iterator[Path]:
        if not self.cas.is_dir():
            return
        for path in self.cas.glob("*/*"):
            if not path.name.startswith("."):
                yield path

    # -- maintenance -----------------------------------------------------------------------
    def stats(self) -> CacheStats:
        referenced: set[str] = set()
        records = 0
        for _, record in self.records():
            if record is not None:
                records += 1
                referenced |= record.blobs()
        blobs = size = orphans = 0
        for path in self.blobs():
            blobs += 1
            size += path.stat().st_size
            orphans += path.name not in referenced
        return CacheStats(records=records, blobs=blobs, blob_bytes=size, orphan_blobs=orphans)

    def verify(self) -> VerifyReport:
        """Re-hash every blob; drop corrupt ones and every record that needs a missing blob."""
        corrupt: list[str] = []
        checked = 0
        for path in list(self.blobs()):
            checked += 1
            if digest_file(path) != path.name:
                corrupt.append(path.name)
                path.unlink()
        temps = self._remove_temp_files()
        invalidated: list[str] = []
        for path, record in list(self.records()):
            if record is None or any(not self.has_blob(d) for d in record.blobs()):
                invalidated.append(path.stem)
                path.unlink()
        return VerifyReport(checked, corrupt, invalidated, temps)

    def prune(self, max_bytes: int | None = None, older_than_s: float | None = None) -> int:
        """Drop records unused for ``older_than_s`` and then the least recently used until the
        blobs fit in ``max_bytes``; unreferenced blobs go too. Returns bytes freed."""
        now = time.time()
        entries = []
        for path, record in self.records():
            used = path.stat().st_mtime
            if record is None or (older_than_s is not None and now - used > older_than_s):
                path.unlink()
            else:
                entries.append((used, path, record))
        entries.sort(key=lambda e: e[0])
        sizes = {p.name: p.stat().st_size for p in self.blobs()}
        before = sum(sizes.values())

        def referenced() -> dict[str, int]:
            live: set[str] = set()
            for _, _, record in entries:
                live |= record.blobs()
            return {d: s for d, s in sizes.items() if d in live}

        live = referenced()
        while max_bytes is not None and entries and sum(live.values()) > max_bytes:
            _, path, _ = entries.pop(0)
            path.unlink()
            live = referenced()
        for digest in set(sizes) - set(live):
            self.drop_blob(digest)
        self._remove_temp_files()
        return before - sum(live.values())

    def _remove_temp_files(self) -> int:
        removed = 0
        for base in (self.cas, self.ac):
            if base.is_dir():
                for tmp in base.glob("*/.*.tmp"):
                    tmp.unlink(missing_ok=True)
                    removed += 1
        return removed
