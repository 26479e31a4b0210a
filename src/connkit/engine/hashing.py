"""Content digests (BLAKE3) and the stat memo that lets a no-op check skip reading files.

The memo maps a path to (size, mtime_ns, inode, digest). A file whose stat still matches is
not re-read, so checking an unchanged tree costs about one ``stat`` per file. A file modified
within the last two seconds is hashed but not memoised, because a second write inside the
filesystem's timestamp granularity would otherwise go unnoticed (git's "racy" case).

On disk the memo is ``marshal``-ed rows behind a magic line naming the format and the Python
that wrote it (marshal is version-specific: another interpreter starts an empty memo), which
loads several times faster than JSON — it is read at the start of every run.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import time
from pathlib import Path

from blake3 import blake3

from connkit.fsutil import atomic_write_bytes

RACY_SECONDS = 2.0
_CHUNK = 1 << 20


def digest_bytes(data: bytes) -> str:
    return blake3(data).hexdigest()


def digest_text(text: str) -> str:
    return digest_bytes(text.encode("utf-8"))


def digest_file(path: Path | str) -> str:
    hasher = blake3()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def digest_json(value: object) -> str:
    """Digest of a value's canonical JSON form: the same data always gives the same key."""
    return digest_text(json.dumps(value, sort_keys=True, separators=(",", ":")))


class StatMemo:
    """Digest cache keyed by a file's stat; loaded and saved once per run."""

    MAGIC = f"connkit-statmemo 2 {sys.implementation.cache_tag} {marshal.version}\n".encode()

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, tuple] = {}
        self._dirty = False
        if path is not None:
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            if data.startswith(self.MAGIC):
                try:
                    self._entries = {row[0]: row[1:] for row in marshal.loads(data[len(self.MAGIC) :])}
                except (ValueError, EOFError, TypeError, IndexError):
                    self._entries = {}

    def digest(self, path: Path | str, st: os.stat_result | None = None) -> str:
        """The digest of ``path``; raises OSError if it cannot be read."""
        key = path if isinstance(path, str) else str(path)
        if st is None:
            st = os.stat(key)
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry[0] == st.st_size
            and entry[1] == st.st_mtime_ns
            and (entry[2] == st.st_ino)
        ):
            return entry[3]
        value = digest_file(path)
        if time.time() - st.st_mtime_ns / 1e9 > RACY_SECONDS:
            self._entries[key] = (st.st_size, st.st_mtime_ns, st.st_ino, value)
            self._dirty = True
        elif entry is not None:
            del self._entries[key]
            self._dirty = True
        return value

    def forget(self, path: Path | str) -> None:
        if self._entries.pop(str(path), None) is not None:
            self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        rows = [(key, *entry) for key, entry in self._entries.items()]
        atomic_write_bytes(self.path, self.MAGIC + marshal.dumps(rows), durable=False)
        self._dirty = False
