"""The workspace's Python environment: the active virtualenv, else one connkit keeps.

Steps that need the workspace's ingestion package (model generation, tests, formatting with
the release's tools) run in the virtualenv the user activated, as upstream's habit is. Without
one, connkit creates ``.connkit/venv`` with a cached ``pyenv`` step:

- from the interpreter the release supports (``workspace.python.choose_python``: 3.9 for a
  1.1 checkout, whose pydantic v1 models do not import on 3.11), keyed on its version;
- an editable install of ``ingestion/``, with the ``dev`` extra where the workspace's own
  ``install_dev`` recipe installs it (a checkout: it brings the pinned generator and black),
  plus pytest and the formatters at the versions ``connkit.openmetadata.formatting`` chose;
- keyed on its own absolute location too: a venv only works where it was made (script
  shebangs and ``pyvenv.cfg`` name absolute paths), so a clone elsewhere or a remote-cache
  hit never restores one made at another path.

Some releases only install here with extra pins, which connkit supplies per release; users add
their own with ``--constraints FILE`` or config.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.step import Step, StepContext, StepFailed
from connkit.errors import UsageError
from connkit.openmetadata import formatting
from connkit.openmetadata.makefile import rule_lines
from connkit.openmetadata.workspace import Workspace, versions
from connkit.openmetadata.workspace.python import choose_python, uv_command

STEP_ID = "pyenv"
VENV = ".connkit/venv"
#: Files whose content decides what the environment must hold.
PACKAGE_FILES = (
    "ingestion/setup.py",
    "ingestion/pyproject.toml",
    "ingestion/setup.cfg",
    "ingestion/PKG-INFO",
)
#: Variables that steer where uv and pip download from; passed, not keyed.
INDEX_ENV = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "PIP_INDEX_URL", "UV_NATIVE_TLS")


@dataclass(frozen=True)
class ReleasePins:
    """What one line of releases needs beyond its own metadata to install here."""

    prefix: str
    requirements: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    why: str = ""


#: Measured on the package mirror this project builds against (see REFERENCE.md).
RELEASE_PINS: tuple[ReleasePins, ...] = (
    ReleasePins(
        "1.4.",
        requirements=("setuptools<81", "google-auth"),
        why="the 1.4 framework imports pkg_resources, and its storage base class imports google.auth",
    ),
    ReleasePins("2.0.", constraints=("dbt-core<1.12",), why="dbt-core 1.12 needs a wheel from outside"),
    ReleasePins(
        "2.0.7",
        overrides=("certifi==2026.10.18",),
        why="2.0.7 requires a certifi newer than the mirror serves",
    ),
)


@dataclass(frozen=True)
class PythonEnv:
    """The interpreter steps use and whether connkit manages it (then ``pyenv`` builds it)."""

    python: Path
    managed: bool

    @property
    def bin_dir(self) -> Path:
        return self.python.parent

    @property
    def deps(self) -> tuple[str, ...]:
        return (STEP_ID,) if self.managed else ()

    def installed(self, *dists: str) -> str:
        """Versions of ``dists`` in an active env, read from dist-info names (no process).

        A managed env answers "managed": the ``pyenv`` step's key already covers what it
        holds, and it may not exist yet when steps are built.
        """
        if self.managed:
            return "managed"
        found = []
        for dist in dists:
            stem = re.sub(r"[-_.]+", "_", dist).lower()
            names = self.bin_dir.parent.glob(f"lib/python*/site-packages/{stem}-*.dist-info")
            found.append(",".join(sorted(p.name.removesuffix(".dist-info") for p in names)) or f"{stem}-none")
        return ";".join(found)

    def activate(self, env: dict[str, str]) -> None:
        """Make ``python``, ``pip`` and the env's scripts come first on the step's PATH."""
        env["PATH"] = os.pathsep.join([str(self.bin_dir), env.get("PATH", os.defpath)])
        env["VIRTUAL_ENV"] = str(self.bin_dir.parent)


def python_env(ws: Workspace, environ: Mapping[str, str] | None = None) -> PythonEnv:
    environ = os.environ if environ is None else environ
    active = environ.get("VIRTUAL_ENV")
    if active:
        return PythonEnv(Path(active) / "bin" / "python", managed=False)
    return PythonEnv(ws.root / VENV / "bin" / "python", managed=True)


def ingestion_version(ws: Workspace) -> str:
    """The ingestion package's version from its sdist metadata, pyproject or setup.py."""
    return versions.ingestion_version(ws.root)


def release_pins(version: str) -> list[ReleasePins]:
    return [pins for pins in RELEASE_PINS if version.startswith(pins.prefix)]


def pinned_tool(ws: Workspace, name: str) -> str:
    """The requirement the release's setup.py gives for ``name`` (e.g. ``ruff~=0.15.12``)."""
    setup = ws.ingestion_dir / "setup.py"
    text = setup.read_text(encoding="utf-8", errors="replace") if setup.is_file() else ""
    match = re.search(rf'"({re.escape(name)}\s*[=~<>!][^"]*)"', text)
    return match.group(1).replace(" ", "") if match else name


