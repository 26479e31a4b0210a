"""Where a step's command executes. ``Runner`` is the seam (a local process here; a
container runner can stand in), ``SubprocessRunner`` the everyday implementation."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

#: How to get a missing tool, named in the one-line error a step fails with.
TOOL_HINTS = {
    "mvn": "install Maven (Debian: apt-get install maven)",
    "java": "install a JDK (Debian: apt-get install openjdk-17-jdk) or set JAVA_HOME",
    "node": "install Node.js (Debian: apt-get install nodejs npm)",
    "npm": "install Node.js with npm (Debian: apt-get install nodejs npm)",
    "yarn": "install yarn (npm install -g yarn, or corepack enable)",
    "make": "install make (Debian: apt-get install make)",
    "docker": "install Docker (Debian: apt-get install docker.io) and start dockerd",
    "git": "install git (Debian: apt-get install git)",
    "uv": "install uv (pip install uv)",
    "ruff": "install ruff (pip install ruff)",
    "datamodel-codegen": "install datamodel-code-generator (pip install datamodel-code-generator)",
}


def missing_tool_message(tool: str) -> str:
    hint = TOOL_HINTS.get(tool, f"install {tool} or put it on PATH")
    return f"`{tool}` is not installed or not on PATH: {hint}"


class Runner(Protocol):
    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        on_line: Callable[[str], None],
    ) -> int: ...

    def cancel(self) -> None: ...


class SubprocessRunner:
    """Runs argv with stdout and stderr merged, handing each line to ``on_line``."""

    def __init__(self) -> None:
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str],
        on_line: Callable[[str], None],
    ) -> int:
        if shutil.which(argv[0], path=env.get("PATH")) is None and not Path(argv[0]).is_file():
            raise FileNotFoundError(missing_tool_message(argv[0]))
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        with self._lock:
            self._procs.add(proc)
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                on_line(raw.decode("utf-8", errors="replace"))
            return proc.wait()
        finally:
            with self._lock:
                self._procs.discard(proc)

    def cancel(self) -> None:
        with self._lock:
            for proc in self._procs:
                proc.terminate()
