"""End to end with the real tools on a real assembled workspace: datamodel-code-generator
through the workspace's `make generate`, Maven with jsonschema2pojo, yarn with the UI's
parse-schema, ruff and pytest. Every assertion about what ran reads `.connkit/runs/last.json`.

Each test leaves the workspace as it found it, so the module's one cold build is shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import connkit_env, run_connkit

from .assembled import assemble
from .connector import add_connector

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

GENERATORS = ("generate.python", "generate.java", "generate.ui")
ALL = "generate,format,test"
PY_MODEL = "ingestion/src/metadata/generated/schema/entity/services/connections/database/acmeDbConnection.py"
JAVA_MODEL = (
    "openmetadata-spec/target/generated-sources/jsonschema2pojo/org/openmetadata/schema/"
    "services/connections/database/AcmeDbConnection.java"
)
UI_SCHEMA = (
    "openmetadata-ui/src/main/resources/ui/src/jsons/connectionSchemas/connections/database/"
    "acmeDbConnection.json"
)
SCHEMA = (
    "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/database/"
    "acmeDbConnection.json"
)
METADATA = "ingestion/src/metadata/ingestion/source/database/acme_db/metadata.py"


def env(**extra: str) -> dict[str, str]:
    """The test's environment without an active virtualenv: connkit manages .connkit/venv."""
    out = connkit_env(**extra)
    out.pop("VIRTUAL_ENV", None)
    return out


def connkit(root: Path, *args: str, environ: dict[str, str] | None = None, ok: bool = True):
    proc = run_connkit(*args, cwd=root, env=environ or env(), timeout=1500)
    if ok:
        assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def last(root: Path) -> dict[str, dict]:
    data = json.loads((root / ".connkit/runs/last.json").read_text())
    return {s["id"]: s for s in data["steps"]}


def statuses(root: Path) -> dict[str, str]:
    return {k: v["status"] for k, v in last(root).items()}


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    root = assemble(tmp_path_factory.mktemp("toolchain") / "om")
    add_connector(root, "database", "acme_db")
    add_connector(root, "dashboard", "beta_dash")
    started = time.perf_counter()
    connkit(root, "run", ALL, "--logs", "errors")
    cold = time.perf_counter() - started
    (root / ".connkit/test-cold.json").write_text(json.dumps({"seconds": cold, "steps": statuses(root)}))
    return root


def test_cold_run_runs_every_real_tool_then_everything_is_cached(ws):
    cold = json.loads((ws / ".connkit/test-cold.json").read_text())["steps"]
    expected = {
        "pyenv",
        *GENERATORS,
        "generate.ui.deps",
        "format.python.acme_db",
        "format.python.beta_dash",
        "test.acme_db",
        "test.beta_dash",
    }
    assert set(cold) == expected
    assert set(cold.values()) == {"ran"}
    connkit(ws, "run", ALL)
    assert set(statuses(ws).values()) == {"cached"}
    connkit(ws, "generate")
    assert statuses(ws) == {s: "cached" for s in ("pyenv", *GENERATORS, "generate.ui.deps")}


