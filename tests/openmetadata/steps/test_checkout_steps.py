"""What a 1.1-shaped checkout's toolchain steps are, decided from its files (fast: nothing is
built, except `make` running the tree's own recipe where the behaviour is make's)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import pytest

from connkit.engine.execute import run_steps
from connkit.engine.options import RunOptions
from connkit.engine.report import SilentReporter
from connkit.openmetadata.steps import antlr, maven, pyenv, toolchain, ui
from connkit.openmetadata.workspace import Workspace
from tests.conftest import connkit_env, run_connkit

from .checkout_like import add_connector, build, write

NO_VENV: dict[str, str] = {"PATH": "/usr/bin:/bin"}
CONNECTIONS = "openmetadata-spec/src/main/resources/json/schema/entity/services/connections"


def by_id(steps):
    return {s.id: s for s in steps}


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return build(tmp_path / "om")


def test_antlr_version_from_the_runtime_pin_else_the_makefiles_jar(ws):
    assert antlr.antlr_version(ws.root) == ("4.9.2", "ingestion/setup.py pins antlr4-python3-runtime")
    write(ws.root, "ingestion/setup.py", 'base = {"pydantic~=1.10"}\n')
    assert antlr.antlr_version(ws.root)[0] == "4.9.3"
    step = antlr.antlr_step(ws)
    assert step.id == "tools.antlr" and step.outputs == (".connkit/tools/antlr-4.9.3",)
    assert "org.antlr:antlr4:4.9.3:jar:complete" in step.runs and not step.inputs  # keyed by version


def test_no_antlr_step_without_a_recipe_calling_antlr4(tmp_path):
    root = tmp_path / "ws"
    write(root, "Makefile", "generate:\n\techo antlr4 is mentioned, not run\n")
    write(root, "ingestion/setup.py", '"antlr4-python3-runtime==4.9.2"\n')
    assert antlr.antlr_step(Workspace(root)) is None


def test_generate_python_skips_the_reinstall_and_writes_the_ui_parsers(ws):
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    generate = steps["generate.python"]
    assert generate.deps == ("pyenv", "tools.antlr")
    assert generate.outputs == (
        "ingestion/src/metadata/generated",
        "openmetadata-ui/src/main/resources/ui/src/generated/antlr",
    )
    assert "MAKE=make -o install" in generate.runs


def test_the_recipe_runs_from_the_root_with_pwd_and_no_reinstall(ws, tmp_path):
    """make's own behaviour: `-o install` on $(MAKE) makes the trailing reinstall a no-op."""
    venv = tmp_path / "env"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    write(
        ws.root,
        "Makefile",
        ws.root.joinpath("Makefile")
        .read_text()
        .replace("python -m pip install ingestion/", "touch reinstalled")
        .replace("antlr4 -D", "echo antlr4 -D"),
    )
    environ = {"PATH": os.environ["PATH"], "VIRTUAL_ENV": str(venv), "HOME": str(tmp_path)}
    steps = [s for s in toolchain.toolchain_steps(ws, environ=environ) if s.id == "generate.python"]
    steps = [dataclasses.replace(steps[0], deps=())]  # the ANTLR download is not under test
    cwd = Path.cwd()
    os.chdir(tmp_path)  # PWD must come from the step, not from where connkit was started
    try:
        result = run_steps(
            ws, steps, ["generate.python"], RunOptions(), reporter=SilentReporter(), environ=environ
        )
    finally:
        os.chdir(cwd)
    assert result.ok, result.steps[0].message
    assert (ws.root / "ingestion/src/metadata/generated/pwd.txt").read_text().strip() == str(ws.root)
    assert not (ws.root / "reinstalled").exists()


