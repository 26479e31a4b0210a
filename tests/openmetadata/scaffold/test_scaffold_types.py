"""Every service type and allowed connection type scaffolds a connector that passes its checks."""

from __future__ import annotations

import datetime
import json
import shutil

import pytest

from connkit.openmetadata.connectors import Connector

from .helpers import check_connector, make_workspace, run_cli, tree_digest

MATRIX = [
    ("database", "sqlalchemy"),
    ("database", "rest_api"),
    ("database", "sdk_client"),
    *[
        (t, c)
        for t in ("dashboard", "pipeline", "messaging", "mlmodel", "storage", "search", "api")
        for c in ("rest_api", "sdk_client")
    ],
]


@pytest.mark.parametrize(("service_type", "connection_type"), MATRIX, ids=[f"{t}-{c}" for t, c in MATRIX])
def test_each_type_scaffolds_a_working_connector(
    service_type, connection_type, tmp_path, monkeypatch, capsys
):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    name = f"acme_{service_type}"
    args = [
        "--name",
        name,
        "--service-type",
        service_type,
        "--connection-type",
        connection_type,
        "--docker-image",
        "acme/server:1.2",
        "--docker-port",
        "8080",
    ]
    if connection_type == "sqlalchemy":
        args += ["--capabilities", "metadata,lineage", "--capabilities", "usage,profiler,stored_procedures"]
    if connection_type == "sdk_client":
        args += ["--sdk-package", "acme.sdk"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    names = Connector.named(name, service_type)
    problems = check_connector(ws, service_type, name, names.module)
    assert problems == []
    pkg = ws.source_package(service_type, name)
    expected = {"__init__.py", "connection.py", "metadata.py", "service_spec.py", "CONNECTOR_CONTEXT.md"}
    expected |= (
        {"queries.py", "query_parser.py", "lineage.py", "usage.py"}
        if connection_type == "sqlalchemy"
        else {"client.py"}
    )
    assert {p.name for p in pkg.iterdir()} == expected
    assert (ws.root / f"ingestion/tests/unit/topology/{service_type}/test_{name}.py").is_file()
    assert (ws.root / f"ingestion/tests/integration/connections/test_{name}_connection.py").is_file()
    assert (ws.root / f"ingestion/tests/integration/{name}/conftest.py").is_file()
    assert "**/CONNECTOR_CONTEXT.md" in (ws.root / ".gitignore").read_text()
    assert f"scaffolded {names.camel}" in out


def alternatives_of(schema: dict) -> list[dict]:
    """The auth alternatives of a connection schema, its own #/definitions/ resolved."""
    props = schema["properties"]
    if "authType" not in props:
        return [{"properties": props}]
    out = []
    for option in props["authType"]["oneOf"]:
        ref = option.get("$ref", "")
        out.append(schema["definitions"][ref.split("/")[-1]] if ref.startswith("#/definitions/") else option)
    return out


@pytest.mark.parametrize(
    "auth_types", ["basic", "iam", "azure", "jwt", "token", "oauth", "basic,token", "iam,azure,jwt"]
)
@pytest.mark.parametrize("service_type", ["database", "dashboard"])
def test_every_auth_type_wires_resolvable_fields(auth_types, service_type, tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, _, err = run_cli(
        ["--name", "auth_probe", "--service-type", service_type, "--auth-types", auth_types], capsys
    )
    assert code == 0, err
    assert check_connector(ws, service_type, "auth_probe", "authProbe") == []
    schema = json.loads(ws.connection_schema(service_type, "authProbe").read_text())
    props = schema["properties"]
    if service_type == "database" and set(auth_types.split(",")) & {"basic", "iam", "azure", "jwt"}:
        assert "authType" in props and {"username", "authType"} <= set(schema["required"])
    alternatives = alternatives_of(schema)
    if "token" in auth_types or "oauth" in auth_types:
        tokens = [a["properties"]["token"] for a in alternatives if "token" in a.get("properties", {})]
        assert [t["format"] for t in tokens] == ["password"]
    if len(alternatives) > 1:
        assert "authType" in schema["required"]
    for name, spec in props.items():  # review's rule: a top-level auth field is required
        if name in ("username", "password", "token", "authType", "awsConfig", "azureConfig"):
            assert name in schema["required"], (name, spec)
    if service_type == "dashboard":
        assert props["hostPort"]["format"] == "uri"
        assert props["sslConfig"]["$ref"].endswith("verifySSLConfig.json#/definitions/sslConfig")
        if auth_types == "basic":
            assert {"username", "password"} <= set(schema["required"])


def test_schema_has_the_reference_shape(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, _, _ = run_cli(
        ["--name", "big_query", "--service-type", "database", "--scheme", "bigquery"], capsys
    )
    assert code == 0
    schema = json.loads(ws.connection_schema("database", "bigQuery").read_text())
    assert (
        schema["$id"]
        == "https://open-metadata.org/schema/entity/services/connections/database/bigQueryConnection.json"
    )
    assert schema["title"] == "BigQueryConnection"
    assert schema["javaType"] == "org.openmetadata.schema.services.connections.database.BigQueryConnection"
    assert schema["definitions"]["bigQueryType"] == {
        "description": "Service type.",
        "type": "string",
        "enum": ["BigQuery"],
        "default": "BigQuery",
    }
    assert schema["properties"]["type"]["$ref"] == "#/definitions/bigQueryType"
    assert schema["properties"]["scheme"]["default"] == "bigquery"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["supportsMetadataExtraction"]["$ref"] == (
        "../connectionBasicType.json#/definitions/supportsMetadataExtraction"
    )
    assert schema["properties"]["authType"]["oneOf"] == [{"$ref": "./common/basicAuth.json"}]


TEMPLATE_SYNTAX = [
    "{{ 7*7 }}",
    "{% for x in y %}{{ x }}{% endfor %}",
    "{# hidden #}",
    "see }} here and {% raw %} there",
    "{{ self.__init__.__globals__ }}",
]


@pytest.mark.parametrize("text", TEMPLATE_SYNTAX)
@pytest.mark.parametrize("service_type", ["api", "database"])
def test_template_syntax_in_flag_text_is_written_literally(text, service_type, tmp_path, monkeypatch, capsys):
    """Notes, descriptions and display names may hold anything printable; no template sees them twice."""
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    display = f"Acme {text}"
    args = ["--name", "acme", "--service-type", service_type, "--display-name", display]
    args += ["--description", f"about {text}", "--docs-notes", f"notes: {text}\nsecond line {text}"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    schema = json.loads(ws.connection_schema(service_type, "acme").read_text())
    assert schema["description"] == f"about {text}"
    assert schema["properties"]["hostPort"]["description"].startswith(
        f"{'URL of the' if service_type == 'api' else 'Host and port of the'} {display}"
    )
    definition = json.loads(ws.test_connection(service_type, "acme").read_text())
    assert definition["displayName"] == f"{display} Test Connection"
    assert display in definition["steps"][0]["description"]
    context = (ws.source_package(service_type, "acme") / "CONNECTOR_CONTEXT.md").read_text()
    assert f"| Display name | {display} |" in context
    assert f"## Description\n\nabout {text}\n" in context
    assert f"## Notes from the author\n\nnotes: {text}\nsecond line {text}\n" in context
    assert "49" not in context
    assert check_connector(ws, service_type, "acme", "acme") == []


def test_flag_text_is_rendered_literally(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    evil = "Acme \"'\\ {{ 7*7 }} {% raw %} ${HOME} $(id) </script>"
    code, _, err = run_cli(
        [
            "--name",
            "acme",
            "--service-type",
            "api",
            "--display-name",
            evil,
            "--description",
            evil,
            "--docs-notes",
            'use `rm -rf /`? no: plain <b>text</b> "quoted" {{ 7*7 }}',
            "--docs-url",
            "https://example.com/{{7*7}}/docs",
            "--api-endpoints",
            "/v1/it'ems",
        ],
        capsys,
    )
    assert code == 0, err
    schema = json.loads(ws.connection_schema("api", "acme").read_text())
    assert schema["description"] == evil
    assert (
        json.loads(ws.test_connection("api", "acme").read_text())["displayName"] == f"{evil} Test Connection"
    )
    context = (ws.source_package("api", "acme") / "CONNECTOR_CONTEXT.md").read_text()
    assert evil in context and 'plain <b>text</b> "quoted" {{ 7*7 }}' in context
    assert "<https://example.com/{{7*7}}/docs>" in context
    assert "49" not in context.replace(str(datetime.date.today().year), "")
    client = (ws.source_package("api", "acme") / "client.py").read_text()
    assert '"/v1/it\'ems"' in client
    assert check_connector(ws, "api", "acme", "acme") == []


def test_dry_run_previews_and_writes_nothing(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    before = tree_digest(ws.root)
    code, out, _ = run_cli(["--name", "peek", "--service-type", "pipeline", "--dry-run"], capsys)
    assert code == 0
    assert tree_digest(ws.root) == before
    assert "nothing written (dry run)" in out
    assert "create    ingestion/src/metadata/ingestion/source/pipeline/peek/client.py" in out
    assert (
        '"$id": "https://open-metadata.org/schema/entity/services/connections/pipeline/peekConnection.json"'
        in out
    )


def test_existing_files_need_force(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    assert run_cli(["--name", "again", "--service-type", "search"], capsys)[0] == 0
    metadata = ws.source_package("search", "again") / "metadata.py"
    metadata.write_text("# my edits\n")
    before = tree_digest(ws.root)
    code, _, err = run_cli(["--name", "again", "--service-type", "search"], capsys)
    assert code == 2 and "--force" in err
    assert tree_digest(ws.root) == before
    code, out, _ = run_cli(["--name", "again", "--service-type", "search", "--force"], capsys)
    assert code == 0 and "overwrite" in out
    assert metadata.read_text() != "# my edits\n"


def test_user_templates_replace_individual_files(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    own = ws.root / "my-templates" / "connector"
    own.mkdir(parents=True)
    (own / "CONNECTOR_CONTEXT.md.j2").write_text("# {{ camel }}: our house brief\n")
    (own / "_header.j2").write_text("#  Copyright ACME\n")
    (ws.root / "pyproject.toml").write_text('[tool.connkit]\ntemplates = "my-templates"\n')
    code, _, err = run_cli(["--name", "house", "--service-type", "messaging"], capsys)
    assert code == 0, err
    pkg = ws.source_package("messaging", "house")
    assert (pkg / "CONNECTOR_CONTEXT.md").read_text() == "# House: our house brief\n"
    assert (pkg / "metadata.py").read_text().startswith("#  Copyright ACME\n")
    assert "pagination" in (pkg / "client.py").read_text()  # everything else is still built in


def test_templates_flag_beats_pyproject(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    for folder, text in (("a", "from pyproject\n"), ("b", "from flag\n")):
        (ws.root / folder / "connector").mkdir(parents=True)
        (ws.root / folder / "connector" / "CONNECTOR_CONTEXT.md.j2").write_text(text)
    (ws.root / "pyproject.toml").write_text('[tool.connkit]\ntemplates = "a"\n')
    assert run_cli(["--name", "flagged", "--service-type", "storage", "--templates", "b"], capsys)[0] == 0
    assert (ws.source_package("storage", "flagged") / "CONNECTOR_CONTEXT.md").read_text() == "from flag\n"


def test_list_flags_take_commas_and_repeats(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, _, err = run_cli(
        [
            "--name",
            "multi",
            "--service-type",
            "dashboard",
            "--api-endpoints",
            "/a/boards,/a/charts",
            "--api-endpoints",
            "/a/boards",
            "--api-endpoints",
            "/b/boards",
        ],
        capsys,
    )
    assert code == 0, err
    client = (ws.source_package("dashboard", "multi") / "client.py").read_text()
    assert (
        "def list_a_boards(" in client and "def list_a_charts(" in client and "def list_b_boards(" in client
    )
    assert client.count('"/a/boards"') == 1


@pytest.mark.parametrize(("service_type", "connection_type"), MATRIX, ids=[f"{t}-{c}" for t, c in MATRIX])
def test_classic_framework_gets_function_style_connectors(
    service_type, connection_type, tmp_path, monkeypatch, capsys
):
    """A 1.x workspace (no ServiceSpec loader, pydantic v1) gets get_connection/test_connection."""
    ws = make_workspace(tmp_path / "ws")
    shutil.rmtree(ws.root / "ingestion/src/metadata/utils/service_spec")
    (ws.root / "ingestion/setup.py").write_text('install_requires = ["pydantic~=1.10"]\n')
    monkeypatch.chdir(ws.root)
    name = f"old_{service_type}"
    args = ["--name", name, "--service-type", service_type, "--connection-type", connection_type]
    if connection_type == "sqlalchemy":
        args += ["--capabilities", "metadata,lineage,usage"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert (
        check_connector(ws, service_type, name, Connector.named(name, service_type).module, classic=True)
        == []
    )
    pkg = ws.source_package(service_type, name)
    assert not (pkg / "service_spec.py").exists()
    connection = (pkg / "connection.py").read_text()
    assert "def get_connection(" in connection and "def test_connection(" in connection
    assert "BaseConnection" not in connection
    assert ".parse_obj(" in (pkg / "metadata.py").read_text()


def test_a_service_type_the_release_lacks_is_refused(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    (ws.service_schema("api")).unlink()
    monkeypatch.chdir(ws.root)
    before = tree_digest(ws.root)
    code, _, err = run_cli(["--name", "newapi", "--service-type", "api"], capsys)
    assert code == 2 and "has no api services" in err
    assert tree_digest(ws.root) == before


def test_a_name_the_loader_cannot_find_is_flagged(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, out, _ = run_cli(["--name", "my_db", "--service-type", "database"], capsys)
    assert code == 0
    assert "warning: the framework finds a connection by its lowercased type (MyDb -> mydb)" in out
    assert (
        "Prefer --name mydb" in (ws.source_package("database", "my_db") / "CONNECTOR_CONTEXT.md").read_text()
    )
    code, out, _ = run_cli(["--name", "mydash", "--service-type", "dashboard"], capsys)
    assert code == 0 and "warning" not in out


def test_no_flags_on_a_terminal_asks_the_questions(tmp_path, monkeypatch, capsys):
    import io
    import sys

    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    answers = iter(
        [
            "Bad-Name",
            "asked",
            "dashboard",
            "sdk_client",
            "Asked Service",
            "",
            "basic,tok",
            "basic,token",
            "/v1/boards",
            "vendor.sdk",
            "8443",
            "https://example.com/docs",
            "see the wiki",
            "y",
            "acme/asked:1",
            "9000",
            "y",  # write the files shown
        ]
    )
    monkeypatch.setattr("builtins.input", lambda *a, **k: next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code, out, err = run_cli([], capsys)
    assert code == 0, err
    assert next(answers, None) is None
    assert "the same as: connkit scaffold --name asked --service-type dashboard" in out
    schema = json.loads(ws.connection_schema("dashboard", "asked").read_text())
    assert [sorted(c["properties"]) for c in alternatives_of(schema)] == [["password", "username"], ["token"]]
    client = (ws.source_package("dashboard", "asked") / "client.py").read_text()
    assert '"/v1/boards"' in client and 'SDK_PACKAGE = "vendor.sdk"' in client
    assert (ws.root / "ingestion/tests/integration/asked/conftest.py").is_file()
    assert "see the wiki" in (ws.source_package("dashboard", "asked") / "CONNECTOR_CONTEXT.md").read_text()


def test_help_explains_every_flag(capsys):
    from connkit.cli.scaffold import HELP

    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    flags = [name.replace("_", "-") for name in HELP]
    assert len(flags) == 18
    for flag in flags:
        assert f"--{flag}" in out


def test_user_pyproject_templates_apply_when_the_workspace_has_none(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    config = tmp_path / "xdg" / "connkit"
    (config / "mine" / "connector").mkdir(parents=True)
    (config / "mine" / "connector" / "CONNECTOR_CONTEXT.md.j2").write_text("user brief for {{ camel }}\n")
    (config / "pyproject.toml").write_text('[tool.connkit]\ntemplates = "mine"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert run_cli(["--name", "usercfg", "--service-type", "pipeline"], capsys)[0] == 0
    assert (
        ws.source_package("pipeline", "usercfg") / "CONNECTOR_CONTEXT.md"
    ).read_text() == "user brief for Usercfg\n"


def test_list_flags_take_several_words_as_upstreams_do(tmp_path, monkeypatch, capsys):
    """upstream's --auth-types and --capabilities are nargs="+": ``--auth-types basic token``."""
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    args = ["--name", "spaced", "--service-type", "database", "--auth-types", "basic", "token"]
    args += ["--capabilities", "metadata", "lineage", "usage", "--display-name", "Spaced"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    context = (ws.source_package("database", "spaced") / "CONNECTOR_CONTEXT.md").read_text()
    assert "| Auth types | basic, token |" in context
    assert "| Capabilities | metadata, lineage, usage |" in context
    assert (ws.source_package("database", "spaced") / "usage.py").is_file()
    code, _, err = run_cli(
        ["--name", "other", "--service-type", "dashboard", "--auth-types", "basic", "kerberos"], capsys
    )
    assert code == 2 and "unknown --auth-types value 'kerberos'" in err
