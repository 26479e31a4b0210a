"""A shared cache on a server a team already runs: the Bazel HTTP remote-cache protocol
(``GET``/``PUT``/``HEAD`` on ``/ac/<sha256>`` and ``/cas/<sha256>``, as bazel-remote serves it).

connkit names blobs by BLAKE3 and keys records by a BLAKE3 digest; the protocol addresses
everything by SHA-256. The mapping:

- A record is stored under ``/ac/<sha256("connkit-ac-v1:" + key)>`` (the prefix keeps connkit's
  entries apart from Bazel's in a cache both use) as a real ``ActionResult`` in protobuf's JSON
  form. Its first output file, ``.connkit/record.json``, carries connkit's own document inline
  (``contents``): the record and where each of its blobs lives on the server. The other output
  files list those CAS blobs, so a server that validates ``/ac`` (bazel-remote's default)
  accepts the entry and stops serving it once a blob it needs is evicted;
  ``--disable_http_ac_validation`` works as well.
- Blobs live under ``/cas/<sha256(content)>``, checked by the server on upload. A record's
  small blobs (up to 1 MiB each) travel as one *pack*, their concatenation, so restoring a
  step with 2,000 small outputs is one request instead of 2,000; larger blobs are stored alone
  and shared between records.
- On download the SHA-256 is checked again and every blob is checked against the BLAKE3
  digest the record names: a blob that does not match is rejected and the step runs. This
  catches corruption and a CAS entry swapped under a record; it cannot catch a writer who forges
  a whole record, which is why only trusted builds (CI on the main branch) should write.

"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx
import stamina

from connkit.engine.store.records import ActionRecord
from connkit.engine.store.settings import (
    DEFAULT_TIMEOUT,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USER,
)

RECORD_PATH = ".connkit/record.json"
AC_PREFIX = b"connkit-ac-v1:"
#: Transient failures (a dropped connection, a refused connect, a 5xx) are retried with a
#: jittered exponential backoff; a slow server (a timeout) is not: it would only be slower.
RETRY_ATTEMPTS = 4
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
ENTRY_VERSION = 1
#: Blobs up to this size travel packed with the rest of their record's small blobs (one
#: request instead of one per file); larger ones are stored alone, shared between records.
PACK_BLOB_LIMIT = 1 << 20
PACK_SIZE = 32 << 20

Warn = Callable[[str], None]


def warn_stderr(message: str) -> None:
    print(f"connkit: warning: {message}", file=sys.stderr)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ac_name(key: str) -> str:
    """Where a record lives on the server: its own namespace, in the server's hash."""
    return sha256_hex(AC_PREFIX + key.encode())


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


class _Transient(Exception):
    """An answer worth asking again for (the server said it is overloaded or failing)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, httpx.TimeoutException):
        return False
    return isinstance(exc, (_Transient, httpx.TransportError))


@dataclass(frozen=True)
class Pack:
    """Small blobs of one record stored as one CAS blob: one request instead of thousands."""

    sha: str
    size: int
    blobs: tuple[tuple[str, int], ...]  # (BLAKE3 digest, size) in order


@dataclass
class RemoteEntry:
    """A record fetched from the server and where each of its blobs lives there."""

    record: ActionRecord
    packs: list[Pack]
    singles: dict[str, tuple[str, int]]  # BLAKE3 digest -> (SHA-256, size)


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
            trust_env=True,  # HTTPS_PROXY / NO_PROXY and SSL_CERT_FILE / SSL_CERT_DIR, as set
        )

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        """One request, retried while the failure looks transient. Every request of the
        protocol is idempotent (a CAS PUT is keyed by its content, an AC PUT by its key)."""
        try:
            for attempt in stamina.retry_context(
                on=_retryable, attempts=RETRY_ATTEMPTS, wait_initial=0.05, wait_max=1.0, timeout=None
            ):
                with attempt:
                    response = self._client.request(method, path, **kw)
                    if response.status_code in RETRY_STATUS:
                        raise _Transient(response)
        except _Transient as exc:
            response = exc.response
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"{type(exc).__name__} talking to {self.url}") from None
        if response.status_code in (401, 403):
            raise RemoteUnavailable(f"{self.url} refused our credentials (HTTP {response.status_code})")
        if response.status_code >= 500 and response.status_code != 507 or response.status_code == 429:
            raise RemoteUnavailable(f"{self.url} answered HTTP {response.status_code}")
        return response

    # -- records ---------------------------------------------------------------------------
    def get_entry(self, key: str) -> RemoteEntry | None:
        """The record for ``key``, or None when absent or not one of ours for this key."""
        response = self._request("GET", f"/ac/{ac_name(key)}", headers={"Accept": "application/json"})
        if response.status_code != 200:
            return None
        try:
            return _parse_action_result(response.content, key)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def put_entry(
        self, record: ActionRecord, packs: list[Pack], singles: Mapping[str, tuple[str, int]]
    ) -> None:
        body = _action_result(record, packs, singles)
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


def _action_result(record: ActionRecord, packs: list[Pack], singles: Mapping[str, tuple[str, int]]) -> bytes:
    """connkit's entry as the protocol's ActionResult (protobuf's JSON mapping): our own
    document inlined, and every CAS blob it needs listed, so a validating server keeps the
    entry only while they all exist."""
    own = json.dumps(
        {
            "version": ENTRY_VERSION,
            "record": json.loads(record.to_json()),
            "packs": [{"sha": p.sha, "size": p.size, "blobs": [list(b) for b in p.blobs]} for p in packs],
            "singles": {d: list(v) for d, v in sorted(singles.items())},
        },
        separators=(",", ":"),
    ).encode()
    files = [
        {
            "path": RECORD_PATH,
            "digest": _digest(sha256_hex(own), len(own)),
            "contents": base64.b64encode(own).decode(),
        }
    ]
    files += [{"path": f".connkit/pack/{i}", "digest": _digest(p.sha, p.size)} for i, p in enumerate(packs)]
    files += [{"path": f".connkit/blob/{d}", "digest": _digest(*v)} for d, v in sorted(singles.items())]
    return json.dumps({"outputFiles": files, "exitCode": record.exit_code}, separators=(",", ":")).encode()


def _parse_action_result(body: bytes, key: str) -> RemoteEntry | None:
    data = json.loads(body)
    own = next((f for f in data.get("outputFiles", []) if f.get("path") == RECORD_PATH), None)
    if own is None:
        return None  # not one of ours
    raw = base64.b64decode(own["contents"])
    if sha256_hex(raw) != own["digest"]["hash"]:
        return None
    doc = json.loads(raw)
    if doc.get("version") != ENTRY_VERSION:
        return None
    record = ActionRecord.from_json(json.dumps(doc["record"]).encode())
    if record.key != key:
        return None
    packs = [
        Pack(str(p["sha"]), int(p["size"]), tuple((str(d), int(n)) for d, n in p["blobs"]))
        for p in doc["packs"]
    ]
    singles = {str(d): (str(v[0]), int(v[1])) for d, v in doc["singles"].items()}
    located = {d for p in packs for d, _ in p.blobs} | set(singles)
    if not record.blobs() <= located:
        return None
    return RemoteEntry(record, packs, singles)
