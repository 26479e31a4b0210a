"""What a workspace asks of the machine, read from its tree (never from a release number).

- the JDK: the strictest of the poms' ``maven.compiler.release`` / ``source`` / ``target``
  properties, the compiler plugin's ``<release>`` / ``<source>`` / ``<target>`` and the enforcer
  plugin's ``requireJavaVersion`` (1.1's root pom compiles for 11; newer JDKs build it too);
- Maven: the enforcer's ``requireMavenVersion``;
- Node and yarn: the UI package's ``engines`` (yarn 1 where it says nothing: the UI's
  lockfile is yarn 1's);
- ANTLR: whether a Makefile recipe runs ``antlr4`` (1.1's ``make generate`` does);
- which steps run which tool: the ``tools`` and commands the workspace's steps declare.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.step import Step
from connkit.fsutil import read_text_or_empty
from connkit.openmetadata.workspace import SETUP_PY, UI_ROOT

POMS = ("pom.xml", "openmetadata-spec/pom.xml")
MAKEFILES = ("Makefile", "ingestion/Makefile")
_JAVA_PROPERTIES = ("maven.compiler.release", "maven.compiler.source", "maven.compiler.target")
_COMPILER_TAGS = ("release", "source", "target")
_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_CALLS_ANTLR = re.compile(r"^\t[@+-]*\s*antlr4\s", re.M)
_ANTLR_PIN = re.compile(r"[\"']antlr4-python3-runtime\s*==\s*([0-9][0-9.]*)[\"']")
_ANTLR_JAR = re.compile(r"antlr-([0-9]+(?:\.[0-9]+)+)-complete\.jar")
_PYTHON = re.compile(r"^python[0-9.]*$")


@dataclass(frozen=True)
class Minimum:
    """The lowest version a tool may have, and the file (and setting) that says so."""

    version: str
    source: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if _local(c.tag) == name]


def _path(node: ET.Element, *names: str) -> list[ET.Element]:
    found = [node]
    for name in names:
        found = [c for n in found for c in _children(n, name)]
    return found


def _pom(root: Path, rel: str) -> ET.Element | None:
    text = read_text_or_empty(root / rel)
    if not text:
        return None
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def _properties(pom: ET.Element) -> dict[str, str]:
    return {_local(p.tag): (p.text or "").strip() for props in _path(pom, "properties") for p in props}


def _plugins(pom: ET.Element, artifact: str) -> list[ET.Element]:
    plugins = _path(pom, "build", "plugins", "plugin") + _path(
        pom, "build", "pluginManagement", "plugins", "plugin"
    )
    return [p for p in plugins if any((a.text or "").strip() == artifact for a in _children(p, "artifactId"))]


def _configurations(plugin: ET.Element) -> list[ET.Element]:
    return _path(plugin, "configuration") + _path(plugin, "executions", "execution", "configuration")


def _resolve(value: str, props: dict[str, str]) -> str:
    for _ in range(5):  # ${a} -> ${b} -> 11
        resolved = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
        if resolved == value:
            break
        value = resolved
    return value


def java_major(text: str) -> int | None:
    """``11``, ``1.8`` (8), ``[17,)`` (17), ``17.0.15``: the major version, lower bound of a range."""
    match = re.search(r"(\d+)(?:\.(\d+))?", text)
    if not match:
        return None
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first


def jdk_minimum(root: Path) -> Minimum | None:
    """The newest Java level the workspace's poms compile for or enforce (None: they name none)."""
    best: tuple[int, str] | None = None
    props: dict[str, str] = {}
    for rel in POMS:
        pom = _pom(root, rel)
        if pom is None:
            continue
        props = {**props, **_properties(pom)}
        found = [(name, props[name]) for name in _JAVA_PROPERTIES if name in props]
        for plugin in _plugins(pom, "maven-compiler-plugin"):
            for config in _configurations(plugin):
                for tag in _COMPILER_TAGS:
                    found += [
                        (f"maven-compiler-plugin <{tag}>", n.text or "") for n in _children(config, tag)
                    ]
        for plugin in _plugins(pom, "maven-enforcer-plugin"):
            for config in _configurations(plugin):
                nodes = _path(config, "rules", "requireJavaVersion", "version")
                found += [("requireJavaVersion", n.text or "") for n in nodes]
        for setting, raw in found:
            value = _resolve(raw.strip(), props)
            major = java_major(value)
            if major is not None and (best is None or major > best[0]):
                best = (major, f"{rel}: {setting} {value}")
    return Minimum(str(best[0]), best[1]) if best else None


