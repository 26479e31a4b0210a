"""``--api-endpoints``: every form upstream's guide writes, and the client method each becomes."""

from __future__ import annotations

import ast
import keyword

import pytest

from connkit.errors import UsageError
from connkit.openmetadata.scaffold.endpoints import CLIENT_NAMES, name_methods, parse

from .helpers import GRAFANA, check_connector, make_workspace, run_cli


def methods(*entries: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.method, e.template, e.params) for e in name_methods([parse(x) for x in entries])]


@pytest.mark.parametrize(
    ("entry", "verb", "template", "params", "lists"),
    [
        ("GET /api/search", "GET", "/api/search", (), True),
        ("/api/search", "GET", "/api/search", (), True),
        ("get /api/search", "GET", "/api/search", (), True),
        ("  GET   /api/search  ", "GET", "/api/search", (), True),
        ("GET /api/dashboards/uid/:uid", "GET", "/api/dashboards/uid/{uid}", ("uid",), False),
        ("GET /api/dashboards/uid/{uid}", "GET", "/api/dashboards/uid/{uid}", ("uid",), False),
        ("delete /api/folders/{folderUid}", "DELETE", "/api/folders/{folder_uid}", ("folder_uid",), False),
        ("POST /api/search", "POST", "/api/search", (), False),
        (
            "Put /v1/{org-id}/users/:userId",
            "PUT",
            "/v1/{org_id}/users/{user_id}",
            ("org_id", "user_id"),
            False,
        ),
        ("PATCH /files/{name}.json", "PATCH", "/files/{name}.json", ("name",), False),
        (
            "/a/{class}/{limit}/{id}/{id}",
            "GET",
            "/a/{class_}/{limit_}/{id}/{id_2}",
            ("class_", "limit_", "id", "id_2"),
            False,
        ),
        ("/v1/items:batchGet", "GET", "/v1/items:batchGet", (), True),
    ],
)
def test_each_form_is_parsed(entry, verb, template, params, lists):
    endpoint = parse(entry)
    assert (endpoint.verb, endpoint.template, endpoint.params, endpoint.lists) == (
        verb,
        template,
        params,
        lists,
    )


def test_the_entry_is_kept_as_given_with_its_method_upper_cased():
    assert parse("get   /api/dashboards/uid/:uid").given == "GET /api/dashboards/uid/:uid"
    assert parse("/api/search").given == "/api/search"


def test_a_query_string_is_sent_with_the_request_and_kept_out_of_the_name():
    endpoint = parse("GET /api/search?type=dash-db&limit=")
    assert endpoint.template == "/api/search"
    assert endpoint.query == (("type", "dash-db"), ("limit", ""))
    assert endpoint.lists


def test_method_names_follow_the_path():
    assert methods(
        "GET /api/search",
        "GET /api/dashboards/uid/:uid",
        "GET /api/datasources",
        "/api/v2/folders/{uid}",
        "GET /api/dashboards/{id}/versions",
        "POST /api/dashboards/db",
        "DELETE /api/dashboards/uid/{uid}",
        "/rest/api/2/project",
        "/",
    ) == [
        ("list_search", "/api/search", ()),
        ("get_dashboards_by_uid", "/api/dashboards/uid/{uid}", ("uid",)),
        ("list_datasources", "/api/datasources", ()),
        ("get_folders_by_uid", "/api/v2/folders/{uid}", ("uid",)),
        ("get_dashboards_versions", "/api/dashboards/{id}/versions", ("id",)),
        ("post_dashboards_db", "/api/dashboards/db", ()),
        ("delete_dashboards_by_uid", "/api/dashboards/uid/{uid}", ("uid",)),
        ("list_project", "/rest/api/2/project", ()),
        ("list_root", "/", ()),
    ]


