"""A shared cache on a server a team already runs: the Bazel HTTP remote-cache protocol
(``GET``/``PUT``/``HEAD`` on ``/ac/<sha256>`` and ``/cas/<sha256>``, as bazel-remote serves it).

connkit names blobs by BLAKE3 and keys records by a BLAKE3 digest; the protocol addresses
everything by SHA-256. The mapping:

- A blob is stored under ``/cas/<sha256(content)>``. The server checks that hash on upload;
  connkit checks it again on download *and* checks the BLAKE3 digest the record names, so a
  blob that does not match is rejected whatever the server did.
- A record is stored under ``/ac/<sha256("connkit-ac-v1:" + key)>`` (the prefix keeps connkit's
  entries apart from Bazel's in a cache both use) as a real ``ActionResult`` in its JSON form:
  every output file with its SHA-256 digest (the BLAKE3 → SHA-256 map a download needs), the
  step's log as ``stdoutDigest``, and connkit's own record inlined as the ``contents`` of a
  reserved output ``.connkit/record.json``. Because it is a valid ActionResult, a server that
  validates ``/ac`` (bazel-remote's default) accepts it and drops it once a blob it names is
  evicted; ``--disable_http_ac_validation`` works as well. The AC entry is not content
  addressed, so everything in it is treated as untrusted input: its record must name the key
  asked for, and every path is checked again on restore.

``LayeredCache`` puts the local store first: a remote record is kept in memory, each blob is
fetched on first read and stored locally (read-through), and the record joins the local
store once all its blobs have. In ``readwrite`` mode a new record is written back after its
blobs. A remote that is down, slow or refusing never fails a build: connkit warns once and
carries on with the local store alone.

Credentials come from the environment only (``CONNKIT_REMOTE_CACHE_TOKEN`` as a bearer token,
or ``CONNKIT_REMOTE_CACHE_USER`` and ``CONNKIT_REMOTE_CACHE_PASSWORD`` for basic auth, which
bazel-remote's ``--htpasswd_file`` checks); they are never printed and never enter a key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from connkit.cache import CacheBackend, LocalCache
from connkit.errors import UsageError
from connkit.hashing import digest_bytes
from connkit.records import ActionRecord

MODES = ("read", "readwrite")
DEFAULT_MODE = "readwrite"
RECORD_PATH = ".connkit/record.json"
AC_PREFIX = b"connkit-ac-v1:"
ENV_URL = "CONNKIT_REMOTE_CACHE"
ENV_MODE = "CONNKIT_REMOTE_CACHE_MODE"
ENV_TOKEN = "CONNKIT_REMOTE_CACHE_TOKEN"
ENV_USER = "CONNKIT_REMOTE_CACHE_USER"
ENV_PASSWORD = "CONNKIT_REMOTE_CACHE_PASSWORD"
ENV_TIMEOUT = "CONNKIT_REMOTE_CACHE_TIMEOUT"
DEFAULT_TIMEOUT = 5.0

Warn = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"connkit: warning: {message}", file=sys.stderr)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ac_name(key: str) -> str:
    """Where a record lives on the server: its own namespace, in the server's hash."""
    return sha256_hex(AC_PREFIX + key.encode())


@dataclass(frozen=True)
class RemoteSettings:
    url: str
    mode: str = DEFAULT_MODE
    timeout: float = DEFAULT_TIMEOUT


def resolve_settings(
    flag_url: str | None,
    flag_mode: str | None,
    config_url: str | None,
    config_mode: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> RemoteSettings | None:
    """The flag wins, then ``CONNKIT_REMOTE_CACHE``, then ``[tool.connkit] remote_cache``.
    An empty flag or variable means "not set here"; ``none`` switches a configured cache off."""
    environ = os.environ if environ is None else environ
    url = flag_url or environ.get(ENV_URL) or config_url
    if not url or url.strip().lower() in ("none", "off"):
        return None
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"remote cache {url!r} is not an http(s) URL; write e.g. http://cache.example:8080")
    if parts.username or parts.password:
        raise UsageError(
            f"the remote cache URL carries credentials; put them in {ENV_TOKEN} or "
            f"{ENV_USER}/{ENV_PASSWORD} instead, so they are never written down or logged"
        )
    mode = (flag_mode or environ.get(ENV_MODE) or config_mode or DEFAULT_MODE).strip()
    if mode not in MODES:
        raise UsageError(f"--remote-cache-mode {mode!r} is not one of {', '.join(MODES)}")
    try:
        timeout = float(environ.get(ENV_TIMEOUT) or DEFAULT_TIMEOUT)
    except ValueError:
        raise UsageError(f"{ENV_TIMEOUT} must be a number of seconds") from None
    return RemoteSettings(url=url, mode=mode, timeout=timeout)


