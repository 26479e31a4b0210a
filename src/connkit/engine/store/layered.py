"""The local store layered over a remote one (``bazel_http``).

``LayeredCache`` puts the local store first: a remote record is kept in memory, its blobs are
fetched on first read and stored locally (read-through), and the record joins the local
store once all its blobs have. In ``readwrite`` mode a new record is written back after its
blobs. A remote that is down, slow or refusing never fails a build: connkit warns once and
carries on with the local store alone.

Credentials come from the environment only (``CONNKIT_REMOTE_CACHE_TOKEN`` as a bearer token,
or ``CONNKIT_REMOTE_CACHE_USER`` and ``CONNKIT_REMOTE_CACHE_PASSWORD`` for basic auth, which
bazel-remote's ``--htpasswd_file`` checks); they are never printed and never enter a key.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.hashing import digest_bytes
from connkit.engine.store.backend import CacheBackend
from connkit.engine.store.bazel_http import (
    PACK_BLOB_LIMIT,
    PACK_SIZE,
    BazelHttpCache,
    Pack,
    RemoteUnavailable,
    Warn,
    sha256_hex,
    warn_stderr,
)
from connkit.engine.store.local import LocalCache
from connkit.engine.store.records import ActionRecord
from connkit.engine.store.settings import DEFAULT_MODE, MODES, RemoteSettings
from connkit.errors import UsageError

COOLDOWN_S = 30.0
COOLDOWN_MAX_S = 300.0


@dataclass
class RemoteStats:
    records_fetched: int = 0
    blobs_fetched: int = 0
    bytes_fetched: int = 0
    records_stored: int = 0
    blobs_stored: int = 0
    bytes_stored: int = 0
    rejected: int = 0

    def line(self) -> str:
        return (
            f"remote cache: {self.records_fetched} records and {self.blobs_fetched} blobs "
            f"({self.bytes_fetched / 1e6:.1f} MB) fetched, {self.records_stored} records and "
            f"{self.blobs_stored} blobs ({self.bytes_stored / 1e6:.1f} MB) stored"
            + (f", {self.rejected} blobs rejected" if self.rejected else "")
        )


class LayeredCache:
    """The local store first, the remote behind it; satisfies ``CacheBackend``."""

    def __init__(
        self,
        local: LocalCache,
        remote: BazelHttpCache,
        mode: str = DEFAULT_MODE,
        warn: Warn = warn_stderr,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in MODES:
            raise UsageError(f"remote cache mode {mode!r} is not one of {', '.join(MODES)}")
        self.local = local
        self.remote = remote
        self.mode = mode
        self.stats = RemoteStats()
        self._warn = warn
        self._clock = clock
        self._down_until = 0.0  # the remote is skipped until then (monotonic seconds)
        self._cooldown = COOLDOWN_S
        self._warned = False
        self._lock = threading.Lock()
        self._fetch_locks: dict[str, threading.Lock] = {}  # one download per pack or blob
        self._pending: dict[str, tuple[ActionRecord, set[str]]] = {}  # key -> record, blobs not yet local
        self._source: dict[str, Pack | tuple[str, int]] = {}  # BLAKE3 -> where the server has it
        self._on_server: set[str] = set()  # SHA-256 digests known to be stored
        self._fresh: dict[str, bytes] = {}  # fetched, verified, not yet read by the restore
        self._made_dirs: set[str] = set()
        self._from_remote: set[str] = set()  # keys whose record this run fetched from the remote

    # -- failure handling ------------------------------------------------------------------
    # A remote that failed beyond its retries is left alone for a cool-down, then asked again
    # (doubling the wait each time it fails again): a long run rides out an outage without
    # paying a timeout per step, and takes the remote back once it answers.
    def _give_up(self, exc: RemoteUnavailable) -> None:
        with self._lock:
            if self._down:
                return
            self._down_until = self._clock() + self._cooldown
            self._cooldown = min(self._cooldown * 2, COOLDOWN_MAX_S)
            first, self._warned = not self._warned, True
        if first:
            self._warn(f"remote cache unavailable ({exc}); continuing with the local cache only")

    @property
    def _down(self) -> bool:
        return self._clock() < self._down_until

    @property
    def available(self) -> bool:
        return not self._down

    def _fetch_lock(self, source: Pack | tuple[str, int]) -> threading.Lock:
        name = source.sha if isinstance(source, Pack) else source[0]
        with self._lock:
            return self._fetch_locks.setdefault(name, threading.Lock())

    # -- records ---------------------------------------------------------------------------
    def get_record(self, key: str) -> ActionRecord | None:
        record = self.local.get_record(key)
        if record is not None or self._down:
            return record
        try:
            entry = self.remote.get_entry(key)
        except RemoteUnavailable as exc:
            self._give_up(exc)
            return None
        if entry is None:
            return None
        cas = str(self.local.cas)
        missing = {d for d in entry.record.blobs() if not os.path.isfile(os.path.join(cas, d[:2], d))}
        with self._lock:
            self.stats.records_fetched += 1
            self._from_remote.add(key)
            for pack in entry.packs:
                for digest, _ in pack.blobs:
                    self._source[digest] = pack
            self._source.update(entry.singles)
            if missing:
                self._pending[key] = (entry.record, missing)
        if not missing:
            self.local.put_record(entry.record)
        return entry.record

    def record_source(self, key: str) -> str:
        """``remote`` for a record this run fetched from the remote, else ``local``."""
        return "remote" if key in self._from_remote else "local"

    def _arrived(self, digests: set[str]) -> None:
        """A remote record joins the local store once every blob it needs is local."""
        complete = []
        with self._lock:
            for key, (record, missing) in list(self._pending.items()):
                missing -= digests
                if not missing:
                    complete.append(record)
                    del self._pending[key]
        for record in complete:
            self.local.put_record(record)

    def put_record(self, record: ActionRecord) -> None:
        self.local.put_record(record)
        if self.mode != "readwrite" or self._down:
            return
        try:
            self._write_back(record)
        except RemoteUnavailable as exc:
            self._give_up(exc)

    def _upload(self, data: bytes) -> str:
        sha = sha256_hex(data)
        if sha not in self._on_server and not self.remote.has_blob(sha):
            self.remote.put_blob(sha, data)
            with self._lock:
                self.stats.blobs_stored += 1
                self.stats.bytes_stored += len(data)
        self._on_server.add(sha)
        return sha

    def _write_back(self, record: ActionRecord) -> None:
        """Blobs first (small ones packed), then the entry naming them."""
        packs: list[Pack] = []
        singles: dict[str, tuple[str, int]] = {}
        chunk: list[tuple[str, bytes]] = []
        chunk_size = 0

        def flush() -> None:
            nonlocal chunk_size
            if chunk:
                data = b"".join(b for _, b in chunk)
                packs.append(Pack(self._upload(data), len(data), tuple((d, len(b)) for d, b in chunk)))
                chunk.clear()
                chunk_size = 0

        for digest in sorted(record.blobs()):
            data = self.local.read_blob(digest)
            if data is None:
                return  # the local store lost it; the record is not worth sharing
            if len(data) > PACK_BLOB_LIMIT:
                singles[digest] = (self._upload(data), len(data))
                continue
            if chunk and chunk_size + len(data) > PACK_SIZE:
                flush()
            chunk.append((digest, data))
            chunk_size += len(data)
        flush()
        self.remote.put_entry(record, packs, singles)
        with self._lock:
            self.stats.records_stored += 1

    def drop_record(self, key: str) -> None:
        """Local only: the protocol has no delete, and other machines judge entries for themselves."""
        with self._lock:
            self._pending.pop(key, None)
        self.local.drop_record(key)

    # -- blobs -----------------------------------------------------------------------------
    def has_blob(self, digest: str) -> bool:
        return self.local.has_blob(digest)

    def read_blob(self, digest: str) -> bytes | None:
        with self._lock:
            data = self._fresh.pop(digest, None)
        if data is not None:
            return data
        data = self.local.read_blob(digest)
        if data is not None or self._down:
            return data
        source = self._source.get(digest)
        if source is None:
            return None
        with self._fetch_lock(source):  # one download of a pack, however many threads want it
            data = self.local.read_blob(digest)
            if data is not None:
                return data
            try:
                if isinstance(source, Pack):
                    return self._fetch_pack(source).get(digest)
                return self._fetch_single(digest, *source)
            except RemoteUnavailable as exc:
                self._give_up(exc)
                return None

    def blob_file(self, digest: str) -> str | None:
        """The local copy, fetched first when only the remote has it."""
        path = self.local.blob_file(digest)
        if path is not None or self.read_blob(digest) is None:
            return path
        return self.local.blob_file(digest)

    def _reject(self, what: str) -> None:
        with self._lock:
            self.stats.rejected += 1
        self._warn(f"rejected remote blob {what}: its content does not match its digest")

    def _fetch_single(self, digest: str, sha: str, size: int) -> bytes | None:
        data = self.remote.get_blob(sha)
        if data is None:
            return None
        if len(data) != size or sha256_hex(data) != sha or digest_bytes(data) != digest:
            self._reject(digest[:12])
            return None
        self._keep({digest: data})
        return data

    def _fetch_pack(self, pack: Pack) -> dict[str, bytes]:
        """Every blob of a pack, each checked against its BLAKE3 digest; nothing if one fails."""
        data = self.remote.get_blob(pack.sha)
        if data is None:
            return {}
        if len(data) != pack.size or sha256_hex(data) != pack.sha:
            self._reject(f"pack {pack.sha[:12]}")
            return {}
        blobs: dict[str, bytes] = {}
        view = memoryview(data)
        offset = 0
        for digest, size in pack.blobs:
            part = bytes(view[offset : offset + size])
            offset += size
            if len(part) != size or digest_bytes(part) != digest:
                self._reject(digest[:12])
                return {}
            blobs[digest] = part
        if offset != len(data):
            self._reject(f"pack {pack.sha[:12]}")
            return {}
        self._keep(blobs)
        return blobs

    def _keep(self, blobs: dict[str, bytes]) -> None:
        """Verified remote blobs into the local store (read-through); the restore that asked
        for them reads them from memory rather than back from disk."""
        for digest, data in blobs.items():
            self._store_blob(digest, data)
        with self._lock:
            self._fresh.update(blobs)
            self.stats.blobs_fetched += len(blobs)
            self.stats.bytes_fetched += sum(len(b) for b in blobs.values())
        self._arrived(set(blobs))

    def _store_blob(self, digest: str, data: bytes) -> None:
        """Like ``LocalCache.put_blob_bytes`` for a digest already checked, with fewer system
        calls and no fsync per blob: a restore of thousands of small files would spend most
        of its time there, and a blob torn by a crash fails its digest check on use and is
        fetched again. Still a temp file renamed into place, as the store requires."""
        folder = os.path.join(self.local.cas, digest[:2])
        if folder not in self._made_dirs:
            os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        tmp = os.path.join(folder, f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o444)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, os.path.join(folder, digest))

    def put_blob_file(self, path: Path, digest: str) -> None:
        self.local.put_blob_file(path, digest)

    def put_blob_bytes(self, data: bytes) -> str:
        return self.local.put_blob_bytes(data)

    def drop_blob(self, digest: str) -> None:
        self.local.drop_blob(digest)

    def close(self) -> None:
        self.remote.close()

    def summary(self) -> str | None:
        return self.stats.line()


def backend_for(
    store: Path,
    settings: RemoteSettings | None,
    warn: Warn = warn_stderr,
    environ: Mapping[str, str] | None = None,
) -> CacheBackend:
    """The cache a run uses: the local store, layered over the remote when one is configured."""
    local = LocalCache(store)
    if settings is None:
        return local
    remote = BazelHttpCache(settings.url, settings.timeout, environ=environ)
    return LayeredCache(local, remote, settings.mode, warn)
