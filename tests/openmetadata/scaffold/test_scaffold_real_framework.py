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

from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.scaffold.checks import referenced_files
from connkit.openmetadata.workspace import Workspace

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
AUTH_VARIETY = {  # spread the auth choices over the matrix so each one meets the real framework
    "database": ["--auth-types", "basic,iam"],
    "dashboard": ["--auth-types", "basic,token"],
    "pipeline": ["--auth-types", "token"],
    "messaging": ["--auth-types", "basic"],
    "mlmodel": ["--auth-types", "oauth"],
    "storage": ["--auth-types", "iam"],
    "search": ["--auth-types", "jwt"],
    "api": ["--auth-types", "azure"],
}


def matrix(service_types) -> list[tuple[str, str, list[str]]]:
    """Every service type with every connection type it allows."""
    out = []
    for t in service_types:
        for c in ("sqlalchemy", "rest_api", "sdk_client") if t == "database" else ("rest_api", "sdk_client"):
            extra = list(AUTH_VARIETY[t])
            if c == "sqlalchemy":
                extra += ["--capabilities", "metadata,lineage,usage,stored_procedures"]
            if c == "sdk_client":
                extra += ["--sdk-package", "json"]
            out.append((t, c, extra))
    return out


CONNECTORS = matrix(("database", "dashboard", "pipeline", "messaging", "mlmodel", "storage", "search", "api"))


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
    """A cached venv holding ``packages``; ``probe`` is Python code that proves it is complete.

    Ready-made venvs are reused when the probe passes in them: CONNKIT_VENVS (a folder of venvs,
    default /work/venvs) is searched for any venv whose interpreter passes the probe.
    """
    for folder in filter(None, [os.environ.get("CONNKIT_VENVS", "/work/venvs")]):
        for candidate in sorted(Path(folder).glob("*/bin/python")):
            if subprocess.run([str(candidate), "-c", probe], capture_output=True).returncode == 0:
                return candidate
    venv = _cache() / name
    python = venv / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", probe], capture_output=True).returncode:
        subprocess.run([_uv(), "venv", str(venv), "--python", "3.11", "-q"], check=True)
        subprocess.run([_uv(), "pip", "install", "-q", "--python", str(python), *packages], check=True)
    return python


def _has(dist: str, version: str, *modules: str) -> str:
    imports = "".join(f"import {m}; " for m in modules)
    return f"import importlib.metadata as m; {imports}assert m.version({dist!r}) == {version!r}"


def _sdist() -> Path:
    """The 2.0.6.0 sdist, fetched (and cached by digest) the way workspace.create fetches sdists."""
    from connkit.openmetadata.release.artifacts import DownloadCache, fetch_sdist

    target = _cache() / f"openmetadata_ingestion-{OM_VERSION}"
    if not (target / "src" / "metadata" / "ingestion").is_dir():
        archive = fetch_sdist(OM_VERSION, DownloadCache()).path
        with tarfile.open(archive) as tar:
            tar.extractall(_cache(), filter="data")
    return target


# Extra packages each framework generation needs to import every base class in a bare venv.
FRAMEWORK_EXTRAS = {1: ["setuptools<70", "google-auth"], 2: ["dbt-core<1.12"]}
CODEGEN = {  # datamodel-code-generator release each generation pins, and upstream's arguments
    1: ("0.24.2", ["--input-file-type", "jsonschema", "--set-default-enum-member"]),
    2: (CODEGEN_VERSION, CODEGEN_ARGS),
}


def _om_python(pypi_version: str, pydantic: int) -> Path:
    packages = [f"openmetadata-ingestion=={pypi_version}", "pytest", *FRAMEWORK_EXTRAS[pydantic]]
    probe = _has("openmetadata-ingestion", pypi_version, "pytest", "metadata.ingestion.api.steps")
    if pydantic == 1:
        probe += "; import google.auth, pkg_resources"
    return _venv(f"om-{pypi_version}", packages, probe)