def _auth(environ: Mapping[str, str]) -> tuple[dict[str, str], httpx.Auth | None]:
    token = environ.get(ENV_TOKEN)
    if token:
        return {"Authorization": f"Bearer {token}"}, None
    user = environ.get(ENV_USER)
    if user:
        return {}, httpx.BasicAuth(user, environ.get(ENV_PASSWORD, ""))
    return {}, None


class RemoteUnavailable(Exception):
    """The server did not answer, answered too slowly, or refused us."""


@dataclass
class RemoteEntry:
    """A record fetched from the server and where each of its blobs lives there."""

    record: ActionRecord
    blobs: dict[str, tuple[str, int]]  # BLAKE3 digest -> (SHA-256, size)


class BazelHttpCache:
    """The HTTP protocol itself: records as ActionResults, blobs in the CAS."""

    def __init__(
        self,
        url: str,
        timeout: float = DEFAULT_TIMEOUT,
        environ: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        environ = os.environ if environ is None else environ
        headers, auth = _auth(environ)
        headers["Accept-Encoding"] = "identity"
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers=headers,
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"{type(exc).__name__} talking to {self.url}") from None
        if response.status_code in (401, 403):
            raise RemoteUnavailable(f"{self.url} refused our credentials (HTTP {response.status_code})")
        if response.status_code >= 500 and response.status_code != 507:
            raise RemoteUnavailable(f"{self.url} answered HTTP {response.status_code}")
        return response

    # -- records ---------------------------------------------------------------------------
    def get_entry(self, key: str) -> RemoteEntry | None:
        """The record for ``key``, or None when absent or not trustworthy."""
        response = self._request("GET", f"/ac/{ac_name(key)}", headers={"Accept": "application/json"})
        if response.status_code != 200:
            return None
        try:
            return _parse_action_result(response.content, key)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_entry(self, record: ActionRecord, shas: Mapping[str, tuple[str, int]]) -> None:
        body = _action_result(record, shas)
        response = self._request(
            "PUT", f"/ac/{ac_name(record.key)}", content=body, headers={"Content-Type": "application/json"}
        )
        if response.status_code not in (200, 201, 204):
            raise RemoteUnavailable(f"{self.url} did not store a record (HTTP {response.status_code})")

    # -- blobs -----------------------------------------------------------------------------
    def has_blob(self, sha: str) -> bool:
        return self._request("HEAD", f"/cas/{sha}").status_code == 200

    def get_blob(self, sha: str) -> bytes | None:
        response = self._request("GET", f"/cas/{sha}")
        return response.content if response.status_code == 200 else None

    def put_blob(self, sha: str, data: bytes) -> None:
        response = self._request(
            "PUT", f"/cas/{sha}", content=data, headers={"Content-Type": "application/octet-stream"}
        )
        if response.status_code not in (200, 201, 204):
            raise RemoteUnavailable(f"{self.url} did not store a blob (HTTP {response.status_code})")


def _digest(sha: str, size: int) -> dict:
    return {"hash": sha, "sizeBytes": str(size)}


def _action_result(record: ActionRecord, shas: Mapping[str, tuple[str, int]]) -> bytes:
    """connkit's record as the protocol's ActionResult (protobuf's JSON mapping)."""
    record_json = record.to_json()
    files = [
        {
            "path": RECORD_PATH,
            "digest": _digest(sha256_hex(record_json), len(record_json)),
            "contents": base64.b64encode(record_json).decode(),
        }
    ]
    for entry in record.outputs:
        if entry.kind == "file" and entry.digest:
            sha, size = shas[entry.digest]
            files.append(
                {"path": entry.path, "digest": _digest(sha, size), "isExecutable": bool(entry.mode & 0o111)}
            )
    result: dict = {"outputFiles": files, "exitCode": record.exit_code}
    if record.log:
        result["stdoutDigest"] = _digest(*shas[record.log])
    return json.dumps(result, separators=(",", ":")).encode()


