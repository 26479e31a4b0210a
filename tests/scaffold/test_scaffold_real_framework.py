"""Scaffolded connectors against the REAL openmetadata-ingestion framework (slow).

The workspace is the published sdist of openmetadata-ingestion (framework, base classes,
pre-generated models) plus the small spec tree under data/. The new connectors' models are
generated with datamodel-code-generator using upstream's arguments, then the scaffolded unit
tests run in a venv that has the real framework installed, and ruff runs with the sdist's own
configuration. Venvs and downloads are cached under CONNKIT_TEST_CACHE (default
~/.cache/connkit-tests); /work/venvs/om is reused when present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from connkit.names import connector_names

from .helpers import make_workspace, run_cli

pytestmark = pytest.mark.slow

OM_VERSION = "2.0.6.0"
CODEGEN_VERSION = "0.83.0"  # what openmetadata-ingestion 2.0.6.0 pins
CODEGEN_ARGS = [
    "--input-file-type",
    "jsonschema",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--use-annotated",
    "--base-class",
    "metadata.ingestion.models.custom_pydantic.BaseModel",
    "--set-default-enum-member",
]
CONNECTORS = [
    ("database", "sqlalchemy", ["--capabilities", "metadata,lineage,usage,stored_procedures"]),
    ("database", "rest_api", []),
    ("dashboard", "rest_api", ["--auth-types", "basic,token"]),
    ("dashboard", "sdk_client", ["--sdk-package", "json"]),
    ("pipeline", "rest_api", ["--auth-types", "token"]),
    ("messaging", "rest_api", []),
    ("mlmodel", "rest_api", ["--api-endpoints", "/api/2.0/models"]),
    ("storage", "rest_api", ["--auth-types", "iam"]),
    ("search", "rest_api", []),
    ("api", "rest_api", []),
]


def _cache() -> Path:
    root = Path(os.environ.get("CONNKIT_TEST_CACHE", Path.home() / ".cache" / "connkit-tests"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if not Path(found).exists():
        pytest.skip("uv is needed to build the framework venv (pip install uv)")
    return found


def _venv(name: str, packages: list[str], probe: str) -> Path:
    """A cached venv with ``packages``; ``probe`` is a module that proves it is complete."""
    preset = os.environ.get("CONNKIT_OM_PYTHON") if name.startswith("om-") else None
    for candidate in filter(None, [preset, "/work/venvs/om/bin/python" if name.startswith("om-") else None]):
        if Path(candidate).exists() and subprocess.run([candidate, "-c", f"import {probe}"]).returncode == 0:
            return Path(candidate)
    venv = _cache() / name
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", f"import {probe}"]).returncode != 0:
        subprocess.run([_uv(), "venv", str(venv), "--python", "3.11", "-q"], check=True)
        subprocess.run([_uv(), "pip", "install", "-q", "--python", str(python), *packages], check=True)
    return python


def _sdist() -> Path:
    target = _cache() / f"openmetadata_ingestion-{OM_VERSION}"
    if not (target / "src" / "metadata" / "ingestion").is_dir():
        downloads = _cache() / "downloads"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"openmetadata-ingestion=={OM_VERSION}",
                "-d",
                str(downloads),
            ],
            check=True,
        )
        archive = next(downloads.glob(f"openmetadata*ingestion-{OM_VERSION}.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(_cache(), filter="data")
    return target


@pytest.fixture(scope="module")
def real_workspace():
    # Not tmp_path_factory: pytest prunes old basetemps of *any* session of the same user, and a
    # concurrent session could delete this workspace while the framework's tests run in it.
    base = Path(tempfile.mkdtemp(prefix="connkit-scaffold-real-"))
    try:
        yield _build_real_workspace(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _build_real_workspace(base: Path):
    """Scaffold every connector into one workspace, generate their models, run their tests once."""
    om_python = _venv(
        f"om-{OM_VERSION}",
        [f"openmetadata-ingestion=={OM_VERSION}", "dbt-core<1.12", "pytest"],
        "metadata.ingestion.api.steps",
    )
    codegen = (
        _venv(
            f"codegen-{CODEGEN_VERSION}",
            [f"datamodel-code-generator=={CODEGEN_VERSION}"],
            "datamodel_code_generator",
        ).parent
        / "datamodel-codegen"
    )
    root = base / "ws"
    ws = make_workspace(root)
    shutil.rmtree(root / "ingestion")
    shutil.copytree(_sdist(), root / "ingestion")
    names = {}
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    try:
        for service_type, connection_type, extra in CONNECTORS:
            name = f"acme{connection_type.split('_')[0]}{service_type}"
            args = [
                "--name",
                name,
                "--service-type",
                service_type,
                "--connection-type",
                connection_type,
                *extra,
            ]
            code, _, err = run_cli(args, _Capsys())
            assert code == 0, err
            names[(service_type, connection_type)] = name
    finally:
        mp.undo()
    out = root.parent / "generated"
    subprocess.run(
        [str(codegen), "--input", str(ws.spec_schema_dir), "--output", str(out), *CODEGEN_ARGS],
        check=True,
        capture_output=True,
    )
    for (service_type, _), name in names.items():
        rel = (
            Path("entity/services/connections")
            / service_type
            / f"{connector_names(name).module}Connection.py"
        )
        shutil.copy2(out / rel, ws.generated_dir / "schema" / rel)
    report = root.parent / "junit.xml"
    proc = subprocess.run(
        [
            str(om_python),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(root),
            "-q",
            f"--junitxml={report}",
            "ingestion/tests/unit/topology",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "ingestion" / "src")},
        capture_output=True,
        text=True,
    )
    results: dict[str, list[tuple[str, str]]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = f"{child.tag}: {child.get('message', '')[:300]}"
        results.setdefault(case.get("classname", "").rsplit(".", 1)[-1], []).append(
            (case.get("name"), outcome)
        )
    return ws, names, results, proc.stdout[-3000:]


class _Capsys:
    """run_cli wants capsys; here output just goes to the test log."""

    def readouterr(self):
        class _Out:
            out = ""
            err = ""

        return _Out()


@pytest.mark.parametrize(
    ("service_type", "connection_type"),
    [(t, c) for t, c, _ in CONNECTORS],
    ids=[f"{t}-{c}" for t, c, _ in CONNECTORS],
)
def test_scaffolded_unit_tests_pass_against_the_real_framework(real_workspace, service_type, connection_type):
    ws, names, results, log = real_workspace
    name = names[(service_type, connection_type)]
    outcomes = results.get(f"test_{name}")
    assert outcomes, f"no results for test_{name}.py:\n{log}"
    failed = [(test, outcome) for test, outcome in outcomes if outcome != "passed"]
    assert failed == []
    ran = {test for test, _ in outcomes}
    assert {
        "test_create_rejects_a_config_of_another_connector",
        "test_service_spec_is_found_by_the_framework_loader",
        "test_step_names_equal_the_test_fn_keys",
        "test_every_step_passes_against_a_real_engine"
        if connection_type == "sqlalchemy"
        else "test_client_paginates_every_page_over_one_session",
    } <= ran


def test_scaffolded_code_passes_ruff_with_the_workspaces_own_config(real_workspace):
    ws, names, _, _ = real_workspace
    paths = [ws.source_package(t, n) for (t, _), n in names.items()]
    paths += [ws.root / "ingestion" / "tests"]
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *map(str, paths)],
        cwd=ws.root / "ingestion",
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout
