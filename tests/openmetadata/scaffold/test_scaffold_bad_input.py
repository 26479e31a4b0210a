"""The bad-input corpus: every case exits 2 with one line naming the fix and changes no byte."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from connkit import fsutil
from connkit.openmetadata.workspace import Workspace

from .helpers import make_workspace, run_cli, tree_digest

DASH = ["--service-type", "dashboard"]
DB = ["--service-type", "database"]


@dataclass
class Case:
    id: str
    args: list[str]
    message: str
    setup: Callable[[Workspace], None] | None = None
    env: dict[str, str] = field(default_factory=dict)


def _write(rel: str, text: str = "x\n") -> Callable[[Workspace], None]:
    def setup(ws: Workspace) -> None:
        path = ws.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    return setup


def _override(rel: str, text: str) -> Callable[[Workspace], None]:
    return _write(f"overrides/connector/{rel}", text)


def _pyproject(text: str) -> Callable[[Workspace], None]:
    return _write("pyproject.toml", text)


def _file_instead_of_dir(ws: Workspace) -> None:
    target = ws.root / "ingestion/src/metadata/ingestion/source/pipeline"
    target.mkdir(parents=True, exist_ok=True)
    (target / "new_pipe").write_text("a file where the package folder must go\n")


def _no_schema_dir(ws: Workspace) -> None:
    import shutil

    shutil.rmtree(ws.root / "openmetadata-spec/src")
    (ws.root / "openmetadata-spec/src").mkdir()


CASES = [
    # names
    Case("empty-name", ["--name", "", *DASH], "--name is required"),
    Case("missing-name", DASH, "--name is required"),
    Case("uppercase", ["--name", "My_Db", *DB], "is not snake_case"),
    Case("leading-digit", ["--name", "1db", *DB], "is not snake_case"),
    Case("dash", ["--name", "my-db", *DB], "is not snake_case"),
    Case("space", ["--name", "my db", *DB], "is not snake_case"),
    Case("unicode", ["--name", "näme", *DB], "is not snake_case"),
    Case("dotdot-path", ["--name", "../evil", *DB], "looks like a path"),
    Case("slash-path", ["--name", "a/b", *DB], "looks like a path"),
    Case("absolute-path", ["--name", "/tmp/x", *DB], "looks like a path"),
    Case("backslash-path", ["--name", "..\\x", *DB], "looks like a path"),
    Case("hidden", ["--name", ".hidden", *DB], "looks like a path"),
    Case("keyword", ["--name", "class", *DB], "is a Python keyword"),
    Case("keyword-import", ["--name", "import", *DB], "is a Python keyword"),
    Case("soft-keyword", ["--name", "match", *DB], "is a Python keyword"),
    Case("reserved-common", ["--name", "common", *DB], "is reserved"),
    Case("reserved-type", ["--name", "database", *DB], "is reserved"),
    Case("reserved-module", ["--name", "metadata", *DASH], "is reserved"),
    Case("reserved-base", ["--name", "dashboard_service", *DASH], "is reserved"),
    Case("too-long", ["--name", "x" * 65, *DB], "longer than 64"),
    Case("double-underscore", ["--name", "my__db", *DB], "double underscore"),
    Case("trailing-underscore", ["--name", "mydb_", *DB], "underscore"),
    Case("exists-package", ["--name", "mysql", *DB], "already"),
    Case(
        "exists-enum", ["--name", "open_search", "--service-type", "search"], "already a search service type"
    ),
    Case("exists-case-clash", ["--name", "my_sql", *DB], "different case"),
    Case(
        "exists-unit-test",
        ["--name", "new_dash", *DASH],
        "test_new_dash.py already exists",
        setup=_write("ingestion/tests/unit/topology/dashboard/test_new_dash.py"),
    ),
    Case(
        "exists-test-connection",
        ["--name", "new_dash", *DASH],
        "newDash.json already exists",
        setup=_write(
            "openmetadata-service/src/main/resources/json/data/testConnections/dashboard/newDash.json"
        ),
    ),
    # service and connection types
    Case("missing-service-type", ["--name", "new_x"], "--service-type is required"),
    Case("unknown-service-type", ["--name", "new_x", "--service-type", "databse"], "unknown --service-type"),
    Case("drive-not-supported", ["--name", "new_x", "--service-type", "drive"], "unknown --service-type"),
    Case(
        "unknown-connection-type",
        ["--name", "new_x", *DB, "--connection-type", "graphql"],
        "unknown --connection-type",
    ),
    Case(
        "sqlalchemy-dashboard",
        ["--name", "new_x", *DASH, "--connection-type", "sqlalchemy"],
        "sqlalchemy is only for database",
    ),
    Case(
        "sqlalchemy-api",
        ["--name", "new_x", "--service-type", "api", "--connection-type", "sqlalchemy"],
        "sqlalchemy is only for database",
    ),
    # auth and capabilities
    Case("unknown-auth", ["--name", "new_x", *DB, "--auth-types", "kerberos"], "unknown --auth-types"),
    Case(
        "unknown-auth-in-list", ["--name", "new_x", *DB, "--auth-types", "basic,ldap"], "unknown --auth-types"
    ),
    Case(
        "unknown-auth-repeated",
        ["--name", "new_x", *DB, "--auth-types", "basic", "--auth-types", "sso"],
        "unknown --auth-types",
    ),
    Case("unknown-capability", ["--name", "new_x", *DB, "--capabilities", "magic"], "unknown --capabilities"),
    Case(
        "usage-on-dashboard",
        ["--name", "new_x", *DASH, "--capabilities", "usage"],
        "database connectors only",
    ),
    Case(
        "data-diff-on-pipeline",
        ["--name", "new_x", "--service-type", "pipeline", "--capabilities", "data_diff"],
        "database connectors only",
    ),
    Case(
        "profiler-on-rest-db",
        ["--name", "new_x", *DB, "--connection-type", "rest_api", "--capabilities", "profiler"],
        "needs --connection-type sqlalchemy",
    ),
    # scheme and ports
    Case(
        "scheme-on-dashboard", ["--name", "new_x", *DASH, "--scheme", "http"], "use it with --connection-type"
    ),
    Case(
        "scheme-with-space", ["--name", "new_x", *DB, "--scheme", "my scheme"], "is not a SQLAlchemy scheme"
    ),
    Case(
        "scheme-uppercase",
        ["--name", "new_x", *DB, "--scheme", "MySQL+pymysql"],
        "is not a SQLAlchemy scheme",
    ),
    Case("port-not-number", ["--name", "new_x", *DB, "--default-port", "abc"], "must be a port number"),
    Case("port-zero", ["--name", "new_x", *DB, "--default-port", "0"], "between 1 and 65535"),
    Case("port-too-big", ["--name", "new_x", *DB, "--default-port", "70000"], "between 1 and 65535"),
    # urls, sdk, endpoints
    Case(
        "docs-url-ftp", ["--name", "new_x", *DB, "--docs-url", "ftp://example.com"], "is not an http(s) URL"
    ),
    Case(
        "docs-url-js", ["--name", "new_x", *DB, "--docs-url", "javascript:alert(1)"], "is not an http(s) URL"
    ),
    Case(
        "sdk-on-rest",
        ["--name", "new_x", *DASH, "--sdk-package", "vendor"],
        "applies to --connection-type sdk_client",
    ),
    Case(
        "sdk-bad-module",
        ["--name", "new_x", *DASH, "--connection-type", "sdk_client", "--sdk-package", "not a module!"],
        "is not an importable module name",
    ),
    Case(
        "endpoint-no-slash", ["--name", "new_x", *DASH, "--api-endpoints", "api/items"], "is not a URL path"
    ),
    Case("endpoint-space", ["--name", "new_x", *DASH, "--api-endpoints", "/a b"], "is not a URL path"),
    Case("endpoint-quote", ["--name", "new_x", *DASH, "--api-endpoints", '/a"b'], "is not a URL path"),
    Case(
        "endpoint-on-sqlalchemy",
        ["--name", "new_x", *DB, "--api-endpoints", "/api/x"],
        "for REST/SDK connectors",
    ),
    # free text that must stay data
    Case("notes-expression", ["--name", "new_x", *DB, "--docs-notes", "{{ 7*7 }}"], "template syntax"),
    Case(
        "notes-statement",
        ["--name", "new_x", *DB, "--docs-notes", "{% for x in y %}{% endfor %}"],
        "template syntax",
    ),
    Case("notes-comment", ["--name", "new_x", *DB, "--docs-notes", "{# hidden #}"], "template syntax"),
    Case("notes-half", ["--name", "new_x", *DB, "--docs-notes", "see }} here"], "template syntax"),
    Case("display-newline", ["--name", "new_x", *DB, "--display-name", "two\nlines"], "single line"),
    Case("description-control", ["--name", "new_x", *DB, "--description", "bell\x07"], "control characters"),
    # docker
    Case("docker-port-no-image", ["--name", "new_x", *DB, "--docker-port", "5432"], "needs --docker-image"),
    Case(
        "docker-image-no-port", ["--name", "new_x", *DASH, "--docker-image", "nginx:1"], "needs --docker-port"
    ),
    Case(
        "docker-bad-image",
        ["--name", "new_x", *DB, "--docker-image", "Bad Image!", "--docker-port", "1"],
        "is not an image reference",
    ),
    Case(
        "docker-port-negative",
        ["--name", "new_x", *DB, "--docker-image", "postgres:16", "--docker-port", "-1"],
        "between 1 and 65535",
    ),
    # templates
    Case(
        "templates-missing", ["--name", "new_x", *DB, "--templates", "/nonexistent/dir"], "is not a directory"
    ),
    Case(
        "templates-syntax",
        ["--name", "new_x", *DB, "--templates", "overrides"],
        "syntax error",
        setup=_override("CONNECTOR_CONTEXT.md.j2", "{% if %}\n"),
    ),
    Case(
        "templates-undefined",
        ["--name", "new_x", *DB, "--templates", "overrides"],
        "unknown variable",
        setup=_override("CONNECTOR_CONTEXT.md.j2", "{{ nothing_by_this_name }}\n"),
    ),
    Case(
        "templates-bad-json",
        ["--name", "new_x", *DB, "--templates", "overrides"],
        "invalid JSON",
        setup=_override("test_connection.json.j2", "{not json\n"),
    ),
    Case(
        "templates-steps-mismatch",
        ["--name", "new_x", *DASH, "--templates", "overrides"],
        "fails its checks",
        setup=_override(
            "test_connection.json.j2",
            '{"name": "{{ camel }}", "steps": [{"name": "Other", "description": "d", "mandatory": true}]}\n',
        ),
    ),
    Case(
        "templates-dangling-ref",
        ["--name", "new_x", *DASH, "--templates", "overrides"],
        "does not resolve",
        setup=_override(
            "schema/connection.json.j2",
            '{"$id": "https://open-metadata.org/schema/entity/services/connections/dashboard/x.json",'
            ' "title": "X", "javaType": "x", "definitions": {}, "required": [],'
            ' "additionalProperties": false,'
            ' "properties": {"a": {"$ref": "../../../../type/missing.json"}}}\n',
        ),
    ),
    Case(
        "templates-python-syntax",
        ["--name", "new_x", *DASH, "--templates", "overrides"],
        "fails its checks",
        setup=_override("package/metadata.py.j2", "def broken(:\n"),
    ),
    Case(
        "pyproject-missing-dir",
        ["--name", "new_x", *DB],
        "is not a directory",
        setup=_pyproject('[tool.connkit]\ntemplates = "no/such/dir"\n'),
    ),
    Case(
        "pyproject-invalid",
        ["--name", "new_x", *DB],
        "is not valid TOML",
        setup=_pyproject("[tool.connkit\n"),
    ),
    # the tree
    Case(
        "file-where-folder",
        ["--name", "new_pipe", "--service-type", "pipeline"],
        "already exists",
        setup=_file_instead_of_dir,
    ),
    Case(
        "no-schema-dir",
        ["--name", "new_x", *DB],
        "run scaffold inside an OpenMetadata workspace",
        setup=_no_schema_dir,
    ),
    # no flags, no terminal
    Case("no-flags-no-tty", [], "pass at least --name and --service-type"),
]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_and_changes_nothing(case, tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    if case.setup:
        case.setup(ws)
    monkeypatch.chdir(ws.root)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CONNKIT_WORKSPACE", raising=False)
    before = tree_digest(ws.root)
    code, out, err = run_cli(case.args, capsys)
    assert code == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("connkit: error: ")
    assert case.message in lines[0]
    assert tree_digest(ws.root) == before


def test_unwritable_folder_is_refused_before_writing(tmp_path, monkeypatch, capsys):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    ws = make_workspace(tmp_path / "ws")
    source = ws.root / "ingestion/src/metadata/ingestion/source/dashboard"
    source.chmod(0o555)
    monkeypatch.chdir(ws.root)
    before = tree_digest(ws.root)
    try:
        code, _, err = run_cli(["--name", "new_dash", *DASH], capsys)
    finally:
        source.chmod(0o755)
    assert code == 2
    assert "is not writable" in err
    assert tree_digest(ws.root) == before


def test_a_failure_halfway_through_writing_rolls_everything_back(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    real_stage = fsutil._stage
    written: list[Path] = []

    def failing_stage(tmp, data, like):
        if len(written) == 5:
            raise PermissionError(13, "Permission denied", str(tmp))
        written.append(Path(tmp))
        real_stage(tmp, data, like)

    monkeypatch.setattr(fsutil, "_stage", failing_stage)
    before = tree_digest(ws.root)
    code, _, err = run_cli(["--name", "new_dash", *DASH], capsys)
    assert code == 2
    assert "nothing was changed" in err
    assert len(written) == 5
    assert tree_digest(ws.root) == before