def maven_minimum(root: Path) -> Minimum | None:
    """The strictest ``requireMavenVersion`` of the poms."""
    best: tuple[tuple[int, ...], Minimum] | None = None
    for rel in POMS:
        pom = _pom(root, rel)
        if pom is None:
            continue
        for plugin in _plugins(pom, "maven-enforcer-plugin"):
            for config in _configurations(plugin):
                for node in _path(config, "rules", "requireMavenVersion", "version"):
                    raw = (node.text or "").strip()
                    numbers = re.search(r"\d+(?:\.\d+)*", raw)
                    if not numbers:
                        continue
                    key = tuple(int(p) for p in numbers.group(0).split("."))
                    if best is None or key > best[0]:
                        best = (key, Minimum(numbers.group(0), f"{rel}: requireMavenVersion {raw}"))
    return best[1] if best else None


@dataclass(frozen=True)
class NodeNeeds:
    node: Minimum | None
    yarn_major: int
    yarn: Minimum


def node_needs(root: Path) -> NodeNeeds | None:
    """What the UI package's ``engines`` asks of Node and yarn; None without a UI package."""
    path = root / UI_ROOT / "package.json"
    if not path.is_file():
        return None
    rel = (UI_ROOT / "package.json").as_posix()
    try:
        engines = json.loads(path.read_text(encoding="utf-8")).get("engines") or {}
    except (OSError, ValueError, AttributeError):
        engines = {}
    engines = engines if isinstance(engines, dict) else {}
    node = _npm_lower_bound(engines.get("node"))
    yarn = _npm_lower_bound(engines.get("yarn"))
    yarn_min = (
        Minimum(yarn, f"{rel}: engines.yarn {engines['yarn']}")
        if yarn
        else Minimum("1", "yarn 1 (the UI's lockfile format)")
    )
    return NodeNeeds(
        node=Minimum(node, f"{rel}: engines.node {engines['node']}") if node else None,
        yarn_major=int(yarn_min.version.split(".")[0]),
        yarn=yarn_min,
    )


def _npm_lower_bound(spec: object) -> str | None:
    """The version an npm range starts at (``>=10.0.0``, ``^1.22.0``, ``~16``, ``16.x``)."""
    if not isinstance(spec, str):
        return None
    match = re.search(r"(?:>=|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})", spec)
    return match.group(1) if match else None


@dataclass(frozen=True)
class AntlrNeeds:
    version: str | None
    source: str


def antlr_needs(root: Path) -> AntlrNeeds | None:
    """Whether a Makefile recipe runs ``antlr4``, and the version the tree pins (the runtime the
    generated parsers import, else the jar the Makefile's installer names)."""
    texts = {rel: read_text_or_empty(root / rel) for rel in MAKEFILES}
    callers = [rel for rel, text in texts.items() if _CALLS_ANTLR.search(text)]
    if not callers:
        return None
    pin = _ANTLR_PIN.search(read_text_or_empty(root / SETUP_PY))
    if pin:
        return AntlrNeeds(pin.group(1), f"{callers[0]} runs antlr4; {SETUP_PY.as_posix()} pins the runtime")
    for rel, text in texts.items():
        jar = _ANTLR_JAR.search(text)
        if jar:
            return AntlrNeeds(jar.group(1), f"{callers[0]} runs antlr4; {rel} names antlr-{jar.group(1)}")
    return AntlrNeeds(None, f"{callers[0]} runs antlr4")


def tool_name(argv: tuple[str, ...]) -> str:
    """The tool an argv runs, as the doctor names it: ``python`` for any interpreter path,
    the module for ``python -m uv``, else the executable's name."""
    name = Path(argv[0]).name
    if _PYTHON.match(name):
        if len(argv) > 2 and argv[1] == "-m":
            return argv[2]
        return "python"
    return name


def steps_by_tool(steps: Iterable[Step]) -> dict[str, list[str]]:
    """Tool name -> the ids of the steps that declare or run it."""
    found: dict[str, set[str]] = {}
    for step in steps:
        argvs = list(step.tools) + ([step.command] if step.command else [])
        for argv in argvs:
            if argv:
                found.setdefault(tool_name(tuple(argv)), set()).add(step.id)
    return {tool: sorted(ids) for tool, ids in sorted(found.items())}
