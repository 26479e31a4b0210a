"""The toolchain steps a workspace gets, decided from its files (fast: nothing is built)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.connectors import Connector
from connkit.openmetadata.steps import pyenv, toolchain
from connkit.openmetadata.workspace import Workspace
from tests.conftest import connkit_env, run_connkit

SETUP_PY = """
VERSIONS = {"pydantic": "pydantic>=2.12.5,<3"}
dev = {
    "ruff~=0.15.12",
    "datamodel-code-generator==0.83.0",
}
"""


def make_ws(root: Path, *, makefile: bool = True, ui: bool = True, real_pom: bool = False) -> Workspace:
    (root / "openmetadata-spec/src/main/resources/json/schema").mkdir(parents=True)
    (root / "openmetadata-spec/pom.xml").write_text("<project/>")
    (root / "ingestion").mkdir()
    (root / "ingestion/setup.py").write_text(SETUP_PY)
    (root / "ingestion/PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: openmetadata-ingestion\nVersion: 2.0.6.0\n"
    )
    if makefile:
        (root / "Makefile").write_text("generate:  ## models\n\techo generating\n")
    if ui:
        ui_dir = root / "openmetadata-ui/src/main/resources/ui"
        ui_dir.mkdir(parents=True)
        (ui_dir / "package.json").write_text(
            json.dumps({"scripts": {"parse-schema": "node parse-schema.js"}})
        )
    if real_pom:
        (root / "pom.xml").write_text(
            "<project><modules><module>openmetadata-spec</module></modules>"
            "<build><plugins><plugin><artifactId>spotless-maven-plugin</artifactId></plugin></plugins>"
            "</build></project>"
        )
    return Workspace(root)


def add_package(
    ws: Workspace, service_type: str, name: str, scaffolded: bool = True, tests: bool = True
) -> None:
    pkg = ws.source_package(service_type, name)
    pkg.mkdir(parents=True)
    schema = ws.connection_schema(service_type, Connector.named(name, service_type).module)
    schema.parent.mkdir(parents=True, exist_ok=True)
    schema.write_text("{}")
    (pkg / "metadata.py").write_text("X = 1\n")
    if scaffolded:
        (pkg / "CONNECTOR_CONTEXT.md").write_text("# brief\n")
    if tests:
        test = ws.root / f"ingestion/tests/unit/topology/{service_type}/test_{name}.py"
        test.parent.mkdir(parents=True, exist_ok=True)
        test.write_text("def test_x():\n    assert True\n")


NO_VENV: dict[str, str] = {"PATH": "/usr/bin:/bin"}


def ids(steps) -> list[str]:
    return [s.id for s in steps]


def by_id(steps):
    return {s.id: s for s in steps}


def test_a_fresh_assembled_workspace_gets_the_environment_and_three_generators(tmp_path):
    ws = make_ws(tmp_path)
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    assert set(steps) == {"pyenv", "generate.python", "generate.java", "generate.ui.deps", "generate.ui"}
    assert steps["generate.python"].deps == ("pyenv",)
    assert steps["generate.python"].outputs == ("ingestion/src/metadata/generated",)
    assert steps["generate.java"].command[-2:] == ("openmetadata-spec/pom.xml", "generate-sources")
    assert ("mvn", "-v") in steps["generate.java"].tools and ("java", "-version") in steps[
        "generate.java"
    ].tools
    assert steps["generate.ui"].deps == ("generate.ui.deps",)
    assert "--no-lockfile" in steps["generate.ui.deps"].command
    assert steps["pyenv"].outputs == (".connkit/venv",)


def test_a_real_checkout_builds_the_spec_module_and_formats_java(tmp_path):
    ws = make_ws(tmp_path, real_pom=True)
    (ws.ui_dir / "yarn.lock").write_text("# yarn lockfile v1\n")
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    assert "clean install -pl openmetadata-spec -am" in steps["generate.java"].runs
    assert "--frozen-lockfile" in steps["generate.ui.deps"].command
    assert steps["format.java"].command[-1] == "spotless:apply"
    check = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV, check=True))
    assert check["format.java"].command[-1] == "spotless:check"


def test_an_active_virtualenv_replaces_the_managed_one(tmp_path):
    ws = make_ws(tmp_path)
    add_package(ws, "database", "acme_db")
    steps = by_id(toolchain.toolchain_steps(ws, environ={"VIRTUAL_ENV": "/opt/env", "PATH": "/usr/bin"}))
    assert "pyenv" not in steps
    assert steps["generate.python"].deps == ()
    assert steps["test.acme_db"].deps == () and steps["test.acme_db"].after == ("generate.python",)
    assert steps["test.acme_db"].tools[0][0] == "/opt/env/bin/python"


def test_scaffolded_connectors_get_format_and_test_steps(tmp_path):
    ws = make_ws(tmp_path)
    add_package(ws, "database", "acme_db")
    add_package(ws, "dashboard", "beta", tests=False)
    add_package(ws, "database", "mysql", scaffolded=False)
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    assert {"format.python.acme_db", "test.acme_db", "format.python.beta"} <= set(steps)
    assert "test.beta" not in steps and "format.python.mysql" not in steps
    test = steps["test.acme_db"]
    assert test.deps == ("pyenv",) and test.after == ("generate.python",)
    assert "ingestion/src/metadata/ingestion/source/database/acme_db" in test.inputs
    assert "ingestion/tests/unit/topology/database/test_acme_db.py" in test.inputs
    assert (
        "openmetadata-service/src/main/resources/json/data/testConnections/database/acmeDb.json"
        in test.inputs
    )
    fmt = steps["format.python.acme_db"]
    assert fmt.outputs == fmt.inputs[: len(fmt.outputs)]
    named = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV, names=["mysql"]))
    assert "test.mysql" in named


def test_format_check_changes_nothing(tmp_path):
    ws = make_ws(tmp_path)
    add_package(ws, "database", "acme_db")
    apply = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))["format.python.acme_db"]
    check = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV, check=True))["format.python.acme_db"]
    assert apply.outputs and not check.outputs
    assert apply.runs != check.runs  # different keys: a check never replays an apply


def test_unknown_or_invalid_connector_names_are_usage_errors(tmp_path):
    ws = make_ws(tmp_path)
    with pytest.raises(UsageError, match="no connector 'nope'"):
        toolchain.toolchain_steps(ws, environ=NO_VENV, names=["nope"])
    with pytest.raises(UsageError, match="snake_case"):
        toolchain.toolchain_steps(ws, environ=NO_VENV, names=["Bad-Name"])


def test_release_pins_come_from_the_ingestion_package(tmp_path):
    ws = make_ws(tmp_path)
    assert pyenv.ingestion_version(ws) == "2.0.6.0"
    assert pyenv.pinned_tool(ws, "datamodel-code-generator") == "datamodel-code-generator==0.83.0"
    assert pyenv.pinned_tool(ws, "ruff") == "ruff~=0.15.12"
    assert pyenv.pinned_tool(ws, "black") == "black"
    plan = pyenv.install_plan(ws)
    assert "dbt-core<1.12" in plan.constraints
    assert plan.requirements[:2] == ("datamodel-code-generator==0.83.0", "ruff~=0.15.12")
    assert [p.prefix for p in pyenv.release_pins("2.0.7.0")] == ["2.0.", "2.0.7"]
    assert [p.requirements for p in pyenv.release_pins("1.4.0.1")] == [("setuptools<81", "google-auth")]


def test_user_constraints_enter_the_environment_key(tmp_path):
    ws = make_ws(tmp_path)
    with pytest.raises(UsageError, match="does not exist"):
        pyenv.pyenv_step(ws, [tmp_path / "missing.txt"])
    inside = tmp_path / "constraints.txt"
    inside.write_text("requests<3\n")
    step = pyenv.pyenv_step(ws, [inside])
    assert "constraints.txt" in step.inputs
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("requests<3\n")
    first = pyenv.pyenv_step(ws, [outside]).runs
    outside.write_text("requests<2\n")
    assert pyenv.pyenv_step(ws, [outside]).runs != first  # content keyed, not just the path


def test_without_a_recipe_or_package_metadata_python_steps_are_not_offered(tmp_path):
    ws = make_ws(tmp_path / "a", makefile=False)
    add_package(ws, "database", "acme_db")
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    assert "generate.python" not in steps
    assert steps["test.acme_db"].deps == ("pyenv",)
    bare = make_ws(tmp_path / "b")
    (bare.ingestion_dir / "setup.py").unlink()
    assert set(ids(toolchain.toolchain_steps(bare, environ=NO_VENV))) == {
        "generate.java",
        "generate.ui.deps",
        "generate.ui",
    }


def test_a_configured_step_replaces_the_built_in_one(tmp_path):
    from connkit.openmetadata.steps.catalog import all_steps

    ws = make_ws(tmp_path)
    (ws.root / "connkit.toml").write_text(
        '[[steps]]\nid = "generate.python"\ncommand = ["true"]\noutputs = ["out"]\n'
    )
    steps = [s for s in all_steps(ws) if s.id == "generate.python"]
    assert len(steps) == 1 and steps[0].command == ("true",)


def test_cli_test_without_connectors_says_what_to_do(tmp_path):
    make_ws(tmp_path)
    proc = run_connkit("test", cwd=tmp_path, env=connkit_env())
    assert proc.returncode == 2
    assert "no scaffolded connector with unit tests" in proc.stderr
    proc = run_connkit("format", "--name", "nope", cwd=tmp_path, env=connkit_env())
    assert proc.returncode == 2
    assert "no connector 'nope'" in proc.stderr


def test_an_upgrade_inside_an_active_virtualenv_changes_the_keys(tmp_path):
    ws = make_ws(tmp_path / "ws")
    add_package(ws, "database", "acme_db")
    site = tmp_path / "env/lib/python3.11/site-packages"
    (site / "ruff-0.6.0.dist-info").mkdir(parents=True)
    (site / "datamodel_code_generator-0.83.0.dist-info").mkdir()
    environ = {"VIRTUAL_ENV": str(tmp_path / "env"), "PATH": "/usr/bin"}
    before = by_id(toolchain.toolchain_steps(ws, environ=environ))
    assert "datamodel_code_generator-0.83.0" in before["generate.python"].runs
    (site / "ruff-0.6.0.dist-info").rename(site / "ruff-0.7.0.dist-info")
    after = by_id(toolchain.toolchain_steps(ws, environ=environ))
    assert after["format.python.acme_db"].runs != before["format.python.acme_db"].runs
    assert after["generate.python"].runs != before["generate.python"].runs
    assert after["test.acme_db"].runs == before["test.acme_db"].runs
