"""A real Bazel HTTP remote-cache server (bazel-remote) on a free loopback port.

The binary comes from ``ci/setup-bazel-remote.sh`` (which .ci/run calls); when it is missing
and Go is installed, the fixture runs that script itself. Only a machine without Go skips.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.tools import go_tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class BazelRemote:
    binary: Path
    data: Path
    log: Path
    port: int = 0
    extra_args: tuple[str, ...] = ()
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or free_port()
        self.data.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                str(self.binary),
                "--dir",
                str(self.data),
                "--max_size",
                "1",
                "--http_address",
                f"127.0.0.1:{self.port}",
                "--grpc_address",
                "none",
                "--storage_mode",
                "uncompressed",
                *self.extra_args,
            ],
            stdout=open(self.log, "ab"),  # noqa: SIM115 - lives as long as the server
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bazel-remote exited: {self.log.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.url}/status", timeout=1)  # any answer (even 401) means it is up
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("bazel-remote did not start within 30 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def bazel_remote_binary() -> Path:
    return go_tool("bazel-remote")


@pytest.fixture
def bazel_remote(bazel_remote_binary: Path, tmp_path: Path) -> Iterator[BazelRemote]:
    """A fresh server with an empty store for each test (it starts in well under a second)."""
    server = BazelRemote(bazel_remote_binary, tmp_path / "bazel-remote", tmp_path / "bazel-remote.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
