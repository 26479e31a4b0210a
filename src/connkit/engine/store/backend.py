"""The seam between the runner and wherever records and blobs live: a local directory
(``local``), a remote server behind it (``layered`` over ``bazel_http``), or a test double."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from connkit.engine.store.records import ActionRecord


class CorruptBlob(Exception):
    """A blob's content does not match its digest, or it is missing."""

    def __init__(self, digest: str, missing: bool = False) -> None:
        super().__init__(digest)
        self.digest = digest
        self.missing = missing


class CacheBackend(Protocol):
    """The small protocol the runner needs from any store."""

    def get_record(self, key: str) -> ActionRecord | None: ...

    def put_record(self, record: ActionRecord) -> None: ...

    def drop_record(self, key: str) -> None: ...

    def has_blob(self, digest: str) -> bool: ...

    def read_blob(self, digest: str) -> bytes | None: ...

    def blob_file(self, digest: str) -> str | None:
        """A local file holding the blob, its content checked (None: missing; raises
        CorruptBlob when it does not match), for restores to copy in the kernel."""

    def put_blob_file(self, path: Path, digest: str) -> None: ...

    def put_blob_bytes(self, data: bytes) -> str: ...

    def drop_blob(self, digest: str) -> None: ...

    def close(self) -> None:
        """Release connections and finish pending uploads."""

    def summary(self) -> str | None:
        """A line for people about this run's traffic to a remote store; None when local."""


def record_source(cache: CacheBackend, key: str) -> str:
    """Where a hit's record came from: ``remote`` when a layered store fetched it from its
    remote during this run, else ``local`` (a store without a remote has only that)."""
    probe = getattr(cache, "record_source", None)
    return probe(key) if probe is not None else "local"