@dataclass(frozen=True)
class InstallPlan:
    """Everything the managed environment is built from; each part enters the step's key."""

    requirements: tuple[str, ...]
    constraints: tuple[str, ...]
    overrides: tuple[str, ...]
    constraint_files: tuple[str, ...]
    editable: str = "ingestion/"  # ``ingestion/[dev]`` where the workspace installs its dev extra
    why: tuple[str, ...] = ()  # how the formatter versions were chosen

    def digest_text(self) -> str:
        parts = (self.requirements, self.constraints, self.overrides)
        return "|".join([self.editable, *(";".join(part) for part in parts)])


def installs_dev_extra(ws: Workspace) -> bool:
    """Whether the workspace's own ``install_dev`` recipe installs ingestion's ``dev`` extra."""
    return any(re.search(r"\[[^\]]*\bdev\b[^\]]*\]", line) for line in rule_lines(ws.root, "install_dev"))


def formatter_requirements(ws: Workspace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The formatters' requirements for both modes (apply and check) and why each version."""
    found: dict[str, tuple[str, str]] = {}
    for check in (False, True):
        model = formatting.formatters(ws.root, check)
        for requirement, why in zip(model.requirements, model.why, strict=True):
            found.setdefault(requirement, (requirement, why))
    return tuple(r for r, _ in found.values()), tuple(w for _, w in found.values())


def install_plan(ws: Workspace, constraint_files: Sequence[Path] = ()) -> InstallPlan:
    tools, why = formatter_requirements(ws)
    requirements = [pinned_tool(ws, "datamodel-code-generator"), *tools, "pytest", "pip"]
    constraints: list[str] = []
    overrides: list[str] = []
    for pins in release_pins(ingestion_version(ws)):
        requirements += pins.requirements
        constraints += pins.constraints
        overrides += pins.overrides
    files = []
    for path in constraint_files:
        path = Path(path)
        if not path.is_file():
            raise UsageError(f"constraints file {path} does not exist; pass a pip constraints file")
        files.append(ws.rel(path.resolve()) if _inside(ws.root, path) else str(path.resolve()))
    editable = "ingestion/[dev]" if installs_dev_extra(ws) else "ingestion/"
    return InstallPlan(tuple(requirements), tuple(constraints), tuple(overrides), tuple(files), editable, why)


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _outside_digest(files: Sequence[str]) -> str:
    """Constraint files outside the workspace cannot be inputs; their content keys the step."""
    from connkit.engine.hashing import digest_text

    parts = [f"{f}={digest_text(Path(f).read_text(encoding='utf-8'))}" for f in files if os.path.isabs(f)]
    return ";".join(parts)


def base_python(ws: Workspace) -> tuple[str | None, str]:
    """The interpreter the managed venv copies and why; (None, the fix) when none qualifies."""
    try:
        choice = choose_python(ws.root)
    except UsageError as exc:
        return None, str(exc)
    return str(choice.path), choice.why


def pyenv_step(ws: Workspace, constraint_files: Sequence[Path] = ()) -> Step:
    plan = install_plan(ws, constraint_files)
    python, why = base_python(ws)
    uv = uv_command()
    location = str((ws.root / VENV).absolute())

    def build(ctx: StepContext) -> None:
        if python is None:
            raise StepFailed(why)
        ctx.log(f"python {python}: {why}")
        for line in plan.why:
            ctx.log(f"formatter {line}")
        venv = ctx.project.root / VENV
        if venv.exists():
            shutil.rmtree(venv)
        # --copies: the interpreter is copied, not linked outside the workspace, so the whole
        # environment is an ordinary output the cache can store and restore (at this path).
        ctx.run([python, "-m", "venv", "--copies", "--without-pip", str(venv)])
        argv = [*uv, "pip", "install", "--python", str(venv / "bin" / "python"), "-e", plan.editable]
        argv += list(plan.requirements)
        with tempfile.TemporaryDirectory(prefix="connkit-pyenv-") as tmp:
            for flag, pins in (("-c", plan.constraints), ("--override", plan.overrides)):
                if pins:
                    path = Path(tmp) / f"{flag.strip('-')}.txt"
                    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
                    argv += [flag, str(path)]
            for extra in plan.constraint_files:
                argv += ["-c", str(ctx.project.root / extra)]
            ctx.run(argv)

    return Step(
        id=STEP_ID,
        inputs=(*PACKAGE_FILES, *(f for f in plan.constraint_files if not os.path.isabs(f))),
        outputs=(VENV,),
        action=build,
        action_version=f"2|{plan.digest_text()}|{_outside_digest(plan.constraint_files)}|at={location}",
        pass_env=INDEX_ENV,
        env=("CONNKIT_PYTHON",),
        tools=(((python, "--version"),) if python else ()) + ((*uv, "--version"),),
        description=f"the workspace's Python environment (.connkit/venv): {plan.editable} editable + tools",
    )