def _generate_models(ws: Workspace, names: dict, pydantic: int, scratch: Path) -> None:
    """Generate only the new connectors' models, from the schema files their $refs reach."""
    version, args = CODEGEN[pydantic]
    codegen = _venv(
        f"codegen-{version}",
        [f"datamodel-code-generator=={version}"],
        _has("datamodel-code-generator", version, "datamodel_code_generator"),
    )
    subset, out = scratch / "spec", scratch / "generated"
    schema_root = ws.spec_schema_dir.resolve()
    files: set[Path] = set()
    for (service_type, _), name in names.items():
        files |= referenced_files(
            ws.connection_schema(service_type, Connector.named(name, service_type).module), schema_root
        )
    for file in files:
        target = subset / file.relative_to(schema_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
    subprocess.run(
        [str(codegen.parent / "datamodel-codegen"), "--input", str(subset), "--output", str(out), *args],
        check=True,
        capture_output=True,
    )
    for (service_type, _), name in names.items():
        rel = (
            Path("entity/services/connections")
            / service_type
            / f"{Connector.named(name, service_type).module}Connection.py"
        )
        shutil.copy2(out / rel, ws.generated_dir / "schema" / rel)


def _scaffold_all(ws: Workspace, connectors: list[tuple[str, str, list[str]]]) -> dict:
    names = {}
    mp = pytest.MonkeyPatch()
    mp.chdir(ws.root)
    try:
        for service_type, connection_type, extra in connectors:
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
    return names


def _run_unit_tests(ws: Workspace, python: Path, scratch: Path) -> tuple[dict, str]:
    report = scratch / "junit.xml"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-c",
            os.devnull,
            "--rootdir",
            str(ws.root),
            "-q",
            f"--junitxml={report}",
            "ingestion/tests/unit/topology",
        ],
        cwd=ws.root,
        env={**os.environ, "PYTHONPATH": str(ws.root / "ingestion" / "src")},
        capture_output=True,
        text=True,
    )
    results: dict[str, list[tuple[str, str]]] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    outcome = f"{child.tag}: {child.get('message', '')[:300]}"
            module = case.get("classname", "").rsplit(".", 1)[-1]
            results.setdefault(module, []).append((case.get("name"), outcome))
    return results, proc.stdout[-3000:]


@pytest.fixture(scope="module")
def real_workspace():
    """2.0.6.0: the published sdist plus the hand-written spec tree (no 2.x spec jar on this mirror)."""
    # Not tmp_path_factory: pytest prunes old basetemps of *any* session of the same user, and a
    # concurrent session could delete this workspace while the framework's tests run in it.
    base = Path(tempfile.mkdtemp(prefix="connkit-scaffold-real-"))
    try:
        ws = make_workspace(base / "ws")
        shutil.rmtree(ws.root / "ingestion")
        shutil.copytree(_sdist(), ws.root / "ingestion")
        names = _scaffold_all(ws, CONNECTORS)
        _generate_models(ws, names, 2, base)
        results, log = _run_unit_tests(ws, _om_python(OM_VERSION, 2), base)
        yield ws, names, results, log
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def created_workspace():
    """The default `workspace.create` workspace (the newest release with both sdist and jars)."""
    from connkit.openmetadata.release.create import create_workspace
    from connkit.openmetadata.workspace.layout import detect_layout

    base = Path(tempfile.mkdtemp(prefix="connkit-scaffold-created-"))
    try:
        result = create_workspace(base / "om", progress=lambda m: print(m, file=sys.stderr))
        ws = Workspace(result.path)
        layout = detect_layout(ws.root)
        pydantic = layout.pydantic_major or 2
        names = _scaffold_all(ws, matrix(layout.service_types))
        _generate_models(ws, names, pydantic, base)
        results, log = _run_unit_tests(ws, _om_python(layout.pypi_version, pydantic), base)
        yield ws, layout, names, results, log
    finally:
        shutil.rmtree(base, ignore_errors=True)


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


def ruff_in_ingestion(ws, names) -> subprocess.CompletedProcess:
    """`ruff check` over the scaffolded packages and tests, from ingestion/ so the workspace's
    own configuration applies."""
    paths = [ws.source_package(t, n) for (t, _), n in names.items()] + [ws.root / "ingestion" / "tests"]
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *map(str, paths)],
        cwd=ws.root / "ingestion",
        capture_output=True,
        text=True,
    )


def test_scaffolded_code_passes_ruff_with_the_workspaces_own_config(real_workspace):
    ws, names, _, _ = real_workspace
    proc = ruff_in_ingestion(ws, names)
    assert proc.returncode == 0, proc.stdout


def test_default_created_workspace_every_type_passes_against_its_framework(created_workspace):
    ws, layout, names, results, log = created_workspace
    assert len({t for t, _ in names}) == len(layout.service_types) >= 7
    for name in names.values():
        outcomes = results.get(f"test_{name}")
        assert outcomes, f"no results for test_{name}.py:\n{log}"
        assert [(t, o) for t, o in outcomes if o != "passed"] == [], name
        assert len(outcomes) >= 4


def test_default_created_workspace_code_passes_its_own_ruff(created_workspace):
    ws, _, names, _, _ = created_workspace
    proc = ruff_in_ingestion(ws, names)
    assert proc.returncode == 0, proc.stdout


def test_default_created_workspace_connectors_register_and_pass_review(created_workspace):
    """After `connkit register`, review finds no blocker and no warning in any scaffolded connector."""
    from connkit.openmetadata.register import register
    from connkit.openmetadata.review import review

    ws, _, names, _, _ = created_workspace
    for name in names.values():
        register(ws, name)
        report = review(ws, name)
        assert report.blockers == [], name
        warnings = [f for f in report.findings if f.severity.value == "WARNING"]
        assert [f.rule_id for f in warnings] == [], (name, warnings)