def test_generated_pydantic_model_validates_a_sample_config(ws):
    code = (
        "from metadata.generated.schema.entity.services.connections.database.acmeDbConnection "
        "import AcmeDbConnection\n"
        "import pydantic\n"
        "c = AcmeDbConnection.parse_obj({'hostPort': 'http://h:1', 'username': 'u', 'password': 'p'})\n"
        "assert c.type.value == 'AcmeDb' and c.password.get_secret_value() == 'p', c\n"
        "try:\n"
        "    AcmeDbConnection.parse_obj({'hostPort': 'http://h:1'})\n"
        "except pydantic.ValidationError as e:\n"
        "    print('rejected', 'username' in str(e))\n"
    )
    out = subprocess.run(
        [str(ws / ".connkit/venv/bin/python"), "-c", code], capture_output=True, text=True, cwd=ws
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("rejected True")


def test_java_step_produces_the_connection_class_with_openmetadata_annotations(ws):
    java = (ws / JAVA_MODEL).read_text()
    assert "public class AcmeDbConnection" in java
    assert "package org.openmetadata.schema.services.connections.database;" in java
    assert "@PasswordField" in java  # the custom annotator from org.open-metadata:common
    assert "withHostPort(" in java  # builders


def test_ui_step_writes_the_dereferenced_schema(ws):
    text = (ws / UI_SCHEMA).read_text()
    assert "$ref" not in text
    schema = json.loads(text)
    assert schema["title"] == "AcmeDbConnection"
    assert "includes" in schema["properties"]["schemaFilterPattern"]["properties"]


def test_editing_a_connection_schema_reruns_the_generators_and_that_connectors_tests(ws):
    schema_path = ws / SCHEMA
    original = schema_path.read_text()
    edited = json.loads(original)
    edited["properties"]["databaseName"] = {"title": "Database Name", "type": "string"}
    schema_path.write_text(json.dumps(edited, indent=2) + "\n")
    try:
        connkit(ws, "run", ALL)
        got = statuses(ws)
        for step in (*GENERATORS, "test.acme_db"):
            assert got[step] == "ran", (step, got)
        for step in (
            "pyenv",
            "generate.ui.deps",
            "format.python.acme_db",
            "format.python.beta_dash",
            "test.beta_dash",  # another connector's schema: its models did not change
        ):
            assert got[step] == "cached", (step, got)
        assert "databaseName" in (ws / PY_MODEL).read_text()
        assert "getDatabaseName" in (ws / JAVA_MODEL).read_text()
        assert "databaseName" in json.loads((ws / UI_SCHEMA).read_text())["properties"]
    finally:
        schema_path.write_text(original)
    connkit(ws, "run", ALL)
    got = statuses(ws)
    assert {got[s] for s in GENERATORS} == {"restored"}, got  # the earlier outputs, from the cache
    assert "databaseName" not in (ws / PY_MODEL).read_text()


def test_editing_one_connectors_source_reruns_only_its_format_and_test(ws):
    path = ws / METADATA
    original = path.read_text()
    path.write_text(original + '\n\ndef version() -> str:\n    return "1"\n')
    try:
        connkit(ws, "run", ALL)
        got = statuses(ws)
        ran = {s for s, status in got.items() if status == "ran"}
        assert ran == {"format.python.acme_db", "test.acme_db"}, got
        assert set(got.values()) == {"ran", "cached"}
    finally:
        path.write_text(original)
    connkit(ws, "run", ALL)
    assert set(statuses(ws).values()) == {"cached"}


def test_deleted_outputs_are_restored_from_the_cache(ws):
    cold = json.loads((ws / ".connkit/test-cold.json").read_text())["seconds"]
    for rel in (
        "ingestion/src/metadata/generated",
        "openmetadata-spec/target",
        "openmetadata-ui/src/main/resources/ui/src/jsons",
        "openmetadata-ui/src/main/resources/ui/node_modules",
        ".connkit/venv",
    ):
        shutil.rmtree(ws / rel)
    started = time.perf_counter()
    connkit(ws, "run", ALL)
    seconds = time.perf_counter() - started
    got = statuses(ws)
    for step in ("pyenv", *GENERATORS, "generate.ui.deps"):
        assert got[step] == "restored", (step, got)
    assert {got[s] for s in ("test.acme_db", "test.beta_dash")} == {"cached"}
    assert (ws / JAVA_MODEL).is_file() and (ws / UI_SCHEMA).is_file() and (ws / PY_MODEL).is_file()
    assert seconds < cold, (seconds, cold)
    # The restored environment works: the tests pass in it when forced to run.
    connkit(ws, "test", "--force")
    assert statuses(ws)["test.acme_db"] == "ran"


def test_another_tool_version_reruns_its_step_and_explain_names_it(ws, tmp_path):
    real = shutil.which("mvn")
    fake = tmp_path / "bin"
    fake.mkdir()
    wrapper = fake / "mvn"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "-v" ] && echo "wrapped for a test"\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    environ = env(PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    connkit(ws, "run", "generate", "--explain", environ=environ)
    steps = last(ws)
    assert steps["generate.java"]["status"] == "ran"
    assert "tool version changed: `mvn -v`" in steps["generate.java"]["reasons"]
    assert {steps[s]["status"] for s in ("generate.python", "generate.ui")} == {"cached"}
    connkit(ws, "run", "generate")
    assert statuses(ws)["generate.java"] == "cached"


def test_a_keyed_variable_change_is_explained(ws):
    environ = env(CONNKIT_PYTHON=sys.executable)
    proc = connkit(ws, "run", "generate", "--dry-run", "--explain", "--json", environ=environ)
    plan = {s["id"]: s for s in json.loads(proc.stdout)["steps"]}
    assert plan["pyenv"]["status"] == "miss"
    assert "env CONNKIT_PYTHON set" in plan["pyenv"]["reasons"]


def test_a_missing_tool_fails_its_step_with_an_install_hint_and_the_rest_report(ws, tmp_path):
    shadow = tmp_path / "bin"
    shadow.mkdir()
    for entry in Path("/usr/bin").iterdir():
        if entry.name not in ("mvn", "mvnDebug"):
            (shadow / entry.name).symlink_to(entry)
    dirs = [d for d in os.environ["PATH"].split(os.pathsep) if d and not shutil.which("mvn", path=d)]
    dirs = [d for d in dirs if Path(d).resolve() != Path("/usr/bin")]
    environ = env(PATH=os.pathsep.join([str(shadow), *dirs]))
    proc = connkit(ws, "run", "generate", environ=environ, ok=False)
    assert proc.returncode == 1
    steps = last(ws)
    assert steps["generate.java"]["status"] == "failed"
    assert "apt-get install maven" in steps["generate.java"]["message"]
    assert steps["generate.python"]["status"] == "cached"
    assert steps["generate.ui"]["status"] == "cached"


def test_format_check_passes_on_clean_code_and_fails_without_touching_a_diff(ws):
    connkit(ws, "format", "--check")
    path = ws / METADATA
    original = path.read_text()
    path.write_text(original + "\nx=[1,2 ,3]\n")
    try:
        proc = connkit(ws, "format", "--check", "--name", "acme_db", ok=False)
        assert proc.returncode == 1
        assert statuses(ws)["format.python.acme_db"] == "failed"
        assert path.read_text().endswith("x=[1,2 ,3]\n")
    finally:
        path.write_text(original)
