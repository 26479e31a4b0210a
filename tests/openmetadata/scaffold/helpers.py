"""Shared helpers for the scaffold tests: a small workspace, the CLI in-process, tree digests."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from connkit.openmetadata.scaffold import checks
from connkit.openmetadata.workspace import Workspace

DATA = Path(__file__).parent / "data" / "workspace"
RUFF_CONFIG = Path(__file__).parent / "ruff-connector.toml"
RUFF_CLASSIC = Path(__file__).parent / "ruff-classic.toml"


def make_workspace(root: Path) -> Workspace:
    shutil.copytree(DATA, root)
    return Workspace(root)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's bytes and mode, and every folder: what 'unchanged' means."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            out[rel + "/"] = f"dir:{path.stat().st_mode & 0o7777:o}"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mode & 0o7777:o}"
    return out


def run_cli(args: list[str], capsys: Any) -> tuple[int, str, str]:
    """Run ``connkit scaffold ARGS`` in-process; return (exit code, stdout, stderr)."""
    from connkit.cli.program import program

    code = 0
    try:
        program.run(["connkit", "scaffold", *args], exit=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ruff_check(paths: list[Path], config: Path = RUFF_CONFIG) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(config), *map(str, paths)],
        capture_output=True,
        text=True,
    )
    return "" if proc.returncode == 0 else proc.stdout + proc.stderr


def check_connector(
    ws: Workspace, service_type: str, name: str, module: str, classic: bool = False
) -> list[str]:
    """The 'works before anyone edits it' list, on the files as written."""
    problems: list[str] = []
    pkg = ws.source_package(service_type, name)
    py_files = sorted(pkg.glob("*.py")) + sorted((ws.root / "ingestion" / "tests").rglob(f"*{name}*.py"))
    integ = ws.root / "ingestion" / "tests" / "integration" / name
    py_files += sorted(integ.glob("*.py"))
    for path in py_files:
        error = checks.python_compiles(str(path), path.read_text())
        if error:
            problems.append(error)
    lint = ruff_check(py_files, RUFF_CLASSIC if classic else RUFF_CONFIG)
    if lint:
        problems.append("ruff: " + lint)
    schema = json.loads(ws.connection_schema(service_type, module).read_text())
    problems += checks.schema_problems(schema)
    problems += checks.unresolved_refs(schema, ws.spec_schema_dir)
    definition = json.loads(ws.test_connection(service_type, module).read_text())
    tcd_schema = json.loads(
        (ws.spec_schema_dir / "entity/services/connections/testConnectionDefinition.json").read_text()
    )
    import jsonschema

    for error in jsonschema.Draft7Validator(tcd_schema).iter_errors(definition):
        problems.append(f"test connection definition: {error.message}")
    keys = checks.test_fn_keys((pkg / "connection.py").read_text())
    if keys != checks.step_names(definition):
        problems.append(f"test_fn keys {keys} != steps {checks.step_names(definition)}")
    client = pkg / "client.py"
    if client.exists():
        problems += checks.pagination_problems(client.read_text())
    return problems
