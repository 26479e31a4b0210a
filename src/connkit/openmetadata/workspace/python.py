"""Which Python the workspace's ingestion package runs on, read from the tree, found on the machine.

Releases differ: 1.1 tests on 3.7–3.9 (its pydantic v1 models fail to import on 3.11), 2.x
needs 3.10+. What the tree says, strongest first:

1. the versions the release tests on: ``ingestion/noxfile.py`` sessions, the ``py-version`` /
   ``python-version`` matrix of ``.github/workflows/py-tests.yml``, the ``Programming Language
   :: Python :: 3.X`` classifiers of ``ingestion/setup.py``, ``pyproject.toml`` or ``PKG-INFO``;
2. otherwise any version ``python_requires`` / ``requires-python`` admits.

connkit's own interpreter is used when it qualifies; otherwise the newest qualifying one found
on PATH or under ``~/.pyenv/versions``. ``CONNKIT_PYTHON`` overrides all of this.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from connkit.errors import UsageError
from connkit.fsutil import read_text_or_empty

OVERRIDE_ENV = "CONNKIT_PYTHON"
_VERSION = re.compile(r"""["'](3\.\d{1,2})["']""")
_CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d{1,2})\b")
_REQUIRES = (
    ("ingestion/setup.py", re.compile(r"python_requires\s*=\s*[\"']([^\"']+)[\"']")),
    ("ingestion/pyproject.toml", re.compile(r"^requires-python\s*=\s*[\"']([^\"']+)[\"']", re.M)),
    ("ingestion/PKG-INFO", re.compile(r"^Requires-Python:\s*(.+)$", re.M)),
)
#: Newest first; what a person could have installed.
KNOWN = tuple(f"3.{minor}" for minor in range(14, 6, -1))


@dataclass(frozen=True)
class PythonChoice:
    """The interpreter for the workspace and why it qualifies."""

    path: Path
    version: str  # "3.9"
    why: str


def tested_versions(root: Path) -> tuple[tuple[str, ...], str]:
    """The Python versions the release says it tests on, and the file that says so."""
    nox = read_text_or_empty(root / "ingestion" / "noxfile.py")
    found = {v for line in nox.splitlines() if "python" in line for v in _VERSION.findall(line)}
    if found:
        return _newest_first(found), "ingestion/noxfile.py"
    workflow = read_text_or_empty(root / ".github" / "workflows" / "py-tests.yml")
    match = re.search(r"(?:py-version|python-version)\s*:\s*\[([^\]]+)\]", workflow)
    if match:
        found = set(_VERSION.findall(match.group(1)))
        if found:
            return _newest_first(found), ".github/workflows/py-tests.yml"
    for rel in ("ingestion/setup.py", "ingestion/pyproject.toml", "ingestion/PKG-INFO"):
        found = set(_CLASSIFIER.findall(read_text_or_empty(root / rel)))
        if found:
            return _newest_first(found), rel
    return (), ""


def requires_python(root: Path) -> tuple[SpecifierSet | None, str]:
    for rel, pattern in _REQUIRES:
        match = pattern.search(read_text_or_empty(root / rel))
        if match:
            try:
                return SpecifierSet(match.group(1).strip()), rel
            except InvalidSpecifier:
                continue
    return None, ""


def _newest_first(versions: set[str]) -> tuple[str, ...]:
    return tuple(sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")), reverse=True))


def acceptable_versions(root: Path) -> tuple[tuple[str, ...], str]:
    """The versions to choose from, newest first, and where the tree says so."""
    tested, source = tested_versions(root)
    if tested:
        return tested, f"{source} tests on {', '.join(sorted(tested))}"
    spec, source = requires_python(root)
    if spec is not None:
        allowed = tuple(v for v in KNOWN if spec.contains(f"{v}.0", prereleases=True))
        return allowed, f"{source} requires Python {spec}"
    return KNOWN, "the release declares no Python version"


def candidates(version: str) -> list[Path]:
    """Where an interpreter of ``version`` may be on this machine."""
    found: list[Path] = []
    on_path = shutil.which(f"python{version}")
    if on_path and "/shims/" not in on_path:  # a pyenv shim only re-dispatches; use the build
        found.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv_root.is_dir():
        builds = sorted(pyenv_root.glob(f"{version}.*"), key=_patch_level, reverse=True)
        found.extend(p for b in builds if (p := b / "bin" / f"python{version}").is_file())
    for prefix in ("/usr/local/bin", "/usr/bin"):
        path = Path(prefix) / f"python{version}"
        if path.is_file() and path not in found:
            found.append(path)
    return found


def uv_command() -> tuple[str, ...]:
    """uv on PATH, else the one installed beside connkit (a dependency)."""
    found = shutil.which("uv")
    return (found,) if found else (sys.executable, "-m", "uv")


def _patch_level(build: Path) -> tuple[int, ...]:
    parts = build.name.split(".")
    return tuple(int(p) if p.isdigit() else -1 for p in parts)


def choose_python(root: Path) -> PythonChoice:
    """The interpreter the workspace's Python environment is built from."""
    override = os.environ.get(OVERRIDE_ENV)
    if override:
        return PythonChoice(Path(override), "", f"${OVERRIDE_ENV}")
    versions, why = acceptable_versions(root)
    own = f"{sys.version_info.major}.{sys.version_info.minor}"
    if own in versions:
        return PythonChoice(Path(getattr(sys, "_base_executable", sys.executable)), own, why)
    for version in versions:
        found = candidates(version)
        if found:
            return PythonChoice(found[0], version, why)
    raise UsageError(
        f"no Python this release supports is installed ({why}); install one of "
        f"{', '.join(versions) or 'them'} (e.g. `pyenv install {versions[-1] if versions else '3.10'}`) "
        f"or point {OVERRIDE_ENV} at one"
    )
