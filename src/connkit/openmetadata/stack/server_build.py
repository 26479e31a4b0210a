"""The OpenMetadata server built from the checkout with its own Maven build, as a cached step.

The command is upstream's ``no-ui`` build (``run_local_docker.sh -m no-ui``): ``mvn -DskipTests
clean package -DonlyBackend -pl !openmetadata-ui``, leaving out the Java client too (the
server's assembly does not use it). The step is keyed on what the build reads (poms, the
Java and spec sources, the migrations, config and scripts the assembly packs), so a rerun with
no Java or schema change is a cache hit. Its output is the assembly's tarball, kept under
``.connkit/stack/server/`` so a later ``mvn clean`` or a fresh unpack does not lose it.

With the UI (``--mode ui``, upstream's default) it is upstream's ``ui`` build instead: the same
command without ``-DonlyBackend``, so ``openmetadata-dist``'s default profile depends on the UI
module's jar and packs it into ``libs/`` (the server serves its ``assets/`` from the
classpath), with frontend-maven-plugin's own skip switches (``-Dskip.installyarn
-Dskip.yarn``: no Node or yarn download, no second ``yarn install``/``yarn run build``), so the
module jars the UI the ``stack.ui.build`` step made with this machine's Node. That step is a
dependency: the server is rebuilt when the UI changes, and is keyed on it.

A failed build fails the step with the failing module and its first error; nothing downstream
(the server image) is built.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.step import Step, StepContext, StepFailed

STEP_ID = "stack.server.build"
DIST_OUTPUT = ".connkit/stack/server/openmetadata.tar.gz"
DIST_GLOB = "openmetadata-dist/target/openmetadata-*.tar.gz"
#: Modules the server's assembly does not need: the UI (in no-ui mode) and the Java client.
EXCLUDED = ("!openmetadata-ui", "!openmetadata-clients", "!openmetadata-clients/openmetadata-java-client")
COMMAND = ("mvn", "-B", "-Dstyle.color=never", "-DskipTests", "-DonlyBackend", "clean", "package")
#: ui mode: the default profile (the dist depends on the UI jar), the UI built outside Maven.
UI_EXCLUDED = EXCLUDED[1:]
UI_COMMAND = (
    "mvn",
    "-B",
    "-Dstyle.color=never",
    "-DskipTests",
    "-Dskip.installyarn",
    "-Dskip.yarn",
    "clean",
    "package",
)
#: What the UI module jars besides the build (its other ``<resource>``).
UI_MODULE_INPUTS = ("openmetadata-ui/src/main/resources/json",)
INPUTS = (
    "pom.xml",
    "*/pom.xml",
    "*/*/pom.xml",
    ".mvn",
    "common/src",
    "openmetadata-spec/src",
    "openmetadata-service/src",
    "openmetadata-dist/src",
    "bootstrap",
    "conf",
    "bin",
    "README.md",
)

_FAILED_MODULE = re.compile(r"^\[INFO\] (\S.*?) \.{2,} FAILURE\b")
_ON_PROJECT = re.compile(r"on project ([\w.-]+)")
_RESUME = re.compile(r"-rf :([\w.-]+)")
_NOISE = {"", "COMPILATION ERROR :", "-> [Help 1]", "BUILD FAILURE"}


@dataclass(frozen=True)
class MavenFailure:
    module: str
    error: str

    def message(self) -> str:
        return f"the server's Maven build failed in module {self.module}: {self.error}"


def parse_failure(lines: Sequence[str], root: Path | None = None) -> MavenFailure:
    """The failing module (the Reactor Summary's FAILURE line, else ``on project X``) and the
    first ``[ERROR]`` line that says something (javac's come before the summary)."""
    module = ""
    error = ""
    for line in lines:
        text = line.rstrip()
        match = _FAILED_MODULE.match(text)
        if match and not module:
            module = match.group(1)
        if text.startswith("[ERROR]") and not error:
            body = text[len("[ERROR]") :].strip().removesuffix("-> [Help 1]").strip()
            if body not in _NOISE:
                error = body
    if not module:
        for line in lines:
            match = _ON_PROJECT.search(line) or _RESUME.search(line)
            if match:
                module = match.group(1)
                break
    if root is not None:
        error = error.replace(f"{root}/", "")
    return MavenFailure(module or "(unknown)", (error or "no [ERROR] line; see the log")[:400])


def _git_ready(root: Path) -> str:
    """Why the checkout cannot give the build its revision (the buildnumber plugin), or ''."""
    if shutil.which("git") is None:
        return "git is not installed (the server's build reads the checkout's revision): install git"
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        return (
            "the checkout is not a git repository with a commit, which the server's build needs "
            "(buildnumber plugin): run `git init && git add -A && git commit -m checkout` in it"
        )
    return ""


def argv(with_ui: bool) -> list[str]:
    if with_ui:
        return [*UI_COMMAND, "-pl", ",".join(UI_EXCLUDED)]
    return [*COMMAND, "-pl", ",".join(EXCLUDED)]


def build(ctx: StepContext, root: Path, with_ui: bool = False) -> None:
    problem = _git_ready(root)
    if problem:
        raise StepFailed(problem)
    argv_ = argv(with_ui)
    ctx.log(" ".join(argv_))
    lines: list[str] = []
    proc = subprocess.Popen(
        argv_, cwd=root, env=ctx.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        ctx.log(line)
    code = proc.wait()
    if code != 0:
        raise StepFailed(parse_failure(lines, root).message())
    found = sorted(p for p in root.glob(DIST_GLOB) if not p.name.endswith("-src.tar.gz"))
    if not found:
        raise StepFailed(f"the Maven build succeeded but left no {DIST_GLOB}")
    target = root / DIST_OUTPUT
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    shutil.copyfile(found[-1], tmp)
    tmp.replace(target)
    ctx.log(f"server assembly: {found[-1].relative_to(root)} ({found[-1].stat().st_size // 2**20} MiB)")


def step(root: Path, ui_step: str = "") -> Step:
    """The server's build; with ``ui_step`` (the UI build's step id) the build with the UI."""
    with_ui = bool(ui_step)

    def run(ctx: StepContext) -> None:
        build(ctx, root, with_ui)

    if not with_ui:
        return Step(
            id=STEP_ID,
            inputs=INPUTS,
            outputs=(DIST_OUTPUT,),
            action=run,
            action_version="1|" + " ".join((*COMMAND, *EXCLUDED)),
            pass_env=("MAVEN_ARGS",),
            tools=(("mvn", "-v"), ("java", "-version"), ("git", "--version")),
            description="the OpenMetadata server (the checkout's Maven build, no UI)",
        )
    return Step(
        id=STEP_ID,
        inputs=(*INPUTS, *UI_MODULE_INPUTS),
        outputs=(DIST_OUTPUT,),
        action=run,
        action_version="1|" + " ".join((*UI_COMMAND, *UI_EXCLUDED)),
        deps=(ui_step,),
        pass_env=("MAVEN_ARGS",),
        tools=(("mvn", "-v"), ("java", "-version"), ("git", "--version")),
        description="the OpenMetadata server with the UI (the checkout's Maven build, the UI built by yarn)",
    )