def test_names_are_unique_identifiers_that_shadow_nothing_in_the_client():
    found = methods(
        "/items",
        "/api/items",
        "/v1/Items",
        "/a-b",
        "/a_b",
        "/2fa",
        "GET /json",
        "/import",
        "/check/access",
        "/paginate",
    )
    names = [m for m, _, _ in found]
    assert names[:3] == ["list_items", "list_items_2", "list_items_3"]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name) and name not in CLIENT_NAMES
    ast.parse("\n".join(f"def {name}(): pass" for name in names))


def test_the_same_endpoint_twice_is_one_method():
    assert len(methods("/x", "GET /x", "get  /x")) == 1
    assert len(methods("/x/:id", "/x/{id}")) == 1
    assert len(methods("/x", "POST /x", "/x?a=1")) == 3


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("FETCH /x", "unknown HTTP method 'FETCH'"),
        ("GET x", "paths start with /"),
        ("x", "paths start with /"),
        ("/a b", "it has a space"),
        ("GET /a b", "it has a space"),
        ('/a"b', "use letters, digits"),
        ("/a\\b", "use letters, digits"),
        ("/a/{b", "braces must enclose"),
        ("/a/b}", "braces must enclose"),
        ("/a/{}", "path parameter '' needs a name"),
        ("/a/:9", "path parameter '9' needs a name"),
        ("/a?q=<x>", "its query string"),
    ],
)
def test_what_is_not_an_endpoint_is_refused_with_the_fix(entry, message):
    with pytest.raises(UsageError) as caught:
        parse(entry)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"--api-endpoints {entry!r}")


def test_the_guides_grafana_example_scaffolds_verbatim(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, out, err = run_cli(GRAFANA, capsys)
    assert code == 0, err
    assert check_connector(ws, "dashboard", "grafana", "grafana") == []
    pkg = ws.source_package("dashboard", "grafana")
    client = ast.parse((pkg / "client.py").read_text())
    grafana = next(n for n in client.body if isinstance(n, ast.ClassDef) and n.name == "GrafanaClient")
    signatures = {
        f.name: [a.arg for a in f.args.args[1:]] for f in grafana.body if isinstance(f, ast.FunctionDef)
    }
    assert signatures["list_search"] == ["limit"]
    assert signatures["list_datasources"] == ["limit"]
    assert signatures["get_dashboards_by_uid"] == ["uid"]
    assert "self.api.list_search()" in (pkg / "metadata.py").read_text()
    context = (pkg / "CONNECTOR_CONTEXT.md").read_text()
    assert "- `GET /api/search` → `list_search()`, paged\n" in context
    assert "- `GET /api/dashboards/uid/:uid` → `get_dashboards_by_uid(uid)`\n" in context
    assert "- `GET /api/datasources` → `list_datasources()`, paged\n" in context
    assert "Dashboards are found via /api/search?type=dash-db; uid is the stable id." in context
    unit = (ws.root / "ingestion/tests/unit/topology/dashboard/test_grafana.py").read_text()
    assert 'client.get_dashboards_by_uid("a b/uid")' in unit
    assert '"/api/dashboards/uid/a%20b%2Fuid"' in unit


def test_without_a_list_endpoint_the_default_one_is_added_and_said_so(tmp_path, monkeypatch, capsys):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(ws.root)
    code, _, err = run_cli(
        ["--name", "onlyget", "--service-type", "pipeline", "--api-endpoints", "GET /api/pipelines/{id}"],
        capsys,
    )
    assert code == 0, err
    pkg = ws.source_package("pipeline", "onlyget")
    assert "self.api.list_pipelines()" in (pkg / "metadata.py").read_text()
    context = (pkg / "CONNECTOR_CONTEXT.md").read_text()
    assert (
        "- `/api/pipelines` → `list_pipelines()`, paged (added: the source needs a list endpoint" in context
    )
    assert "- `GET /api/pipelines/{id}` → `get_pipelines_by_id(id)`\n" in context
    assert check_connector(ws, "pipeline", "onlyget", "onlyget") == []
