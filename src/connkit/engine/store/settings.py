"""Which remote cache a run uses, resolved from a flag, the environment or the config.

Kept apart from the HTTP client (``bazel_http``) so a run without a remote never imports it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from connkit.errors import UsageError

MODES = ("read", "readwrite")
DEFAULT_MODE = "readwrite"
ENV_URL = "CONNKIT_REMOTE_CACHE"
ENV_MODE = "CONNKIT_REMOTE_CACHE_MODE"
ENV_TOKEN = "CONNKIT_REMOTE_CACHE_TOKEN"
ENV_USER = "CONNKIT_REMOTE_CACHE_USER"
ENV_PASSWORD = "CONNKIT_REMOTE_CACHE_PASSWORD"
ENV_TIMEOUT = "CONNKIT_REMOTE_CACHE_TIMEOUT"
DEFAULT_TIMEOUT = 5.0


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
