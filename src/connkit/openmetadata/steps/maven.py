"""Maven on a workspace: the spec build (``generate.java``) and the settings it runs with.

A checkout's root pom builds the spec as one module of a reactor, so connkit builds it the
way that reactor can: ``clean install -pl openmetadata-spec -am`` (``-am`` also builds the
sibling modules it needs, ``common`` in 1.1, instead of asking repositories for a snapshot
of them), with the code-analysis profile switched off where the pom activates it by a
property's absence (1.1: ``!skipCodeAnalysis`` binds sonar to ``verify``, which needs
sonarcloud.io), detected from the pom, not from a release number.

The pom's own repositories (apache snapshots, an S3 bucket, sonatype grid) are unreachable
here; a global settings file (``-gs``) mirroring ``*`` to Maven Central means Maven never
asks them. The user's own ``~/.m2/settings.xml`` stays in force (``-gs`` only replaces the
installation's file); when it defines mirrors of its own, connkit passes nothing.

An assembled workspace's spec pom (connkit's) is standalone: ``-f openmetadata-spec/pom.xml
generate-sources``, as before.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.step import Step, StepContext
from connkit.fsutil import atomic_write_text, read_text_or_empty
from connkit.openmetadata.workspace import SPEC_SCHEMA, Workspace

SPEC = "openmetadata-spec"
JAVA_OUTPUT = f"{SPEC}/target/generated-sources/jsonschema2pojo"
CENTRAL = "https://repo.maven.apache.org/maven2"
QUIET = ("-B", "-q", "-Dstyle.color=never")
SETTINGS_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by connkit: every repository a pom names is read from Maven Central. -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <mirrors>
    <mirror>
      <id>connkit-central</id>
      <mirrorOf>*</mirrorOf>
      <url>{CENTRAL}</url>
    </mirror>
  </mirrors>
</settings>
"""


@dataclass(frozen=True)
class CentralSettings:
    """Whether connkit passes its mirror-everything-to-Central global settings, and why."""

    path: Path | None  # the file to pass as -gs; None: leave Maven's settings alone
    why: str

    def digest_text(self) -> str:
        return "gs=central" if self.path else "gs=none"


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse(path: Path) -> ET.Element | None:
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None


def defines_mirrors(settings: Path) -> bool:
    root = _parse(settings)
    return root is not None and any(_local(e.tag) == "mirror" for e in root.iter())


def central_settings(ws: Workspace, home: Path | None = None) -> CentralSettings:
    home = home if home is not None else Path.home()
    user = home / ".m2" / "settings.xml"
    if defines_mirrors(user):
        return CentralSettings(None, f"{user} defines mirrors: Maven uses them")
    own_flags = os.environ.get("MAVEN_ARGS", "") + " " + read_text_or_empty(ws.root / ".mvn" / "maven.config")
    if re.search(r"(^|\s)(-gs|--global-settings)\b", own_flags):
        return CentralSettings(None, "MAVEN_ARGS or .mvn/maven.config names global settings")
    return CentralSettings(ws.state_dir / "maven" / "central-mirror.xml", f"mirror * to {CENTRAL}")


def settings_args(ctx: StepContext, settings: CentralSettings) -> list[str]:
    """Write connkit's settings file (when it is used) and return the flags that pass it."""
    if settings.path is None:
        ctx.log(f"maven settings: {settings.why}")
        return []
    if read_text_or_empty(settings.path) != SETTINGS_XML:
        atomic_write_text(settings.path, SETTINGS_XML)
    return ["-gs", str(settings.path)]


def is_reactor(ws: Workspace) -> bool:
    """A checkout: the root pom lists the spec as one of its modules."""
    root = _parse(ws.root / "pom.xml")
    return root is not None and SPEC in modules(root)


def modules(project: ET.Element) -> list[str]:
    return [
        (e.text or "").strip() for e in project.iter() if _local(e.tag) == "module" and (e.text or "").strip()
    ]


def artifact_id(project: ET.Element) -> str:
    for child in project:
        if _local(child.tag) == "artifactId":
            return (child.text or "").strip()
    return ""


def modules_built(ws: Workspace, module: str = SPEC) -> list[str]:
    """``module`` and the reactor modules ``-am`` builds with it (those its pom refers to)."""
    root = _parse(ws.root / "pom.xml")
    if root is None:
        return [module]
    by_artifact = {}
    for name in modules(root):
        pom = _parse(ws.root / name / "pom.xml")
        if pom is not None:
            by_artifact[artifact_id(pom)] = name
    built = [module]
    todo = [module]
    while todo:
        pom = _parse(ws.root / todo.pop() / "pom.xml")
        if pom is None:
            continue
        own = artifact_id(pom)
        for element in pom.iter():
            if _local(element.tag) != "artifactId":
                continue
            name = by_artifact.get((element.text or "").strip())
            if name and name not in built and (element.text or "").strip() != own:
                built.append(name)
                todo.append(name)
    return built


def analysis_switches(ws: Workspace) -> list[str]:
    """``-DX`` for each profile activated by ``!X`` that runs sonar (code analysis needing a server)."""
    root = _parse(ws.root / "pom.xml")
    if root is None:
        return []
    flags: list[str] = []
    for profile in (e for e in root.iter() if _local(e.tag) == "profile"):
        names = [
            (e.text or "").strip()
            for act in profile
            if _local(act.tag) == "activation"
            for prop in act
            if _local(prop.tag) == "property"
            for e in prop
            if _local(e.tag) == "name"
        ]
        text = ET.tostring(profile, encoding="unicode")
        for name in names:
            if name.startswith("!") and "sonar" in text and f"-D{name[1:]}" not in flags:
                flags.append(f"-D{name[1:]}")
    return flags


def generate_java(ws: Workspace) -> Step | None:
    if not (ws.root / SPEC / "pom.xml").is_file():
        return None
    schemas = SPEC_SCHEMA.as_posix()
    if not is_reactor(ws):
        return Step(
            id="generate.java",
            inputs=(schemas, f"{SPEC}/pom.xml", "pom.xml", ".mvn/jvm.config", ".mvn/maven.config"),
            outputs=(JAVA_OUTPUT,),
            command=("mvn", *QUIET, "-f", f"{SPEC}/pom.xml", "generate-sources"),
            pass_env=("MAVEN_ARGS",),
            tools=(("mvn", "-v"), ("java", "-version")),
            description="Java models (Maven, jsonschema2pojo)",
        )
    built = modules_built(ws)
    switches = analysis_switches(ws)
    settings = central_settings(ws)
    goals = ["-DskipTests", *switches, "clean", "install", "-pl", SPEC, "-am"]

    def build(ctx: StepContext) -> None:
        ctx.log(f"modules: {', '.join(built)}; {' '.join(switches) or 'no analysis profile'}")
        ctx.run(["mvn", *QUIET, *settings_args(ctx, settings), *goals])

    siblings = [m for m in built if m != SPEC]
    return Step(
        id="generate.java",
        inputs=(
            schemas,
            "pom.xml",
            *(f"{m}/pom.xml" for m in built),
            *(f"{m}/src" for m in siblings),
            f"{SPEC}/src/main/java",
            f"{SPEC}/src/main/antlr4",
            ".mvn/jvm.config",
            ".mvn/maven.config",
        ),
        outputs=(JAVA_OUTPUT,),
        action=build,
        action_version=f"1|{' '.join(goals)}|{settings.digest_text()}",
        pass_env=("MAVEN_ARGS",),
        tools=(("mvn", "-v"), ("java", "-version")),
        description=f"Java models (Maven: {', '.join(built)}, jsonschema2pojo)",
    )
