"""Affected detection on a real git history in a temp workspace, and the matrix it prints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from connkit.engine.step import Step
from connkit.errors import UsageError
from connkit.openmetadata.ci.affected import changed_files, path_matches, plan, step_connector
from connkit.openmetadata.connectors import find_connectors
from connkit.openmetadata.steps.catalog import all_steps
from connkit.openmetadata.workspace import Workspace
from tests.conftest import connkit_env, run_connkit
from tests.engine.test_globs import FILES, PATTERNS, every_file

SCHEMAS = "openmetadata-spec/src/main/resources/json/schema"
CONNECTIONS = f"{SCHEMAS}/entity/services/connections"
SOURCE = "ingestion/src/metadata/ingestion/source"
TESTS_DEF = "openmetadata-service/src/main/resources/json/data/testConnections"

CONFIG = f"""
[[steps]]
id = "generate.python"
inputs = ["{SCHEMAS}"]
outputs = ["out/models"]
command = ["sh", "-c", "mkdir -p out/models"]

[[steps]]
id = "validate.mysql"
deps = ["generate.python"]
inputs = ["{SOURCE}/database/mysql", "{CONNECTIONS}/database/mysqlConnection.json"]
command = ["true"]

[[steps]]
id = "validate.big_query"
deps = ["generate.python"]
inputs = ["{SOURCE}/database/big_query/**/*.py", "!{SOURCE}/database/big_query/**/test_*.py"]
command = ["true"]

[[steps]]
id = "validate.metabase"
deps = ["generate.python"]
inputs = ["{SOURCE}/dashboard/metabase"]
command = ["true"]