def _parse_action_result(body: bytes, key: str) -> RemoteEntry | None:
    data = json.loads(body)
    files = {f["path"]: f for f in data.get("outputFiles", [])}
    own = files.get(RECORD_PATH)
    if own is None:
        return None  # not one of ours
    record_json = base64.b64decode(own["contents"])
    if sha256_hex(record_json) != own["digest"]["hash"]:
        return None
    record = ActionRecord.from_json(record_json)
    if record.key != key:
        return None
    blobs: dict[str, tuple[str, int]] = {}
    for entry in record.outputs:
        if entry.kind == "file" and entry.digest:
            found = files[entry.path]["digest"]
            blobs[entry.digest] = (found["hash"], int(found.get("sizeBytes", 0)))
    if record.log:
        found = data["stdoutDigest"]
        blobs[record.log] = (found["hash"], int(found.get("sizeBytes", 0)))
    return RemoteEntry(record, blobs)


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
        warn: Warn = _stderr,
    ) -> None:
        if mode not in MODES:
            raise UsageError(f"remote cache mode {mode!r} is not one of {', '.join(MODES)}")
        self.local = local
        self.remote = remote
        self.mode = mode
        self.stats = RemoteStats()
        self._warn = warn
        self._down = False
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[ActionRecord, set[str]]] = {}  # key -> record, blobs not yet local
        self._where: dict[str, tuple[str, int]] = {}  # BLAKE3 -> (SHA-256, size) on the server

    # -- failure handling ------------------------------------------------------------------
    def _give_up(self, exc: RemoteUnavailable) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
        self._warn(f"remote cache unavailable ({exc}); continuing with the local cache only")

    @property
    def available(self) -> bool:
        return not self._down

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
        missing = {d for d in entry.record.blobs() if not self.local.has_blob(d)}
        with self._lock:
            self.stats.records_fetched += 1
            self._where.update(entry.blobs)
            if missing:
                self._pending[key] = (entry.record, missing)
        if not missing:
            self.local.put_record(entry.record)
        return entry.record

    def _arrived(self, digest: str) -> None:
        """A remote record joins the local store once every blob it needs is local."""
        complete = []
        with self._lock:
            for key, (record, missing) in list(self._pending.items()):
                missing.discard(digest)
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

    def _write_back(self, record: ActionRecord) -> None:
        shas: dict[str, tuple[str, int]] = {}
        for digest in sorted(record.blobs()):
            known = self._where.get(digest)
            if known is not None:
                shas[digest] = known
                continue
            data = self.local.read_blob(digest)
            if data is None:
                return  # the local store lost it; the record is not worth sharing
            sha = sha256_hex(data)
            if not self.remote.has_blob(sha):
                self.remote.put_blob(sha, data)
                self.stats.blobs_stored += 1
                self.stats.bytes_stored += len(data)
            shas[digest] = (sha, len(data))
            self._where[digest] = shas[digest]
        self.remote.put_entry(record, shas)
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
        data = self.local.read_blob(digest)
        if data is not None or self._down:
            return data
        where = self._where.get(digest)
        if where is None:
            return None
        sha, size = where
        try:
            data = self.remote.get_blob(sha)
        except RemoteUnavailable as exc:
            self._give_up(exc)
            return None
        if data is None:
            return None
        if len(data) != size or sha256_hex(data) != sha or digest_bytes(data) != digest:
            with self._lock:
                self.stats.rejected += 1
            self._warn(f"rejected remote blob {digest[:12]}: its content does not match its digest")
            return None
        self.local.put_blob_bytes(data)
        with self._lock:
            self.stats.blobs_fetched += 1
            self.stats.bytes_fetched += len(data)
        self._arrived(digest)
        return data

    def put_blob_file(self, path: Path, digest: str) -> None:
        self.local.put_blob_file(path, digest)

    def put_blob_bytes(self, data: bytes) -> str:
        return self.local.put_blob_bytes(data)

    def drop_blob(self, digest: str) -> None:
        self.local.drop_blob(digest)

    def close(self) -> None:
        self.remote.close()


def backend_for(
    store: Path,
    settings: RemoteSettings | None,
    warn: Warn = _stderr,
    environ: Mapping[str, str] | None = None,
) -> CacheBackend:
    """The cache a run uses: the local store, layered over the remote when one is configured."""
    local = LocalCache(store)
    if settings is None:
        return local
    remote = BazelHttpCache(settings.url, settings.timeout, environ=environ)
    return LayeredCache(local, remote, settings.mode, warn)
