"""Artifacts the stack takes from Maven Central with the ordinary client (mvn)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from connkit.errors import ConnkitError


def maven_copy(coordinates: str, dest: Path, log: Callable[[str], None]) -> Path:
    """``group:artifact:version:packaging`` copied into ``dest`` (kept: a second call is free)."""
    group, artifact, version, packaging = coordinates.split(":")
    target = dest / f"{artifact}-{version}.{packaging}"
    if target.is_file() and target.stat().st_size > 0:
        return target
    if shutil.which("mvn") is None:
        raise ConnkitError(f"mvn is needed to fetch {coordinates}: install maven or run stack.up --no-search")
    dest.mkdir(parents=True, exist_ok=True)
    log(f"mvn dependency:copy {coordinates}")
    proc = subprocess.run(
        ["mvn", "-B", "-q", "dependency:copy", f"-Dartifact={coordinates}", f"-DoutputDirectory={dest}"],
        capture_output=True,
        text=True,
        cwd=dest,
    )
    if proc.returncode != 0 or not target.is_file():
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
        raise ConnkitError(f"could not fetch {coordinates}: {(lines or ['mvn failed'])[0][:300]}")
    return target
