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


def _copy_pom(groups: dict[str, list[str]], dest: Path) -> bytes:
    """A throwaway pom whose dependency:copy executions put each group's jars in its folder."""
    from xml.etree import ElementTree as ET

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        node = ET.SubElement(parent, tag)
        node.text = text
        return node

    project = ET.Element("project", xmlns="http://maven.apache.org/POM/4.0.0")
    for tag, text in (("modelVersion", "4.0.0"), ("groupId", "connkit.stack"), ("artifactId", "copy")):
        sub(project, tag, text)
    sub(project, "version", "1")
    sub(project, "packaging", "pom")
    plugin = sub(sub(sub(project, "build"), "plugins"), "plugin")
    sub(plugin, "groupId", "org.apache.maven.plugins")
    sub(plugin, "artifactId", "maven-dependency-plugin")
    sub(plugin, "version", "3.6.1")
    executions = sub(plugin, "executions")
    for folder, coords in sorted(groups.items()):
        execution = sub(executions, "execution")
        sub(execution, "id", folder)
        sub(execution, "phase", "validate")
        sub(sub(execution, "goals"), "goal", "copy")
        config = sub(execution, "configuration")
        sub(config, "outputDirectory", str(dest / folder))
        items = sub(config, "artifactItems")
        for coord in coords:
            group, artifact, version = coord.split(":")
            item = sub(items, "artifactItem")
            sub(item, "groupId", group)
            sub(item, "artifactId", artifact)
            sub(item, "version", version)
    return ET.tostring(project, xml_declaration=True, encoding="utf-8")


def maven_copy_groups(
    groups: dict[str, list[str]], dest: Path, log: Callable[[str], None]
) -> dict[str, list[Path]]:
    """Jars (``group:artifact:version``) copied into ``dest/<folder>`` per group, in one Maven
    run (one JVM start instead of one per jar); kept, so a second call is free."""

    def expected() -> dict[str, list[Path]]:
        return {
            folder: [dest / folder / f"{c.split(':')[1]}-{c.split(':')[2]}.jar" for c in coords]
            for folder, coords in groups.items()
        }

    if all(p.is_file() for paths in expected().values() for p in paths):
        return expected()
    if shutil.which("mvn") is None:
        raise ConnkitError("mvn is needed to fetch the search engine's modules: install maven")
    dest.mkdir(parents=True, exist_ok=True)
    pom = dest / "connkit-copy-pom.xml"
    pom.write_bytes(_copy_pom(groups, dest))
    log(f"mvn dependency:copy of {sum(len(c) for c in groups.values())} jars into {dest}")
    proc = subprocess.run(
        ["mvn", "-B", "-q", "-f", str(pom), "validate"], capture_output=True, text=True, cwd=dest
    )
    missing = [p for paths in expected().values() for p in paths if not p.is_file()]
    if proc.returncode != 0 or missing:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
        raise ConnkitError(f"could not fetch the search modules: {(lines or ['mvn failed'])[0][:300]}")
    return expected()