def test_the_spec_is_built_with_its_siblings_and_without_code_analysis(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MAVEN_ARGS", raising=False)
    assert maven.modules_built(ws) == ["openmetadata-spec", "common"]
    assert maven.analysis_switches(ws) == ["-DskipCodeAnalysis"]  # the other !profile runs no sonar
    java = maven.generate_java(ws)
    assert "-DskipTests -DskipCodeAnalysis clean install -pl openmetadata-spec -am" in java.runs
    assert "gs=central" in java.runs
    assert {"common/pom.xml", "common/src", "openmetadata-spec/src/main/antlr4"} <= set(java.inputs)
    assert "openmetadata-service/pom.xml" not in java.inputs
    settings = tmp_path / "home/.m2/settings.xml"
    write(
        settings.parent,
        "settings.xml",
        "<settings><mirrors><mirror><id>corp</id></mirror></mirrors></settings>",
    )
    assert maven.central_settings(ws).path is None
    assert "gs=none" in maven.generate_java(ws).runs
    write(settings.parent, "settings.xml", "<settings><!-- <mirror>x</mirror> --></settings>")
    assert maven.central_settings(ws).path is not None  # a commented-out mirror is no mirror


def test_the_ui_installs_without_scripts_and_its_generators_are_steps(ws):
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    deps = steps["generate.ui.deps"]
    assert deps.command[-2:] == ("--frozen-lockfile", "--ignore-scripts")
    assert dict(deps.set_env) == {"CYPRESS_INSTALL_BINARY": "0", "HUSKY": "0"}
    assert deps.outputs == ("openmetadata-ui/src/main/resources/ui/node_modules/.yarn-integrity",)
    assert not deps.restorable and "openmetadata-spec" not in " ".join(deps.inputs)
    parse = steps["generate.ui"]
    assert parse.command == ("yarn", "-s", "parse-conn-schema")
    assert "openmetadata-ui/src/main/resources/ui/parseConnectionSchema.js" in parse.inputs
    assert steps["generate.ui.root-deps"].cwd == "."
    types = steps["generate.ui.types"]
    assert types.deps == ("generate.ui.deps", "generate.ui.root-deps")
    assert all("/antlr" not in o for o in types.outputs) and types.outputs  # one per schema folder
    assert "generate.ui.antlr" not in steps  # make generate writes the JS parsers here
    targets = toolchain.generate_targets(steps.values())
    assert set(targets) == {"generate.python", "generate.java", "generate.ui.deps", "generate.ui"}


def test_newer_ui_scripts_and_a_js_antlr_step_where_make_does_not_write_it(ws):
    scripts = {"parse-schema": "node parse-schema.js", "js-antlr": "antlr4 ..."}
    write(ws.root, "openmetadata-ui/src/main/resources/ui/package.json", json.dumps({"scripts": scripts}))
    write(
        ws.root,
        "Makefile",
        ws.root.joinpath("Makefile")
        .read_text()
        .replace("\t$(MAKE) py_antlr js_antlr\n", "\t$(MAKE) py_antlr\n"),
    )
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    assert steps["generate.ui"].command == ("yarn", "-s", "parse-schema")
    assert (
        steps["generate.ui.deps"].set_env == {}
        and "--ignore-scripts" not in steps["generate.ui.deps"].command
    )
    assert steps["generate.ui.antlr"].deps == ("generate.ui.deps", "tools.antlr")
    assert "generate.ui.antlr" in ui.UI_BUILD_ONLY


def test_the_environment_takes_the_dev_extra_and_the_chosen_formatter_versions(ws):
    plan = pyenv.install_plan(ws)
    assert plan.editable == "ingestion/[dev]"
    assert {"black==22.3.0", "isort==5.12.0", "pycln", "pytest", "datamodel-code-generator==0.15.0"} <= set(
        plan.requirements
    )
    assert not any(r.startswith("ruff") for r in plan.requirements)  # this release formats without ruff


def test_the_environment_key_names_where_it_lives(tmp_path):
    first = pyenv.pyenv_step(build(tmp_path / "a" / "om"))
    again = pyenv.pyenv_step(build(tmp_path / "a" / "om"))
    elsewhere = pyenv.pyenv_step(build(tmp_path / "b" / "om"))
    assert first.runs == again.runs
    assert (
        first.runs != elsewhere.runs and f"at={tmp_path / 'b' / 'om' / '.connkit' / 'venv'}" in elsewhere.runs
    )


def test_no_interpreter_for_the_release_fails_the_step_not_the_command(ws, monkeypatch, tmp_path):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    monkeypatch.delenv("CONNKIT_PYTHON", raising=False)
    write(ws.root, ".github/workflows/py-tests.yml", "py-version: ['3.1']\n")
    step = pyenv.pyenv_step(ws)
    assert [t[-1] for t in step.tools] == ["--version"] and "uv" in " ".join(step.tools[0])  # uv only
    result = run_steps(ws, [step], ["pyenv"], RunOptions(), reporter=SilentReporter())
    assert "install one of 3.1" in result.steps[0].message


def test_a_connectors_tests_key_on_its_schema_not_on_another_connectors(ws):
    add_connector(ws, "dashboard", "acme", "acme", refs=("../connectionBasicType.json", "./shared.json"))
    add_connector(ws, "dashboard", "beta", "beta")
    write(ws.root, f"{CONNECTIONS}/dashboard/shared.json", "{}")
    steps = by_id(toolchain.toolchain_steps(ws, environ=NO_VENV))
    test = steps["test.acme"]
    assert test.deps == ("pyenv",) and test.after == ("generate.python",)
    excluded = {i for i in test.inputs if i.startswith("!")}
    assert f"!{CONNECTIONS}/dashboard/betaConnection.json" in excluded
    assert f"!{CONNECTIONS}/dashboard/acmeConnection.json" not in excluded
    assert f"!{CONNECTIONS}/dashboard/shared.json" not in excluded  # acme refers to it
    assert "openmetadata-spec/src/main/resources/json/schema" in test.inputs
    fmt = steps["format.python.acme"]
    assert fmt.after == ("generate.python",)  # isort's verdict depends on the generated models
    assert "ingestion/setup.cfg" in fmt.inputs and "Makefile" in fmt.inputs


def test_generate_without_a_generate_recipe_exits_2(tmp_path):
    root = tmp_path / "ws"
    write(root, "openmetadata-spec/pom.xml", "<project/>")
    write(root, "ingestion/setup.py", "setup()\n")
    write(root, "Makefile", "install:\n\ttrue\n")
    proc = run_connkit("generate", cwd=root, env=connkit_env())
    assert proc.returncode == 2
    assert "has no `generate` recipe" in proc.stderr
    assert not (root / ".connkit" / "runs").exists()


def test_workspace_info_reads_the_release_from_the_pom(ws):
    proc = run_connkit("workspace.info", "--json", cwd=ws.root, env=connkit_env())
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["release"] == "1.1.0-SNAPSHOT" and info["pypi_version"] == "1.1.0.0.dev0"
    assert info["python_why"]
