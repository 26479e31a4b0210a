"""Each review rule: a violation it must report, and near-misses it must not."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from connkit.openmetadata.register import register
from connkit.openmetadata.review import RULES, review
from connkit.openmetadata.workspace import Workspace
from tests.om_workspace import build_connector_workspace

PKG = "ingestion/src/metadata/ingestion/source/dashboard/my_db"
SCHEMA = (
    "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/"
    "dashboard/myDbConnection.json"
)
TEST_CONN = "openmetadata-service/src/main/resources/json/data/testConnections/dashboard/myDb.json"
UNIT = "ingestion/tests/unit/topology/dashboard/test_my_db.py"
HEADER = "#  Copyright 2026 connkit test fixture\n#  Licensed under the Apache License, Version 2.0\n"


def edit_json(rel: str, fn: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / rel
        data = json.loads(p.read_text())
        fn(data)
        p.write_text(json.dumps(data, indent=2) + "\n")

    return mutate


def write(rel: str, text: str, header: bool = True) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text((HEADER if header else "") + text)

    return mutate


def replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / rel
        text = p.read_text()
        assert old in text, old
        p.write_text(text.replace(old, new))

    return mutate


def remove(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).unlink()


def module(body: str) -> Callable[[Path], None]:
    return write(f"{PKG}/extra.py", '"""Extra module."""\n\n' + body)


def _set(key, value):
    return lambda d: d.__setitem__(key, value)


def _del_prop(name):
    return lambda d: d["properties"].pop(name)


def _rename_type_definition(d: dict) -> None:
    """1.1 names the definition freely (``AirbyteType``, ``mySQLType``): only the $ref counts."""
    d["definitions"]["MyDbType"] = d["definitions"].pop("myDbType")
    d["properties"]["type"]["$ref"] = "#/definitions/MyDbType"


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        for m in mutations:
            m(root)

    return mutate


def rename(rel: str, new_name: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).rename((root / rel).with_name(new_name))


def _steps(*names: str):
    def mutate(d: dict) -> None:
        d["steps"] = [{"name": n, "description": n, "mandatory": True} for n in names]

    return mutate


POSITIVE: dict[str, list[Callable[[Path], None]]] = {
    "schema/parse": [
        write(SCHEMA, "{ not json", header=False),
        edit_json(SCHEMA, _set("type", 12)),
    ],
    "schema/id": [edit_json(SCHEMA, _set("$id", "https://example.com/x.json"))],
    "schema/java-type": [edit_json(SCHEMA, _set("javaType", "org.example.MyDb"))],
    "schema/type-enum": [
        edit_json(SCHEMA, lambda d: d["definitions"].pop("myDbType")),
        edit_json(SCHEMA, lambda d: d["definitions"]["myDbType"].__setitem__("enum", ["my_db"])),
    ],
    "schema/additional-properties": [edit_json(SCHEMA, lambda d: d.pop("additionalProperties"))],
    "schema/ref-resolves": [
        edit_json(SCHEMA, lambda d: d["properties"]["type"].__setitem__("$ref", "#/definitions/nope")),
        edit_json(
            SCHEMA,
            lambda d: d["properties"]["sslConfig"].__setitem__(
                "$ref", "../../../../security/ssl/missing.json#/definitions/sslConfig"
            ),
        ),
    ],
    "schema/auth-required": [edit_json(SCHEMA, _set("required", ["hostPort"]))],
    "schema/ssl-config": [edit_json(SCHEMA, _del_prop("sslConfig"))],
    "schema/test-connection": [
        remove(TEST_CONN),
        edit_json(TEST_CONN, lambda d: d["steps"][0].pop("mandatory")),
        edit_json(TEST_CONN, lambda d: d["steps"][0].__setitem__("extra", 1)),
    ],
    "schema/test-steps-match": [
        edit_json(TEST_CONN, lambda d: d["steps"][1].__setitem__("name", "GetCharts")),
        # the definition under 1.1's spelling (mydb.json) is the one compared
        both(
            edit_json(TEST_CONN, lambda d: d["steps"][1].__setitem__("name", "GetCharts")),
            rename(TEST_CONN, "mydb.json"),
        ),
    ],
    "schema/registered": [lambda root: None],  # the clean fixture is scaffolded, not registered
    "connection/swallowed-except": [
        module("def f() -> None:\n    try:\n        g()\n    except ValueError:\n        pass\n"),
        module("def f() -> int:\n    try:\n        return g()\n    except Exception:\n        return 0\n"),
        module("def f() -> None:\n    try:\n        g()\n    except:\n        ...\n"),
    ],
    "connection/meaningful-test-steps": [edit_json(TEST_CONN, lambda d: d["steps"].pop())],
    "source/base-class": [
        replace(f"{PKG}/metadata.py", "(DashboardServiceSource)", "(object)"),
        remove(f"{PKG}/metadata.py"),
    ],
    "source/pagination": [
        module(
            "def list_charts(session: object) -> list:\n"
            "    return session.get('/api/charts').json()['items']\n"
        ),
        module(
            "def get_users(client: object) -> list:\n"
            "    out = []\n    for _ in range(1):\n        out += client.get('/users')\n"
            "    return out\n"
        ),
    ],
    "source/lookup-in-loop": [
        module(
            "def f(items: list) -> list:\n    seen = [i.id for i in items]\n    out = []\n"
            "    for x in items:\n        if x.parent in seen:\n            out.append(x)\n"
            "    return out\n"
        ),
        module(
            "def f(a: list, b: list) -> list:\n    out = []\n    for x in a:\n"
            "        for y in b:\n            if x.id == y.owner:\n                out.append(y)\n"
            "    return out\n"
        ),
    ],
    "source/n-plus-one": [
        module(
            "def f(client: object, ids: list) -> list:\n    out = []\n    for i in ids:\n"
            "        out.append(client.get(f'/item/{i}'))\n    return out\n"
        ),
    ],
    "source/session-reuse": [
        module(
            "import requests\n\n\ndef f(url: str) -> dict:\n    return requests.get(url, timeout=5).json()\n"
        ),
    ],
    "memory/unbounded-read": [
        module("def f(blob: object) -> bytes:\n    return blob.download_as_string()\n"),
        module(
            'def f(fh: object) -> bytes:\n    """Reads everything, whatever the size."""\n'
            "    return fh.readall()\n"
        ),
        module("def f(path: str) -> str:\n    with open(path) as fh:\n        return fh.read()\n"),
    ],
    "memory/fetchall": [
        module("def f(cursor: object) -> list:\n    return cursor.fetchall()\n"),
        module("def f(session: object, T: type) -> list:\n    return session.query(T).all()\n"),
    ],
    "memory/large-object-cleanup": [
        module(
            "import pandas as pd\n\n\ndef f(path: str) -> int:\n    df = pd.read_csv(path)\n"
            "    return len(df)\n"
        ),
    ],
    "memory/unbounded-cache": [
        module(
            "from functools import lru_cache\n\n\n@lru_cache(maxsize=None)\n"
            "def f(x: int) -> int:\n    return x\n"
        ),
        module("import functools\n\n\n@functools.cache\ndef f(x: int) -> int:\n    return x\n"),
        module(
            "class C:\n    def f(self, items: list) -> None:\n        for i in items:\n"
            "            self.owner_cache[i.id] = i\n"
        ),
    ],
    "tests/no-assertions": [write(UNIT, "def test_x():\n    value = 1\n    print(value)\n")],
    "tests/empty-test": [write(UNIT, "def test_x():\n    assert 1\n\n\ndef test_y():\n    pass\n")],
    "tests/pytest-style": [
        write(
            UNIT,
            "import unittest\n\n\nclass T(unittest.TestCase):\n"
            "    def test_x(self):\n        self.assertEqual(1, 1)\n",
        ),
    ],
    "tests/missing": [remove(UNIT)],
    "quality/syntax": [module("def f(:\n    pass\n")],
    "quality/copyright": [write(f"{PKG}/extra.py", '"""No header."""\n', header=False)],
    "quality/annotations": [module("def f(x, y: int):\n    return x\n")],
    "quality/import-order": [
        module("import requests\nimport os\n"),
        module("from metadata.utils import x\nimport requests\n"),
    ],
}

NEGATIVE: dict[str, list[Callable[[Path], None]]] = {
    "schema/type-enum": [edit_json(SCHEMA, _rename_type_definition)],
    # 1.1 names test-connection files after the package: testConnections/database/azuresql.json
    "schema/test-connection": [rename(TEST_CONN, "mydb.json")],
    "schema/test-steps-match": [
        # an empty dict filled per key, as 1.1's superset does
        replace(
            f"{PKG}/connection.py",
            '    test_fn = {\n        "CheckAccess": client.get_owner,\n'
            '        "GetDashboards": client.get_dashboards,\n    }\n',
            '    test_fn = {}\n    test_fn["CheckAccess"] = client.get_owner\n'
            '    test_fn["GetDashboards"] = client.get_dashboards\n',
        ),
    ],
    # one step that lists what ingestion reads is meaningful (1.1: metabase, kafka, airbyte)
    "connection/meaningful-test-steps": [edit_json(TEST_CONN, _steps("GetDashboards"))],
    # through the package's own classes (1.1's superset: a mixin in mixin.py)
    "source/base-class": [
        both(
            replace(f"{PKG}/metadata.py", "(DashboardServiceSource)", "(MyDbMixin)"),
            write(
                f"{PKG}/mixin.py",
                '"""The shared part of the sources."""\n\n'
                "from metadata.ingestion.source.dashboard.dashboard_service import DashboardServiceSource\n\n\n"
                "class MyDbMixin(DashboardServiceSource):\n    pass\n",
            ),
        ),
    ],
    "connection/swallowed-except": [
        module(
            "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
            "def f() -> int:\n    try:\n        return g()\n    except Exception as exc:\n"
            "        logger.warning(f'g failed: {exc}')\n        return 0\n"
        ),
        module("def f() -> int:\n    try:\n        return g()\n    except KeyError:\n        return 0\n"),
    ],
    "source/pagination": [
        module(
            "def list_charts(session: object) -> list:\n    out, offset = [], 0\n"
            "    while True:\n        page = session.get('/c', params={'offset': offset}).json()\n"
            "        if not page:\n            return out\n        out += page\n"
            "        offset += len(page)\n"
        ),
        module("def get_items(page: dict) -> list:\n    return page.get('items') or []\n"),
        # one page per call, the caller loops (1.1's superset client)
        module(
            "def fetch_charts(client: object, current_page: int, page_size: int) -> list:\n"
            "    return client.get(f'/chart/?q=(page:{current_page},page_size:{page_size})')\n"
        ),
        # hands on what a paginating function of the file yields (1.1's spline client)
        module(
            "def _paginate(client: object, first: dict) -> list:\n    page = first\n"
            "    while page['next']:\n        page = client.get('/events', params={'page': page['next']})\n"
            "        yield page\n\n\n"
            "def get_pipelines(client: object) -> list:\n    first = client.get('/events')\n"
            "    yield first\n    yield from _paginate(client, first)\n"
        ),
        module(
            "def get_lineage_details(client: object, i: str) -> list:\n    return client.get(f'/lineage/{i}')\n"
        ),
    ],
    "source/n-plus-one": [
        module(
            "def f(pages: list) -> list:\n    out = []\n    for page in pages:\n"
            "        out.append(page.get('items'))\n    return out\n"
        ),
        module(
            "def f(client: object) -> list:\n    out, offset = [], 0\n    for _ in range(99):\n"
            "        page = client.get('/x', params={'offset': offset})\n        out += page\n"
            "        offset += len(page)\n    return out\n"
        ),
    ],
    "source/lookup-in-loop": [
        module(
            "def f(items: list) -> list:\n    seen = {i.id for i in items}\n"
            "    return [x for x in items if x.parent in seen]\n"
        ),
    ],
    "memory/unbounded-read": [
        module("def f(fh: object) -> bytes:\n    return fh.read(1024)\n"),
        module(
            "def f(obj: object, max_bytes: int) -> bytes:\n    if obj.size > max_bytes:\n"
            "        raise ValueError('too big')\n    return obj.read()\n"
        ),
    ],
    "memory/fetchall": [
        module("def f(xs: list) -> bool:\n    return all(xs)\n"),
        module("def f(session: object, T: type) -> list:\n    return session.query(T).limit(10).all()\n"),
    ],
    "memory/large-object-cleanup": [
        module(
            "import gc\n\nimport pandas as pd\n\n\ndef f(path: str) -> int:\n"
            "    df = pd.read_csv(path)\n    n = len(df)\n    del df\n    gc.collect()\n"
            "    return n\n"
        ),
    ],
    "memory/unbounded-cache": [
        module(
            "from functools import lru_cache\n\n\n@lru_cache(maxsize=256)\n"
            "def f(x: int) -> int:\n    return x\n"
        ),
        module(
            "class C:\n    def f(self, items: list) -> None:\n        for i in items:\n"
            "            self.owner_cache[i.id] = i\n\n    def close(self) -> None:\n"
            "        self.owner_cache.clear()\n"
        ),
    ],
    "tests/no-assertions": [
        write(
            UNIT,
            "import pytest\n\n\ndef test_x():\n    with pytest.raises(ValueError):\n        int('x')\n",
        ),
    ],
    "quality/copyright": [
        write(f"{PKG}/extra.py", '"""Header present."""\n'),
        write(f"{PKG}/sub/__init__.py", "\n", header=False),  # upstream leaves these bare
    ],
    "quality/import-order": [
        module(
            "from __future__ import annotations\n\nimport os\n\nimport requests\n\n"
            "from metadata.generated.schema import y\nfrom metadata.utils import x\n"
        ),
        # what isort --profile black (1.1) and ruff (2.x) write: metadata sorted as one group
        module(
            "import requests\n\nfrom metadata.clients import x\nfrom metadata.generated.schema import y\n"
        ),
    ],
}


def _workspace(tmp_path: Path, registered: bool = True) -> Workspace:
    ws = build_connector_workspace(tmp_path / "ws")
    if registered:
        register(ws, "my_db")
    return ws


def _cases(table):
    return [
        pytest.param(rule_id, i, id=f"{rule_id}-{i}")
        for rule_id, muts in table.items()
        for i in range(len(muts))
    ]


def test_every_rule_has_a_positive_case():
    assert set(POSITIVE) == set(RULES)


@pytest.fixture(scope="module")
def clean_findings(tmp_path_factory):
    """Findings on the clean, registered fixture connector (reviewed once for all rules)."""
    return review(_workspace(tmp_path_factory.mktemp("clean")), "my_db").findings


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_silent_on_a_clean_connector(clean_findings, rule_id):
    assert [f.message for f in clean_findings if f.rule_id == rule_id] == []


@pytest.mark.parametrize("rule_id,index", _cases(POSITIVE))
def test_rule_reports_violation(tmp_path, rule_id, index):
    ws = _workspace(tmp_path, registered=rule_id != "schema/registered")
    POSITIVE[rule_id][index](ws.root)
    result = review(ws, "my_db", service_type="dashboard")
    hits = [f for f in result.findings if f.rule_id == rule_id]
    assert hits, [f"{f.rule_id}: {f.message}" for f in result.findings]
    rule = RULES[rule_id]
    for f in hits:
        assert f.category == rule.category and f.fix and f.line >= 1 and f.path


@pytest.mark.parametrize("rule_id,index", _cases(NEGATIVE))
def test_rule_ignores_near_miss(tmp_path, rule_id, index):
    ws = _workspace(tmp_path)
    NEGATIVE[rule_id][index](ws.root)
    result = review(ws, "my_db")
    assert [f.message for f in result.findings if f.rule_id == rule_id] == []
