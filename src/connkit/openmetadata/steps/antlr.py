"""The ANTLR tool a checkout's ``make generate`` calls (``antlr4 -Dlanguage=Python3 ...``).

Upstream's ``install_antlr_cli`` downloads the jar from antlr.org into ``/usr/local/bin``;
connkit instead fetches ``org.antlr:antlr4:X:jar:complete`` from Maven Central with Maven
(the ordinary client) into its own state, next to an ``antlr4`` wrapper (``java -jar``) that
goes on the generate recipe's PATH only, never into the user's system. The version is the
one the tree asks for: the ``antlr4-python3-runtime==X`` pin of ``ingestion/setup.py`` (the
generated parsers must match the runtime they import), else the jar named in the Makefile.
The step is keyed by that version alone, so any other edit to those files keeps it cached.
"""

from __future__ import annotations

import re
from pathlib import Path

from connkit.engine.step import Step, StepContext, StepFailed
from connkit.fsutil import read_text_or_empty
from connkit.openmetadata.makefile import makefiles
from connkit.openmetadata.steps import maven
from connkit.openmetadata.workspace import SETUP_PY, Workspace

STEP_ID = "tools.antlr"
TOOLS_DIR = ".connkit/tools"
_RUNTIME_PIN = re.compile(r"[\"']antlr4-python3-runtime\s*==\s*([0-9][0-9.]*)[\"']")
_JAR_URL = re.compile(r"antlr-([0-9]+(?:\.[0-9]+)+)-complete\.jar")
_CALLS_ANTLR = re.compile(r"^\t[@+-]*\s*antlr4\s", re.M)
#: Relative to itself, so the folder works wherever the cache restores it.
WRAPPER = (
    "#!/bin/sh\n"
    "# connkit: ANTLR {version} from Maven Central\n"
    'exec java -jar "$(dirname "$0")/../{jar}" "$@"\n'
)


def antlr_version(root: Path) -> tuple[str | None, str]:
    """The ANTLR version the tree asks for, and where it says so."""
    text = read_text_or_empty(root / SETUP_PY)
    match = _RUNTIME_PIN.search(text)
    if match:
        return match.group(1), "ingestion/setup.py pins antlr4-python3-runtime"
    for rel in makefiles(root):
        match = _JAR_URL.search(read_text_or_empty(root / rel))
        if match:
            return match.group(1), f"{rel} installs antlr-{match.group(1)}-complete.jar"
    return None, ""


def needs_antlr(root: Path) -> bool:
    """Whether a recipe of the workspace's Makefiles runs the ``antlr4`` command."""
    return any(_CALLS_ANTLR.search(read_text_or_empty(root / rel)) for rel in makefiles(root))


def tool_dir(version: str) -> str:
    return f"{TOOLS_DIR}/antlr-{version}"


def bin_dir(root: Path, version: str) -> Path:
    """Where the ``antlr4`` wrapper is: put it first on a recipe's PATH."""
    return root / tool_dir(version) / "bin"


def antlr_step(ws: Workspace) -> Step | None:
    """``tools.antlr`` where a recipe calls ``antlr4`` and the tree names a version."""
    if not needs_antlr(ws.root):
        return None
    version, why = antlr_version(ws.root)
    if version is None:
        return None
    jar = f"antlr4-{version}-complete.jar"
    folder = tool_dir(version)
    settings = maven.central_settings(ws)

    def fetch(ctx: StepContext) -> None:
        ctx.log(f"ANTLR {version}: {why}")
        out = ctx.project.root / folder
        out.mkdir(parents=True, exist_ok=True)
        argv = ["mvn", "-B", "-q", "-Dstyle.color=never", *maven.settings_args(ctx, settings)]
        argv += [
            "dependency:copy",
            f"-Dartifact=org.antlr:antlr4:{version}:jar:complete",
            f"-DoutputDirectory={out}",
        ]
        ctx.run(argv, cwd=folder)  # no pom.xml there: Maven asks Central only
        if not (out / jar).is_file():
            raise StepFailed(f"Maven left no {jar} in {folder}")
        wrapper = out / "bin" / "antlr4"
        wrapper.parent.mkdir(exist_ok=True)
        wrapper.write_text(WRAPPER.format(version=version, jar=jar), encoding="utf-8")
        wrapper.chmod(0o755)

    return Step(
        id=STEP_ID,
        outputs=(folder,),
        action=fetch,
        action_version=f"1|org.antlr:antlr4:{version}:jar:complete|{settings.digest_text()}",
        pass_env=("MAVEN_ARGS",),
        description=f"ANTLR {version} (Maven Central) and an antlr4 wrapper for the generate recipe",
    )
