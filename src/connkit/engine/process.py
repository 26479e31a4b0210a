"""Where a step's command executes. ``Runner`` is the seam (a local process here; a
container runner can stand in), ``SubprocessRunner`` the everyday implementation."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class InstallHint:
    """How to get a tool: what it is and the command that installs it on each platform.

    Debian/Ubuntu commands are written for a person who is not root (``sudo``); ``for_user``
    drops the ``sudo`` where the caller already is root.
    """

    what: str
    debian: str
    macos: str
    note: str = ""  # said after both commands: "then start dockerd", "or set JAVA_HOME"

    def line(self) -> str:
        note = f"; {for_user(self.note)}" if self.note else ""
        return f"install {self.what} (Debian/Ubuntu: {for_user(self.debian)}; macOS: {self.macos}){note}"


def for_user(command: str) -> str:
    """``command`` as this user types it: root needs no ``sudo``."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return command.replace("sudo ", "")
    return command


def jdk_hint(major: int) -> InstallHint:
    """A JDK of at least ``major`` (17 where less is asked: Debian and Homebrew ship no older one)."""
    major = max(major, 17)
    return InstallHint(
        f"a JDK {major}",
        f"sudo apt-get install openjdk-{major}-jdk-headless",
        f"brew install openjdk@{major}",
        "or set JAVA_HOME to one",
    )


def python_hint(version: str) -> InstallHint:
    """A Python of ``version`` (pyenv builds any; Homebrew has the supported ones)."""
    return InstallHint(f"Python {version}", f"pyenv install {version}", f"brew install python@{version}")


#: How to get a missing tool: named in the one-line error a step fails with, and by
#: ``connkit doctor`` next to each tool it finds missing.
TOOL_HINTS: dict[str, InstallHint] = {
    "git": InstallHint("git", "sudo apt-get install git", "xcode-select --install"),
    "make": InstallHint("make", "sudo apt-get install make", "xcode-select --install"),
    "mvn": InstallHint("Maven", "sudo apt-get install maven", "brew install maven"),
    "java": jdk_hint(17),
    "node": InstallHint("Node.js", "sudo apt-get install nodejs npm", "brew install node"),
    "npm": InstallHint("Node.js with npm", "sudo apt-get install nodejs npm", "brew install node"),
    "yarn": InstallHint("yarn 1", "sudo npm install --global yarn@1", "npm install --global yarn@1"),
    "uv": InstallHint("uv", "python3 -m pip install --user uv", "brew install uv"),
    "ruff": InstallHint("ruff", "python3 -m pip install --user ruff", "brew install ruff"),
    "datamodel-codegen": InstallHint(
        "datamodel-code-generator",
        "python3 -m pip install --user datamodel-code-generator",
        "python3 -m pip install --user datamodel-code-generator",
    ),
    "docker": InstallHint(
        "Docker",
        "sudo apt-get install docker.io",
        "brew install --cask docker",
        "then start it (Linux: sudo systemctl start docker, or sudo dockerd &; macOS: open -a Docker)",
    ),
    "docker compose": InstallHint(
        "Docker Compose v2",
        "sudo apt-get install docker-compose-plugin",
        "brew install --cask docker",
        "Debian's own docker-compose package is v1 before trixie; Docker's apt repository has the plugin",
    ),
    "debootstrap": InstallHint(
        "debootstrap",
        "sudo apt-get install debootstrap",
        "none (Linux only): give the stack a Debian image instead",
    ),
    "dot": InstallHint("Graphviz", "sudo apt-get install graphviz", "brew install graphviz"),
}


def missing_tool_message(tool: str) -> str:
    hint = TOOL_HINTS.get(tool)
    how = hint.line() if hint else f"install {tool} or put it on PATH"
    return f"`{tool}` is not installed or not on PATH: {how}"


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
