"""Remote-cache benchmark: the engine benchmark's graph of real commands (py_compile, ruff,
mypy, tar, sha256sum over 2,440 files), shared through a real bazel-remote on loopback.

A clone runs the graph cold with no cache at all (the denominator); machine A runs it cold
writing back to the server; each fresh clone (its own empty local cache) then restores every
step from the server. For scale, the same fresh-clone restore from a filled local store (a
copy of one clone's) is measured too: remote_vs_local_restore is the remote's own cost. Prints human lines, then (with --json) one JSON object as the last line:
remote_restore_ratio = median fresh-clone restore / cold run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import graph, make_tree  # noqa: E402

from connkit.engine.execute import run_steps  # noqa: E402
from connkit.engine.options import RunOptions  # noqa: E402
from connkit.engine.project import Folder  # noqa: E402
from connkit.engine.report import SilentReporter  # noqa: E402
from connkit.engine.state import CacheLayout  # noqa: E402
from connkit.engine.store.layered import backend_for  # noqa: E402
from connkit.engine.store.settings import RemoteSettings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("CONNKIT_TEST_BIN", Path.home() / ".cache/connkit-test/bin"))


def bazel_remote() -> Path | None:
    path = BIN / "bazel-remote"
    if not path.is_file() and shutil.which("go"):
        subprocess.run(["bash", str(REPO / "ci/setup-bazel-remote.sh")], check=True)
    return path if path.is_file() else None


def start_server(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            str(bazel_remote()),
            "--dir",
            str(data),
            "--max_size",
            "2",
            "--http_address",
            f"127.0.0.1:{port}",
            "--grpc_address",
            "none",
            "--access_log_level",
            "none",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"{url}/status", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("bazel-remote did not start")


def run_graph(root: Path, url: str | None, mode: str = "readwrite") -> tuple[float, set[str]]:
    ws = Folder(root)
    settings = RemoteSettings(url, mode) if url else None
    cache = backend_for(CacheLayout(ws.state_dir).store, settings)
    start = time.perf_counter()
    result = run_steps(ws, graph(), (), RunOptions(), reporter=SilentReporter(), cache=cache)
    close = getattr(cache, "close", None)
    if close is not None:
        close()
    seconds = time.perf_counter() - start
    assert result.ok, [(s.id, s.status, s.message) for s in result.steps]
    return seconds, {s.status for s in result.steps}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=cwd, check=True, capture_output=True
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if bazel_remote() is None:
        print("bazel-remote is not built and Go is missing: remote benchmark skipped", file=sys.stderr)
        print(json.dumps({"remote_restore_ratio": None}) if args.json else "skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        origin = tmp_path / "a"
        make_tree(origin)
        (origin / ".gitignore").write_text("out/\n.connkit/\n")
        git("init", "-q", cwd=origin)
        git("add", "-A", cwd=origin)
        git("commit", "-qm", "tree", cwd=origin)
        server, url = start_server(tmp_path / "server")
        try:

            def fresh_clone(name: str) -> Path:
                dest = tmp_path / name
                git("clone", "-q", str(origin), str(dest), cwd=tmp_path)
                (dest / "out").mkdir()
                # As in bench_engine: a checkout is older than the racy window by the time a
                # build starts (CI installs Python and connkit first).
                old = time.time() - 60
                for p in (dest / "src").rglob("*"):
                    os.utime(p, (old, old))
                return dest

            (origin / "out").mkdir()
            writeback, statuses = run_graph(origin, url)
            assert statuses == {"ran"}, statuses
            # Cold runs and remote restores interleaved, so a busy machine weighs on both alike.
            colds, restores = [], []
            for i in range(args.repeat):
                seconds, statuses = run_graph(fresh_clone(f"cold{i}"), None)
                assert statuses == {"ran"}, statuses
                colds.append(seconds)
                seconds, statuses = run_graph(fresh_clone(f"clone{i}"), url, mode="read")
                assert statuses == {"restored"}, statuses
                restores.append(seconds)
            cold = statistics.median(colds)
            clone = tmp_path / "clone0"
            locals_ = []
            for i in range(args.repeat):  # the same fresh-clone restore from a filled local store
                dest = fresh_clone(f"local{i}")
                shutil.copytree(clone / ".connkit" / "cache", dest / ".connkit" / "cache")
                seconds, statuses = run_graph(dest, None)
                assert statuses == {"restored"}, statuses
                locals_.append(seconds)
            files = sum(1 for p in (clone / "out").rglob("*") if p.is_file())
            size = sum(p.stat().st_size for p in (clone / "out").rglob("*") if p.is_file())
        finally:
            server.terminate()
            server.wait()
    restore = statistics.median(restores)
    figures = {
        "remote_output_files": files,
        "remote_output_mb": round(size / 1e6, 2),
        "remote_cold_s": round(cold, 3),
        "remote_writeback_cold_s": round(writeback, 3),
        "remote_restore_s": round(restore, 3),
        "remote_restore_ratio": round(restore / cold, 4),
        "local_restore_s": round(statistics.median(locals_), 3),
        "remote_vs_local_restore": round(restore / statistics.median(locals_), 3),
        "remote_writeback_overhead": round(writeback / cold - 1, 4),
    }
    if not args.json:
        for name, value in figures.items():
            print(f"{name:>28}: {value}")
    else:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
