"""The machine's tools: found on PATH, their version read from the same version commands the
engine's keys digest (``keys.version_output``), held against what the workspace asks for."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.keys import version_output
from connkit.engine.process import TOOL_HINTS, InstallHint, jdk_hint, python_hint
from connkit.errors import UsageError
from connkit.openmetadata.doctor.model import Check, State
from connkit.openmetadata.doctor.needs import AntlrNeeds, Minimum, NodeNeeds, java_major

PROBE_TIMEOUT = 30.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Probe:
    """One version command's result: where the tool is (None: not on PATH) and what it said."""

    path: str | None
    output: str = ""
    returncode: int | None = None  # None: found but could not be run (or timed out)

    @property
    def found(self) -> bool:
        return self.path is not None

    @property
    def answered(self) -> bool:
        return self.returncode == 0

    def version(self, pattern: str) -> str | None:
        match = re.search(pattern, self.output)
        return match.group(1) if match else None

    def last_line(self) -> str:
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else f"exit {self.returncode}"


def probe(argv: tuple[str, ...], environ: Mapping[str, str]) -> Probe:
    exe = shutil.which(argv[0], path=environ.get("PATH"))
    if exe is None and not (Path(argv[0]).is_absolute() and Path(argv[0]).is_file()):
        return Probe(None)
    try:
        output, code = version_output(argv, environ, timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Probe(exe or argv[0], type(exc).__name__, None)
    return Probe(exe or argv[0], _ANSI.sub("", output), code)


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def at_least(found: str, minimum: str) -> bool:
    have, want = _numbers(found), _numbers(minimum)
    return have + (0,) * (len(want) - len(have)) >= want


@dataclass(frozen=True)
class Need:
    """Whether the workspace needs a tool and for what (``uses`` None: outside a workspace)."""

    uses: Mapping[str, list[str]] | None
    default_for: str

    def of(self, tool: str) -> tuple[bool, str]:
        if self.uses is None:
            return True, self.default_for
        steps = self.uses.get(tool)
        if steps:
            return True, ", ".join(steps)
        return False, ""  # no step of this workspace runs it: optional here


def _missing(name: str, hint: InstallHint, need: tuple[bool, str]) -> Check:
    return Check(name, State.MISSING, "not on PATH", need[1], need[0], hint)


def simple_tool(
    name: str,
    key: str,
    argv: tuple[str, ...],
    pattern: str,
    environ: Mapping[str, str],
    need: tuple[bool, str],
) -> Check:
    """A tool that only has to be there (git, make, debootstrap, dot)."""
    found = probe(argv, environ)
    if not found.found:
        return _missing(name, TOOL_HINTS[key], need)
    version = found.version(pattern) or found.last_line()
    return Check(name, State.OK, f"{version} ({found.path})", need[1], need[0], TOOL_HINTS[key])


def maven(environ: Mapping[str, str], minimum: Minimum | None, need: tuple[bool, str]) -> Check:
    found = probe(("mvn", "-v"), environ)
    hint = TOOL_HINTS["mvn"]
    if not found.found:
        return _missing("Maven", hint, need)
    version = found.version(r"Apache Maven (\S+)")
    java = found.version(r"Java version: ([^,\s]+)")
    detail = f"{version or found.last_line()} on Java {java or '?'} ({found.path})"
    if minimum is not None:
        detail += f"; {minimum.source}"
        if version is None or not at_least(version, minimum.version):
            return Check("Maven", State.WRONG_VERSION, detail, need[1], need[0], hint)
    return Check("Maven", State.OK, detail, need[1], need[0], hint)


def jdk(
    environ: Mapping[str, str], minimum: Minimum | None, need: tuple[bool, str], in_workspace: bool
) -> Check:
    wanted = int(minimum.version) if minimum else 17
    hint = jdk_hint(wanted)
    found = probe(("java", "-version"), environ)
    if not found.found:
        return _missing("JDK", hint, need)
    version = found.version(r'version "([^"]+)"') or found.version(r"(\d+(?:\.\d+)+)")
    detail = f"{version or found.last_line()} ({found.path})"
    if minimum is None:
        why = (
            "the poms name no Java level"
            if in_workspace
            else "the level a workspace needs is read from its poms"
        )
        return Check("JDK", State.OK, f"{detail}; {why}", need[1], need[0], hint)
    detail += f"; needs {minimum.version} or newer ({minimum.source})"
    major = java_major(version or "")
    if major is None or major < wanted:
        return Check("JDK", State.WRONG_VERSION, detail, need[1], need[0], hint)
    return Check("JDK", State.OK, detail, need[1], need[0], hint)


def antlr(needs: AntlrNeeds | None, java: Check, in_workspace: bool) -> Check:
    """ANTLR is not installed by hand: connkit fetches the jar from Maven Central; it needs a JRE."""
    name = "ANTLR"
    if not in_workspace:
        return Check(name, State.NEEDS_WORKSPACE, "whether a Makefile recipe runs antlr4", "make generate")
    if needs is None:
        return Check(name, State.OK, "no Makefile recipe runs antlr4: not needed", "make generate", False)
    coordinate = f"org.antlr:antlr4:{needs.version or 'X'}:jar:complete"
    detail = f"{needs.source}; connkit fetches {coordinate} from Maven Central and runs it with java"
    if java.state is State.MISSING:
        return Check(name, State.MISSING, f"{detail}: no java to run it", "make generate", True, java.fix)
    return Check(name, State.OK, detail, "make generate", True, java.fix)


def node(environ: Mapping[str, str], needs: NodeNeeds | None, need: tuple[bool, str]) -> Check:
    hint = TOOL_HINTS["node"]
    found = probe(("node", "--version"), environ)
    if not found.found:
        return _missing("Node.js", hint, need)
    version = found.version(r"v?(\d+\.\d+\.\d+)") or found.last_line()
    detail = f"{version} ({found.path})"
    if needs is not None and needs.node is not None:
        detail += f"; {needs.node.source}"
        if not at_least(version, needs.node.version):
            return Check("Node.js", State.WRONG_VERSION, detail, need[1], need[0], hint)
    return Check("Node.js", State.OK, detail, need[1], need[0], hint)


def yarn(environ: Mapping[str, str], needs: NodeNeeds | None, need: tuple[bool, str]) -> Check:
    hint = TOOL_HINTS["yarn"]
    found = probe(("yarn", "--version"), environ)
    if not found.found:
        return _missing("yarn 1", hint, need)
    version = found.version(r"(\d+\.\d+\.\d+)") or found.last_line()
    major, minimum = (
        (needs.yarn_major, needs.yarn) if needs else (1, Minimum("1", "the UI's lockfiles are yarn 1's"))
    )
    detail = f"{version} ({found.path}); {minimum.source}"
    if _numbers(version)[:1] != (major,) or not at_least(version, minimum.version):
        return Check("yarn 1", State.WRONG_VERSION, detail, need[1], need[0], hint)
    return Check("yarn 1", State.OK, detail, need[1], need[0], hint)


def uv(environ: Mapping[str, str], need: tuple[bool, str]) -> Check:
    from connkit.openmetadata.steps.pyenv import uv_command

    argv = (*uv_command(), "--version")
    found = probe(argv, environ)
    if not found.found or not found.answered:
        return _missing("uv", TOOL_HINTS["uv"], need)
    where = found.path if len(argv) == 2 else f"{sys.executable} -m uv (connkit's own)"
    version = found.version(r"uv (\S+)") or found.last_line()
    return Check("uv", State.OK, f"{version} ({where})", need[1], need[0], TOOL_HINTS["uv"])


def python(root: Path | None, environ: Mapping[str, str], need: tuple[bool, str]) -> Check:
    """The interpreter the release supports (``workspace.python``), or the active virtualenv's."""
    from connkit.openmetadata.workspace.python import acceptable_versions, choose_python

    name = "Python"
    if root is None:
        return Check(
            name, State.NEEDS_WORKSPACE, "the versions the release tests on", "the ingestion package"
        )
    versions, why = acceptable_versions(root)
    hint = python_hint(versions[0] if versions else "3.10")
    active = environ.get("VIRTUAL_ENV")
    if active:
        found = probe((str(Path(active) / "bin" / "python"), "--version"), environ)
        version = found.version(r"Python (\d+\.\d+)") if found.answered else None
        detail = f"{version or 'no python'} in the active virtualenv {active}, which steps use; {why}"
        ok = version is not None and version in versions
        return Check(name, State.OK if ok else State.WRONG_VERSION, detail, need[1], need[0], hint)
    try:
        choice = choose_python(root)
    except UsageError as exc:
        return Check(name, State.MISSING, str(exc), need[1], need[0], hint)
    return Check(
        name, State.OK, f"{choice.version or '?'} ({choice.path}); {choice.why}", need[1], need[0], hint
    )


def docker_engine(environ: Mapping[str, str]) -> Check:
    hint = TOOL_HINTS["docker"]
    found = probe(("docker", "version", "--format", "{{.Server.Version}}"), environ)
    if not found.found:
        return _missing("Docker engine", hint, (True, "stack.*"))
    if not found.answered:
        return Check("Docker engine", State.NOT_ANSWERING, found.last_line(), "stack.*", True, hint)
    return Check(
        "Docker engine", State.OK, f"server {found.last_line()} ({found.path})", "stack.*", True, hint
    )


def compose(environ: Mapping[str, str]) -> Check:
    hint = TOOL_HINTS["docker compose"]
    name = "Docker Compose v2"
    if shutil.which("docker", path=environ.get("PATH")) is None:
        return _missing(name, hint, (True, "stack.*"))
    found = probe(("docker", "compose", "version", "--short"), environ)
    version = found.version(r"v?(\d+\.\d+\.\d+)") if found.answered else None
    if version is None:
        return Check(
            name, State.MISSING, f"`docker compose` failed: {found.last_line()}", "stack.*", True, hint
        )
    if not at_least(version, "2"):
        return Check(name, State.WRONG_VERSION, version, "stack.*", True, hint)
    return Check(name, State.OK, version, "stack.*", True, hint)


def debootstrap(environ: Mapping[str, str]) -> Check:
    """Builds the stack's Debian base images on Linux; elsewhere ``stack.up --base-image`` does."""
    linux = sys.platform.startswith("linux")
    need = (True, "stack.up base images") if linux else (False, "stack.up (Linux only: pass --base-image)")
    return simple_tool(
        "debootstrap", "debootstrap", ("debootstrap", "--version"), r"debootstrap (\S+)", environ, need
    )
