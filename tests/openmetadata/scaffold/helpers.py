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

GRAFANA = [  # OpenMetadata's "Build a Connector with AI" guide (v1.12.x docs), verbatim
    "--name",
    "grafana",
    "--service-type",
    "dashboard",
    "--auth-types",
    "token",
    "--docs-url",
    "https://grafana.com/docs/grafana/latest/developers/http_api/",
    "--api-endpoints",
    "GET /api/search, GET /api/dashboards/uid/:uid, GET /api/datasources",
    "--docs-notes",
    "Dashboards are found via /api/search?type=dash-db; uid is the stable id.",
    "--docker-image",
    "grafana/grafana:latest",
    "--docker-port",
    "3000",
]


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


APACHE_HEADER = """#  Copyright 2021 Collate
#  Licensed under the Apache License, Version 2.0 (the "License");
#  you may not use this file except in compliance with the License.
"""

# What a 1.1 ingestion framework declares, reduced to the lines scaffold reads.
RELEASE_1_1_FILES = {
    "ingestion/setup.py": 'base_requirements = {"pydantic~=1.10"}\n',
    "ingestion/src/metadata/ingestion/api/source.py": (
        "class InvalidSourceException(Exception):\n    pass\n\n\n"
        "class Source:\n    @classmethod\n    def create(cls, config_dict, metadata_config):\n        pass\n"
    ),
    "ingestion/src/metadata/ingestion/models/topology.py": "class TopologyContext:\n    pass\n",
    "ingestion/src/metadata/ingestion/connections/test_connections.py": (
        "def test_connection_steps(metadata, service_fqn, test_fn, automation_workflow=None):\n    pass\n"
    ),
    "ingestion/src/metadata/ingestion/source/database/database_service.py": (
        "class DatabaseServiceSource:\n"
        + "".join(
            f"    def {m}(self):\n        pass\n\n"
            for m in ("get_database_names", "yield_table", "yield_view_lineage", "register_record")
        )
    ),
}


def make_release_1_1_workspace(root: Path) -> Workspace:
    """The test workspace reshaped like the 1.1 checkout: Apache headers, no ServiceSpec, no
    shared auth schemas, 1.1's source API (no Either, create(config_dict, metadata_config),
    entities in the topology context, test_connection_steps(service_fqn=...)), no search/api."""
    ws = make_workspace(root)
    shutil.rmtree(ws.root / "ingestion/src/metadata/utils/service_spec")
    shutil.rmtree(ws.connections_dir("database") / "common")
    for service_type in ("search", "api"):
        ws.service_schema(service_type).unlink()
    for rel, text in RELEASE_1_1_FILES.items():
        (ws.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws.root / rel).write_text(text)
    for init in (ws.root / "ingestion/src/metadata/ingestion/source").glob("*/*/__init__.py"):
        init.write_text(APACHE_HEADER)
    return ws
