"""The formatter model: a checkout's recipe read through `make -n`, narrowed to one connector's
files, its tool versions chosen from the tree, and the same commands applied to scaffold text."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from connkit.openmetadata import formatting
from tests.openmetadata.steps.checkout_like import build, write

CONNECTOR = [
    "ingestion/src/metadata/ingestion/source/dashboard/acme",
    "ingestion/tests/unit/topology/dashboard/test_acme.py",
]


@pytest.fixture
def checkout(tmp_path):
    ws = build(tmp_path / "om")
    (ws.root / "ingestion/src/metadata/generated").mkdir(parents=True)  # an exclude that exists
    for rel in CONNECTOR:
        write(ws.root, rel if rel.endswith(".py") else f"{rel}/metadata.py", "X = 1\n")
    return ws


def test_check_recipe_keeps_the_formatters_and_leaves_pylint_out(checkout):
    model = formatting.formatters(checkout.root, check=True)
    assert model.source == "make -n py_format_check"
    assert model.tools == ("pycln", "isort", "black")  # pylint judges code, it does not rewrite it
    black = model.commands[2]
    assert black.argv(CONNECTOR) == [
        "--check",
        "--diff",
        *CONNECTOR,
        "--extend-exclude",
        "ingestion/src/metadata/generated",  # a valued option's folder is not narrowed away
    ]
    isort = model.commands[1]
    assert isort.argv(CONNECTOR)[:3] == ["--check-only", *CONNECTOR]
    assert "openmetadata-airflow-apis/" not in " ".join(isort.argv(CONNECTOR))
    assert isort.targets == ("ingestion", "openmetadata-airflow-apis")


def test_apply_recipe_is_the_same_tools_without_the_check_flags(checkout):
    model = formatting.formatters(checkout.root, check=False)
    assert model.source == "make -n py_format"
    assert [c.argv(CONNECTOR)[: len(CONNECTOR)] for c in model.commands] == [CONNECTOR] * 3


def test_a_path_outside_the_recipes_targets_is_not_formatted_by_it(checkout):
    (checkout.root / "docs").mkdir()
    command = formatting.parse_line(checkout.root, "black ingestion/src --line-length 100")
    assert command.argv(["docs/x.py"]) is None
    assert command.argv(["docs/x.py", CONNECTOR[0]]) == [CONNECTOR[0], "--line-length", "100"]


def test_module_form_env_prefixes_and_operators(checkout):
    root = checkout.root
    command = formatting.parse_line(root, 'FOO=1 python3 -m isort ingestion --skip-glob "*/gen/*" && echo ok')
    assert command.tool == "isort" and command.targets == ("ingestion",)
    assert command.argv(CONNECTOR) == [*CONNECTOR, "--skip-glob", "*/gen/*"]
    absolute = formatting.parse_line(root, f"ruff format {root}/ingestion")
    assert absolute.targets == ("ingestion",) and absolute.args[0] == "format"
    assert formatting.parse_line(root, "pylint ingestion") is None
    assert formatting.parse_line(root, 'echo "unbalanced') is None


def test_ruff_only_recipes_and_missing_recipes_use_connkits_ruff_pair(tmp_path):
    root = tmp_path / "ws"
    write(root, "ingestion/src/x.py", "")
    write(root, "Makefile", "py_format:\n\tpython -m ruff format ingestion/src\n")
    for check, first in ((False, "--fix-only"), (True, "--fix")):
        model = formatting.formatters(root, check)
        assert model.source == formatting.RUFF_SOURCE and model.tools == ("ruff",)
        assert first in model.commands[0].args
    (root / "Makefile").unlink()
    assert formatting.formatters(root, True).source == formatting.RUFF_SOURCE


def test_a_recipe_make_cannot_print_is_an_error_not_ruff(checkout, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    model = formatting.formatters(checkout.root, check=True)
    assert "make" in model.error and model.commands == ()


def test_versions_come_from_setup_py_then_pre_commit_unless_that_rev_does_not_work(checkout):
    model = formatting.formatters(checkout.root, check=True)
    assert model.requirements == ("pycln", "isort==5.12.0", "black==22.3.0")
    why = dict(zip(model.tools, model.why, strict=True))
    assert "setup.py pins it" in why["black"]
    assert ".pre-commit-config.yaml pins it" in why["isort"]
    assert "does not work here" in why["pycln"] and "pyyaml<6" in why["pycln"]
    assert formatting.precommit_revs(checkout.root) == {
        "black": "22.3.0",
        "isort": "5.12.0",
        "pycln": "1.2.4",
    }


def test_ruff_gets_the_trees_pin_or_connkits_own_version(tmp_path):
    own = formatting.own_version("ruff")
    root = tmp_path / "ws"
    write(root, "ingestion/setup.py", 'dev = {"ruff"}\n')
    assert formatting.choose_requirement(root, "ruff", {})[0] == f"ruff=={own}"
    write(root, "ingestion/setup.py", 'dev = {"ruff~=0.0.1"}\n')
    assert formatting.choose_requirement(root, "ruff", {})[0] == "ruff~=0.0.1"
    write(root, "ingestion/setup.py", 'dev = {"ruff==0.4.4"}\n')
    assert formatting.choose_requirement(root, "ruff", {"ruff": "0.5.0"})[0] == "ruff==0.4.4"
    write(root, "ingestion/setup.py", 'dev = {"isort<5"}\n')
    assert formatting.choose_requirement(root, "isort", {"isort": "5.12.0"})[0] == "isort<5"


def test_config_files_are_every_one_on_the_way_down(checkout):
    write(checkout.root, "pyproject.toml", "[tool.black]\n")
    model = formatting.formatters(checkout.root, check=True)
    found = formatting.config_files(checkout.root, model, CONNECTOR)
    assert {"Makefile", "pyproject.toml", "ingestion/setup.cfg"} <= set(found)


FAKE_ISORT = textwrap.dedent(
    """\
    import os, sys
    from pathlib import Path
    here = Path.cwd()
    assert os.environ["PWD"] == str(here), "PWD is the scratch root"
    assert (here / ".git").is_dir()
    assert (here / "ingestion/setup.cfg").read_text().startswith("[isort]")
    assert "pkgutil" in (here / "ingestion/src/metadata/__init__.py").read_text()
    assert (here / "ingestion/src/metadata/ingestion/source/dashboard/dashboard_service.py").exists()
    assert (here / "ingestion/src/metadata/generated/schema/type/basic.py").exists(), "models laid out"
    assert not (here / "ingestion/setup.py").read_text(), "other modules are placeholders"
    for arg in sys.argv[1:]:
        if arg.endswith(".py"):
            path = here / arg
            path.write_text("# sorted\\n" + path.read_text())
    """
)


def test_scaffold_text_goes_through_the_apply_commands_on_a_scratch_copy(checkout, tmp_path):
    fake = tmp_path / "fake_tool.py"
    fake.write_text(FAKE_ISORT)
    calls = []

    def run_tool(tool, requirement):
        calls.append((tool, requirement))
        return [sys.executable, str(fake)]

    target = checkout.root / "ingestion/src/metadata/ingestion/source/dashboard/newone/client.py"
    before = sorted(p for p in checkout.root.rglob("*"))
    out = formatting.format_texts(checkout.root, {target: "import os\n"}, run_tool)
    assert out[target] == "# sorted\n# sorted\n# sorted\nimport os\n"  # pycln, isort, black in turn
    assert calls == [("pycln", "pycln"), ("isort", "isort==5.12.0"), ("black", "black==22.3.0")]
    assert sorted(p for p in checkout.root.rglob("*")) == before  # nothing written into the tree


def test_a_failing_formatter_leaves_the_rendered_text(checkout):
    target = checkout.root / "ingestion/src/metadata/ingestion/source/dashboard/newone/client.py"
    out = formatting.format_texts(checkout.root, {target: "x=1\n"}, lambda t, r: ["false"])
    assert out[target] == "x=1\n"


def test_ruff_formats_scaffold_text_like_format_does(tmp_path):
    root = tmp_path / "ws"
    write(root, "ingestion/pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    target = root / "ingestion/src/metadata/x.py"
    run = formatting.runner_for(None, ("uv",), None)
    assert run("ruff", f"ruff=={formatting.own_version('ruff')}")[:2] == [sys.executable, "-m"]
    assert run("black", "black==22.3.0")[:3] == ["uv", "tool", "run"]
    out = formatting.format_texts(root, {target: "import os\nx=[1,2 ,3]\n"}, run)
    assert out[target] == "x = [1, 2, 3]\n"  # lint fixes (the unused import), then layout
    assert not target.exists()


def test_a_workspace_env_runs_its_own_copy(tmp_path):
    python = tmp_path / "venv/bin/python"
    write(tmp_path, "venv/bin/black", "#!/bin/sh\n")
    os.symlink(sys.executable, python)
    run = formatting.runner_for(python, ("uv",), None)
    assert run("black", "black==22.3.0") == [str(python), "-m", "black"]
    assert run("isort", "isort==5.12.0")[:3] == ["uv", "tool", "run"]
