"""``connkit doctor``: can this machine do the whole workflow, before anything runs?

Reads what the workspace asks for from its tree (``needs``), probes the tools with the
engine's version commands (``tools``), asks each registry one small question (``network``)
and looks at the free space where the caches grow (``disk``). A tool counts as needed when a
step of the workspace runs it (outside a workspace: everything the default workspace runs);
Graphviz is optional everywhere. Probes run in parallel: ``mvn -v`` alone takes a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from connkit.errors import ConnkitError
from connkit.openmetadata.doctor import disk, needs, network, tools
from connkit.openmetadata.doctor.model import Check, Report, State
from connkit.openmetadata.workspace import Workspace

__all__ = ["Check", "Report", "State", "diagnose"]


def _uses(ws: Workspace | None) -> dict[str, list[str]] | None:
    """Tool -> the steps that run it; None outside a workspace (or when its steps cannot be
    built: then every tool counts as needed, and the run itself will say what is wrong)."""
    if ws is None:
        return None
    from connkit.openmetadata.steps.catalog import all_steps

    try:
        return needs.steps_by_tool(all_steps(ws))
    except ConnkitError:
        return None


def _places(ws: Workspace | None) -> list[disk.Place]:
    from connkit.openmetadata.release.artifacts import default_cache_root

    places = [disk.Place("download cache", default_cache_root(), "CONNKIT_DOWNLOAD_CACHE")]
    if ws is not None:
        places.append(disk.Place("workspace cache", ws.state_dir / "cache", "CONNKIT_CACHE_DIR"))
    return places


def diagnose(ws: Workspace | None, environ: Mapping[str, str] | None = None) -> Report:
    """Every check, in the order a connector author's workflow meets them."""
    environ = os.environ if environ is None else environ
    root: Path | None = ws.root if ws is not None else None
    need = tools.Need(_uses(ws), "the default workspace")
    node_needs = needs.node_needs(root) if root else None
    jobs: list[Callable[[], Check | list[Check]]] = [
        lambda: tools.simple_tool(
            "git",
            "git",
            ("git", "--version"),
            r"git version (\S+)",
            environ,
            (True, "ci.matrix, register's diffs, a checkout's server build"),
        ),
        lambda: tools.simple_tool(
            "make", "make", ("make", "--version"), r"Make (\S+)", environ, need.of("make")
        ),
        lambda: tools.maven(environ, needs.maven_minimum(root) if root else None, need.of("mvn")),
        lambda: tools.jdk(
            environ, needs.jdk_minimum(root) if root else None, need.of("java"), root is not None
        ),
        lambda: tools.node(environ, node_needs, need.of("node")),
        lambda: tools.yarn(environ, node_needs, need.of("yarn")),
        lambda: tools.uv(environ, need.of("uv")),
        lambda: tools.python(root, environ, need.of("python")),
        lambda: tools.docker_engine(environ),
        lambda: tools.compose(environ),
        lambda: tools.debootstrap(environ),
        lambda: tools.simple_tool(
            "Graphviz dot",
            "dot",
            ("dot", "-V"),
            r"version (\S+)",
            environ,
            (False, "connkit graph --output x.svg (optional)"),
        ),
        *[(lambda r=r: network.check(r)) for r in network.registries(environ, root)],
        lambda: disk.check(_places(ws)),
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    checks: list[Check] = []
    for result in results:
        checks.extend(result if isinstance(result, list) else [result])
    jdk = next(c for c in checks if c.name == "JDK")
    antlr = tools.antlr(needs.antlr_needs(root) if root else None, jdk, root is not None)
    checks.insert(checks.index(jdk) + 1, antlr)
    return Report(str(root) if root else None, checks)
