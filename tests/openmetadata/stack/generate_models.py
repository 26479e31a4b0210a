"""Generate a 1.1 checkout's Pydantic models with its own ``make generate``, for the stack tests.

Stands in for connkit's ``generate.python`` step on a checkout until that step runs there (the
stack only depends on the step id): the checkout's tests install it as a workspace step in
``connkit.toml``. What the release's recipe needs and this machine lacks is provided here:
an environment of the Python the release supports with the datamodel-code-generator its dev
extra pins, an ``antlr4`` command running Maven Central's ANTLR jar (upstream downloads it
from a site not reachable here), and ``MAKE='make -o install'`` so the recipe's final
``pip install ingestion/`` (which the environment has no pip for) is skipped.

Usage: python generate_models.py CHECKOUT TOOLS_DIR
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ANTLR = "org.antlr:antlr4:{version}:jar:complete"
#: What the release's ``make generate`` writes: the models, and (``js_antlr``) the UI's parsers.
OUTPUTS = ("ingestion/src/metadata/generated", "openmetadata-ui/src/main/resources/ui/src/generated/antlr")
INPUTS = (
    "openmetadata-spec/src/main/resources/json/schema",
    "openmetadata-spec/src/main/antlr4",
    "Makefile",
    "scripts/datamodel_generation.py",
)


def workspace_step(tools: Path) -> str:
    """The ``connkit.toml`` that installs this script as the checkout's ``generate.python``."""
    import json

    command = [sys.executable, str(Path(__file__).resolve()), ".", str(tools)]
    return (
        "[[steps]]\n"
        'id = "generate.python"\n'
        f"inputs = {json.dumps(list(INPUTS))}\n"
        f"outputs = {json.dumps(list(OUTPUTS))}\n"
        f"command = {json.dumps(command)}\n"
    )


def _pin(setup_py: str, package: str, default: str) -> str:
    match = re.search(rf"[\"']{re.escape(package)}==([\w.]+)[\"']", setup_py)
    return match.group(1) if match else default


def main(root: Path, tools: Path) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
    from connkit.openmetadata.workspace.python import choose_python

    setup_py = (root / "ingestion" / "setup.py").read_text(encoding="utf-8")
    python = choose_python(root)
    venv = tools / f"venv-{python.version or 'x'}"
    generator = _pin(setup_py, "datamodel-code-generator", "0.15.0")
    if not (venv / "bin" / "datamodel-codegen").is_file():
        subprocess.run(["uv", "venv", "-q", "-p", str(python.path), str(venv)], check=True)
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(venv / "bin" / "python"),
                f"datamodel-code-generator=={generator}",
            ],
            check=True,
        )
    antlr_version = _pin(setup_py, "antlr4-python3-runtime", "4.9.2")
    jar = tools / f"antlr4-{antlr_version}-complete.jar"
    if not jar.is_file():
        subprocess.run(
            [
                "mvn",
                "-B",
                "-q",
                "dependency:copy",
                f"-Dartifact={ANTLR.format(version=antlr_version)}",
                f"-DoutputDirectory={tools}",
            ],
            check=True,
            cwd=tools,
        )
    wrapper = tools / "bin" / "antlr4"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec java -jar "{jar}" "$@"\n')
    wrapper.chmod(0o755)
    env = dict(os.environ, PWD=str(root), PATH=f"{venv / 'bin'}:{wrapper.parent}:{os.environ['PATH']}")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["make", "generate", "MAKE=make -o install"], cwd=root, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()))
