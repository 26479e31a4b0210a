"""A faulty front for a real remote cache: an HTTP proxy on loopback that drops or refuses
requests by a fixed pattern (never at random), so a test knows which requests fail."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

#: fault(n) for the n-th request (1-based): "drop" (close without an answer), "503", or None.
Fault = Callable[[int], str | None]


def drop_every_third(n: int) -> str | None:
    return "drop" if n % 3 == 0 else None


def bursts_of_503(n: int, every: int = 10, length: int = 3) -> str | None:
    """Requests 4..6, 14..16, …: three 503s in a row, then seven good answers."""
    return "503" if 3 <= (n - 1) % every < 3 + length else None


class _Counter:
    def __init__(self) -> None:
        self.n = 0
        self.faults = 0
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.n += 1
            return self.n


@contextmanager
def flaky_proxy(upstream: str, fault: Fault) -> Iterator[tuple[str, _Counter]]:
    counter = _Counter()
    client = httpx.Client(base_url=upstream, timeout=10, trust_env=False)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _handle(self) -> None:
            n = counter.next()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            what = fault(n)
            if what is not None:
                with counter.lock:
                    counter.faults += 1
            if what == "drop":
                self.close_connection = True
                self.connection.close()
                return
            if what == "503":
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = client.request(self.command, self.path, content=body, headers=headers)
            self.send_response(answer.status_code)
            self.send_header("Content-Length", str(len(answer.content)))
            for name in ("Content-Type",):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.content)

        do_GET = do_PUT = do_HEAD = do_POST = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counter
    finally:
        server.shutdown()
        server.server_close()
        client.close()
