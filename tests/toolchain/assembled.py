"""A real workspace for the toolchain tests and benchmark.

``connkit.workspace_create.create_workspace`` builds it where that module exists; until then
(or when it is absent from this checkout) the same layout is assembled here from the same
published artifacts: the ``openmetadata-spec`` jar from Maven Central and the
``openmetadata-ingestion`` sdist from PyPI, plus connkit's build templates.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from connkit.pyenv import uv_command
from connkit.resources import templates_dir

SPEC_VERSION = "1.4.0"
SDIST_VERSION = "1.4.0.1"
DOWNLOADS = Path(os.environ.get("CONNKIT_DOWNLOAD_CACHE", Path.home() / ".cache/connkit/downloads"))

UI_PACKAGE = {
    "name": "openmetadata-ui",
    "private": True,
    "scripts": {"parse-schema": "node parse-schema.js"},
    "devDependencies": {"@apidevtools/json-schema-ref-parser": "^11.7.0"},
}


def _spec_jar() -> Path:
    jar = (
        Path.home()
        / f".m2/repository/org/open-metadata/openmetadata-spec/{SPEC_VERSION}"
        / f"openmetadata-spec-{SPEC_VERSION}.jar"
    )
    if not jar.is_file():
        subprocess.run(
            [
                "mvn",
                "-B",
                "-q",
                "dependency:get",
                "-Dtransitive=false",
                f"-Dartifact=org.open-metadata:openmetadata-spec:{SPEC_VERSION}",
            ],
            check=True,
        )
    return jar


def _sdist() -> Path:
    target = DOWNLOADS / "pypi"
    found = sorted(target.glob(f"openmetadata*ingestion-{SDIST_VERSION}.tar.gz"))
    if not found:
        target.mkdir(parents=True, exist_ok=True)
        # pip where this interpreter has it; uv-made environments (nox) have none: run it with uv.
        has_pip = importlib.util.find_spec("pip") is not None
        pip = [sys.executable, "-m", "pip"] if has_pip else [*uv_command(), "tool", "run", "pip"]
        subprocess.run(
            [*pip, "download", "-q", "--no-deps", "--no-binary", ":all:"]
            + [f"openmetadata-ingestion=={SDIST_VERSION}", "-d", str(target)],
            check=True,
        )
        found = sorted(target.glob(f"openmetadata*ingestion-{SDIST_VERSION}.tar.gz"))
    return found[0]


def assemble(root: Path) -> Path:
    """A workspace at ``root`` from the published spec jar and ingestion sdist."""
    try:
        from connkit.workspace_create import create_workspace
    except ImportError:
        create_workspace = None
    if create_workspace is not None:
        create_workspace(root, progress=lambda m: print(m, file=sys.stderr))
        return root
    resources = root / "openmetadata-spec/src/main/resources"
    resources.mkdir(parents=True)
    with zipfile.ZipFile(_spec_jar()) as jar:
        for member in jar.namelist():
            if member.startswith("json/schema/") and member.endswith(".json"):
                jar.extract(member, resources)
    with tarfile.open(_sdist()) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        sdist.extractall(root / ".unpack", filter="data")
    shutil.move(root / ".unpack" / top, root / "ingestion")
    shutil.rmtree(root / ".unpack")
    shutil.copytree(templates_dir() / "workspace" / "build", root, dirs_exist_ok=True)
    package = root / "openmetadata-ui/src/main/resources/ui/package.json"
    if not package.exists():
        package.write_text(json.dumps(UI_PACKAGE, indent=2) + "\n")
    return root
