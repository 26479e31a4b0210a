"""Scaffold follows the release it writes into: read from the tree, never from a version."""

from __future__ import annotations

import json

import pytest

from connkit.openmetadata.scaffold import conventions
from connkit.openmetadata.scaffold.conventions import APACHE, COLLATE

from .helpers import APACHE_HEADER, check_connector, make_release_1_1_workspace, make_workspace, run_cli

COLLATE_HEADER = "#  Copyright 2025 Collate\n#  Licensed under the Collate Community License, Version 1.0\n"


def headers(ws, name: str) -> dict[str, str]:
    """The first two lines of every Python file scaffold wrote for ``name``."""
    files = [p for p in ws.root.rglob("*.py") if name in p.as_posix()]
    assert files
    return {p.relative_to(ws.root).as_posix(): "".join(p.read_text().splitlines(True)[1:3]) for p in files}


def test_a_workspace_without_evidence_gets_the_newest_shape(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    found = conventions.detect(ws, "dashboard")
    assert found.api == conventions.SourceApi()
    assert found.license == COLLATE
    assert found.auth_refs == {}
    assert set(conventions.detect(ws, "database").auth_refs) == {"basic", "iam", "azure", "jwt"}


def test_the_1_1_shape_is_read_from_its_files(tmp_path):
    ws = make_release_1_1_workspace(tmp_path / "ws")
    found = conventions.detect(ws, "database")
    assert found.api == conventions.SourceApi(
        either=False,
        invalid_source_module="metadata.ingestion.api.source",
        create_takes_client=False,
        context_names=False,
        steps_service_arg="service_fqn",
    )
    assert found.license == APACHE
    assert found.auth_refs == {}
    assert found.classic
    assert found.service_types == ("database", "dashboard", "pipeline", "messaging", "mlmodel", "storage")
    assert found.base_methods is not None and "get_stored_procedures" not in found.base_methods


@pytest.mark.parametrize(("header", "expected"), [(APACHE_HEADER, APACHE), (COLLATE_HEADER, COLLATE)])
def test_the_licence_is_the_one_most_neighbours_carry(header, expected, tmp_path):
    ws = make_workspace(tmp_path / "ws")
    other = APACHE_HEADER if expected == COLLATE else COLLATE_HEADER
    folder = ws.source_package("dashboard", "metabase")
    for index in range(3):
        (folder / f"m{index}.py").write_text(header)
    (folder / "odd.py").write_text(other)
    assert conventions.detect_license(ws.root, "dashboard") == expected


def test_scaffold_writes_the_neighbours_licence(tmp_path, monkeypatch, capsys):
    ws = make_release_1_1_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    assert run_cli(["--name", "grafana", "--service-type", "dashboard"], capsys)[0] == 0
    found = headers(ws, "grafana")
    assert set(found.values()) == {
        '#  Licensed under the Apache License, Version 2.0 (the "License");\n'
        "#  you may not use this file except in compliance with the License.\n"
    }


def test_on_1_1_auth_fields_are_inline_like_its_connectors(tmp_path, monkeypatch, capsys):
    ws = make_release_1_1_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    assert run_cli(["--name", "quux", "--service-type", "database"], capsys)[0] == 0
    schema = json.loads(ws.connection_schema("database", "quux").read_text())
    assert {"username", "password"} <= set(schema["properties"]) and "authType" not in schema["properties"]
    assert schema["properties"]["password"]["format"] == "password"
    assert {"username", "password", "hostPort"} <= set(schema["required"])
    assert "common/" not in json.dumps(schema)
    assert check_connector(ws, "database", "quux", "quux", classic=True) == []

    assert (
        run_cli(["--name", "multi", "--service-type", "database", "--auth-types", "basic,iam"], capsys)[0]
        == 0
    )
    schema = json.loads(ws.connection_schema("database", "multi").read_text())
    assert schema["properties"]["authType"]["oneOf"] == [
        {"$ref": "#/definitions/basicAuth"},
        {"$ref": "#/definitions/iamAuth"},
    ]
    assert schema["definitions"]["iamAuth"]["properties"]["awsConfig"]["$ref"].endswith(
        "security/credentials/awsCredentials.json"
    )
    connection = (ws.source_package("database", "multi") / "connection.py").read_text()
    assert "get_connection_url_fn=get_connection_url," in connection
    assert check_connector(ws, "database", "multi", "multi", classic=True) == []


def test_with_shared_auth_schemas_the_connection_refers_to_them(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    assert run_cli(["--name", "quux", "--service-type", "database"], capsys)[0] == 0
    schema = json.loads(ws.connection_schema("database", "quux").read_text())
    assert schema["properties"]["authType"]["oneOf"] == [{"$ref": "./common/basicAuth.json"}]
    assert (
        "get_connection_url_common" in (ws.source_package("database", "quux") / "connection.py").read_text()
    )


@pytest.mark.parametrize(
    ("service_type", "connection_type"),
    [
        ("database", "sqlalchemy"),
        ("database", "rest_api"),
        ("dashboard", "rest_api"),
        ("storage", "sdk_client"),
    ],
)
def test_on_1_1_the_code_follows_its_source_api(service_type, connection_type, tmp_path, monkeypatch, capsys):
    ws = make_release_1_1_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    args = ["--name", "quux", "--service-type", service_type, "--connection-type", connection_type]
    if connection_type == "sqlalchemy":
        args += ["--capabilities", "metadata,lineage,usage"]
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert check_connector(ws, service_type, "quux", "quux", classic=True) == []
    pkg = ws.source_package(service_type, "quux")
    metadata = (pkg / "metadata.py").read_text()
    assert "from metadata.ingestion.api.source import InvalidSourceException" in metadata
    assert "Either" not in metadata
    assert "metadata_config: OpenMetadataConnection" in metadata
    assert "service_fqn=service_connection.type.value" in (pkg / "connection.py").read_text()
    if connection_type != "sqlalchemy":
        assert ".fullyQualifiedName.__root__" in metadata and "context.get()" not in metadata
    if service_type == "database" and connection_type == "rest_api":
        assert "def yield_view_lineage(" in metadata and "get_stored_procedures" not in metadata


@pytest.mark.parametrize(
    ("capability", "message"), [("data_diff", "no data diff"), ("stored_procedures", "no stored procedures")]
)
def test_capabilities_the_release_lacks_are_refused(capability, message, tmp_path, monkeypatch, capsys):
    ws = make_release_1_1_workspace(tmp_path / "ws")
    definitions = ws.spec_schema_dir / "entity/services/connections/connectionBasicType.json"
    basic = json.loads(definitions.read_text())
    basic["definitions"].pop("supportsDataDiff")
    definitions.write_text(json.dumps(basic))
    monkeypatch.chdir(ws.root)
    code, _, err = run_cli(
        ["--name", "quux", "--service-type", "database", "--capabilities", capability], capsys
    )
    assert code == 2 and message in err
    assert not ws.source_package("database", "quux").exists()