[[steps]]
id = "docs.site"
inputs = ["docs"]
command = ["true"]
"""


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write(root: Path, rel: str, text: str = "x\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture
def ws(ws_root: Path) -> Path:
    root = ws_root
    for service_type, name, module in (
        ("database", "mysql", "mysql"),
        ("database", "big_query", "bigQuery"),
        ("dashboard", "metabase", "metabase"),
    ):
        write(root, f"{CONNECTIONS}/{service_type}/{module}Connection.json", "{}\n")
        write(root, f"{TESTS_DEF}/{service_type}/{module}.json", "{}\n")
        write(root, f"{SOURCE}/{service_type}/{name}/__init__.py", "")
        write(root, f"{SOURCE}/{service_type}/{name}/metadata.py", f"# {name}\n")
    write(root, f"{SOURCE}/database/common_helpers/__init__.py", "")  # no schema: not a connector
    write(root, f"{SCHEMAS}/entity/services/connections/common/basicAuth.json", "{}\n")
    write(root, "docs/index.md", "# docs\n")
    write(root, "connkit.toml", CONFIG)
    write(root, ".gitignore", "out/\n.connkit/\n")
    git(root, "init", "-q", "-b", "main")
    commit(root, "workspace")
    return root


def connectors_of(p) -> set[str]:
    return {e["connector"] for e in p.include}


def make_plan(root: Path, base: str | None, pythons=("3.11",)):
    workspace = Workspace(root)
    return plan(root, find_connectors(workspace), all_steps(workspace), base, pythons)


def test_connectors_are_packages_with_a_connection_schema(ws):
    found = {(c.service_type, c.name): c for c in find_connectors(Workspace(ws))}
    assert set(found) == {("database", "mysql"), ("database", "big_query"), ("dashboard", "metabase")}
    assert found[("database", "big_query")].schema.endswith("database/bigQueryConnection.json")
    assert found[("database", "big_query")].test_connection.endswith("database/bigQuery.json")


def test_editing_one_connector_affects_only_it(ws):
    write(ws, f"{SOURCE}/database/mysql/metadata.py", "# changed\n")
    commit(ws, "mysql only")
    result = make_plan(ws, "HEAD~1", ("3.10", "3.11", "3.12"))
    assert result.include == [
        {
            "connector": "mysql",
            "service_type": "database",
            "python": py,
            "session": "validate(connector='mysql')",
        }
        for py in ("3.10", "3.11", "3.12")
    ]


def test_editing_a_common_schema_affects_every_connector(ws):
    write(ws, f"{SCHEMAS}/entity/services/connections/common/basicAuth.json", '{"type": "object"}\n')
    commit(ws, "common auth")
    result = make_plan(ws, "HEAD~1")
    assert connectors_of(result) == {"mysql", "big_query", "metabase"}
    assert any("is an input of" in r for r in result.why.reasons["metabase"])


def test_a_connection_schema_reaches_all_through_the_shared_generator(ws):
    """A connector's own schema is also an input of the shared generator (it regenerates every
    model), so the honest answer is: everything."""
    write(ws, f"{CONNECTIONS}/dashboard/metabaseConnection.json", '{"title": "x"}\n')
    commit(ws, "metabase schema")
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"mysql", "big_query", "metabase"}


def test_test_connection_definition_is_a_connectors_own_file(ws):
    write(ws, f"{TESTS_DEF}/database/bigQuery.json", '{"name": "BigQuery"}\n')
    commit(ws, "bq test connection")
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"big_query"}


def test_excluded_inputs_and_unrelated_files_affect_nothing(ws):
    write(ws, f"{SOURCE}/database/big_query/helpers/test_unit.py", "# a test, excluded from the step\n")
    commit(ws, "bq test helper")
    # not an input of validate.big_query, but still big_query's own file
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"big_query"}
    write(ws, "README.md", "# read me\n")
    commit(ws, "readme")
    assert make_plan(ws, "HEAD~1").include == []


def test_inputs_of_any_shared_step_affect_all(ws):
    """docs.site belongs to no connector: erring towards validating too much, not too little."""
    write(ws, "docs/index.md", "# new docs\n")
    commit(ws, "docs")
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"mysql", "big_query", "metabase"}


def test_uncommitted_and_untracked_changes_count(ws):
    write(ws, f"{SOURCE}/dashboard/metabase/client.py", "# new, untracked\n")
    assert connectors_of(make_plan(ws, "HEAD")) == {"metabase"}


def test_deleted_and_renamed_files_count(ws):
    git(ws, "mv", f"{SOURCE}/dashboard/metabase/metadata.py", "moved.py")
    commit(ws, "move")
    assert "dashboard/metabase/metadata.py" in " ".join(changed_files(ws, "HEAD~1"))
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"metabase"}


def test_merge_base_diff_ignores_what_only_the_base_branch_changed(ws):
    git(ws, "checkout", "-qb", "feature")
    write(ws, f"{SOURCE}/database/mysql/metadata.py", "# feature\n")
    commit(ws, "feature")
    git(ws, "checkout", "-q", "main")
    write(ws, f"{SOURCE}/dashboard/metabase/metadata.py", "# main moved on\n")
    commit(ws, "main")
    git(ws, "checkout", "-q", "feature")
    assert connectors_of(make_plan(ws, "main")) == {"mysql"}


def test_no_base_or_a_null_sha_means_every_connector(ws):
    assert connectors_of(make_plan(ws, None)) == {"mysql", "big_query", "metabase"}
    assert connectors_of(make_plan(ws, "0" * 40)) == {"mysql", "big_query", "metabase"}


def test_changing_the_step_definitions_affects_all(ws):
    write(ws, "connkit.toml", CONFIG + "\n# tweak\n")
    commit(ws, "config")
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"mysql", "big_query", "metabase"}


def test_unknown_base_is_a_usage_error(ws):
    with pytest.raises(UsageError, match="fetch-depth"):
        make_plan(ws, "no-such-branch")


def test_step_ownership_rule():
    names = ["mysql", "metabase"]
    assert step_connector(Step(id="validate.mysql", command=("true",)), names) == "mysql"
    assert step_connector(Step(id="generate.python", command=("true",)), names) is None
    assert step_connector(Step(id="test.unknown", command=("true",)), names) is None


@pytest.mark.parametrize(
    "patterns, path, expected",
    [
        (("a/b",), "a/b/c.py", True),
        (("a/b",), "a/bc/d.py", False),
        (("a/*.py",), "a/x.py", True),
        (("a/*.py",), "a/b/x.py", False),
        (("a/**/*.py",), "a/b/c/x.py", True),
        (("a/**/*.py", "!a/**/test_*.py"), "a/b/test_x.py", False),
        (("a",), "a/__pycache__/x.py", False),
        (("a/f.json",), "a/f.json", True),
        (("a/{b,c}/*.py",), "a/c/x.py", True),
        (("a/{b,c}/*.py",), "a/d/x.py", False),
        (("{a/b,d}",), "d/e/f.py", True),
        (("a/**/*.py", "!a/gen"), "a/gen/deep/x.py", False),
        (("a/**/*.py", "!a/{gen,out}"), "a/out/x.py", False),
        (("a/**/*.py", "!a/gen"), "a/generated.py", True),
        (("a",), ".git/x", False),
        (("a/*",), "a/.env", True),
    ],
)
def test_path_matches_follows_fileset_rules(patterns, path, expected):
    assert path_matches(patterns, path) is expected


@pytest.mark.parametrize("patterns", PATTERNS, ids=" ".join)
def test_path_matches_agrees_with_the_walker(tmp_path, patterns):
    """ci.matrix decides from a path alone what the engine decides by listing folders: for
    every file that exists, both must give the same answer."""
    from connkit.engine.globs import expand

    for rel in FILES:
        write(tmp_path, rel, rel)
    assert [p for p in every_file(tmp_path) if path_matches(patterns, p)] == expand(tmp_path, patterns)


def test_brace_inputs_affect_their_connector(ws):
    config = CONFIG.replace(
        f'inputs = ["{SOURCE}/dashboard/metabase"]',
        f'inputs = ["{SOURCE}/dashboard/{{metabase,shared}}/*.py"]',
    )
    assert config != CONFIG
    write(ws, "connkit.toml", config)
    write(ws, f"{SOURCE}/dashboard/shared/__init__.py", "")
    commit(ws, "metabase reads a shared folder")
    write(ws, f"{SOURCE}/dashboard/shared/helpers.py", "# new\n")  # not a connector's own file
    commit(ws, "shared helper")
    result = make_plan(ws, "HEAD~1")
    assert connectors_of(result) == {"metabase"}
    assert result.why.reasons["metabase"] == [
        f"{SOURCE}/dashboard/shared/helpers.py is an input of validate.metabase"
    ]


def test_non_ascii_paths_are_read_as_they_are(ws):
    """git quotes such paths unless asked for NUL-separated output; quoted, they matched nothing."""
    committed = f"{SOURCE}/database/mysql/café/metadata.py"
    modified = f"{SOURCE}/dashboard/metabase/métadata.py"
    untracked = f'{SOURCE}/database/big_query/naïve "quoted"\tname.py'
    write(ws, modified, "# before\n")
    commit(ws, "a non-ASCII file")
    write(ws, committed, "# new\n")
    commit(ws, "café")
    write(ws, modified, "# after, not committed\n")
    write(ws, untracked, "# untracked\n")
    assert set(changed_files(ws, "HEAD~1")) == {committed, modified, untracked}
    assert connectors_of(make_plan(ws, "HEAD~1")) == {"mysql", "metabase", "big_query"}


def shallow_clone(ws: Path, tmp_path: Path) -> Path:
    """A feature branch cloned as actions/checkout does by default: one commit deep."""
    git(ws, "checkout", "-qb", "feature")
    write(ws, f"{SOURCE}/database/mysql/metadata.py", "# feature 1\n")
    commit(ws, "feature 1")
    write(ws, f"{SOURCE}/database/mysql/metadata.py", "# feature 2\n")
    commit(ws, "feature 2")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{ws}", str(clone)],
        check=True,
        capture_output=True,
    )
    return clone


EVERY = {"mysql", "big_query", "metabase"}


def test_a_shallow_clone_without_the_merge_base_means_every_connector(ws, tmp_path):
    clone = shallow_clone(ws, tmp_path)
    main_sha = git(ws, "rev-parse", "main").strip()
    # the base commit is not in the clone at all
    result = make_plan(clone, main_sha)
    assert connectors_of(result) == EVERY
    assert result.why.reasons["mysql"] == [
        f"{main_sha} is not a commit in this clone (shallow?): every connector"
    ]
    assert result.warning and main_sha in result.warning
    # the base is fetched, one commit deep too: it is there, but shares no history with HEAD
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    result = make_plan(clone, "origin/main")
    assert connectors_of(result) == EVERY
    assert result.why.reasons["metabase"] == [
        "no merge base with origin/main in this clone (shallow?): every connector"
    ]
    # deepened, the merge base is found and only mysql is affected
    git(clone, "fetch", "-q", "--unshallow", "origin", "feature")
    result = make_plan(clone, "origin/main")
    assert connectors_of(result) == {"mysql"} and result.warning is None


def test_an_unrelated_history_base_means_every_connector(ws):
    git(ws, "checkout", "-q", "--orphan", "unrelated")
    git(ws, "rm", "-rqf", ".")
    write(ws, "other.txt", "another project\n")
    commit(ws, "unrelated root")
    git(ws, "checkout", "-qf", "main")
    result = make_plan(ws, "unrelated")
    assert connectors_of(result) == EVERY
    assert result.why.reasons["big_query"] == [
        "no merge base with unrelated in this clone (shallow?): every connector"
    ]


def test_cli_matrix_warns_and_validates_everything_without_a_merge_base(ws, tmp_path):
    clone = shallow_clone(ws, tmp_path)
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    proc = run_connkit("ci.matrix", "--base", "origin/main", "--python", "3.11", cwd=clone)
    assert proc.returncode == 0, proc.stderr
    assert {e["connector"] for e in json.loads(proc.stdout)["include"]} == EVERY
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("warning: no merge base with origin/main in this clone (shallow?)")


def test_cli_matrix_names_exactly_the_affected_connectors(ws):
    write(ws, f"{SOURCE}/dashboard/metabase/metadata.py", "# changed\n")
    commit(ws, "metabase")
    proc = run_connkit("ci.matrix", "--base", "HEAD~1", "--python", "3.10,3.12", cwd=ws)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1  # one line, ready for $GITHUB_OUTPUT
    assert json.loads(proc.stdout) == {
        "include": [
            {
                "connector": "metabase",
                "service_type": "dashboard",
                "python": py,
                "session": "validate(connector='metabase')",
            }
            for py in ("3.10", "3.12")
        ]
    }
    detail = json.loads(run_connkit("ci.matrix", "--base", "HEAD~1", "--format", "json", cwd=ws).stdout)
    assert detail["changed"] == [f"{SOURCE}/dashboard/metabase/metadata.py"]
    assert list(detail["affected"]) == ["metabase"] and len(detail["include"]) == 3
    bad = run_connkit("ci.matrix", "--base", "nope", cwd=ws)
    assert bad.returncode == 2 and "fetch" in bad.stderr


@pytest.mark.slow
def test_matrix_sessions_are_exactly_the_ones_nox_lists(ws):
    """`connkit ci.install` gives the workspace a noxfile; `nox -l --json` then lists one
    validate session per connector, and the matrix names exactly those."""
    import sys

    install = run_connkit("ci.install", cwd=ws)
    assert install.returncode == 0 and "wrote: noxfile.py" in install.stdout
    env = connkit_env()
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "-l",
            "--json",
            "-s",
            *(f"validate(connector='{n}')" for n in ("mysql", "big_query", "metabase")),
        ],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    sessions = {s["session"] for s in json.loads(listed.stdout)}
    proc = run_connkit("ci.matrix", "--python", "3.11", cwd=ws)
    assert {e["session"] for e in json.loads(proc.stdout)["include"]} == sessions
    assert sessions == {
        "validate(connector='mysql')",
        "validate(connector='big_query')",
        "validate(connector='metabase')",
    }
