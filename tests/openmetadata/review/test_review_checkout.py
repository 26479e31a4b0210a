"""``connkit review`` on the real 1.1 checkout: the rules follow what that release does.

Upstream connectors named here are each an instance of a convention a rule used to get
wrong (benchmarks/review_checkout.py runs the review over every connector and prints the
per-rule table).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_connkit

pytestmark = pytest.mark.slow

# connector -> what it shows about 1.1
CONNECTORS = {
    "airbyte": "type enum named AirbyteType; no setup.py extra (requests is base)",
    "mysql": "mySQLType; test_fn built by test_connection_db_schema_sources()",
    "postgres": "test_fn built by test_connection_db_common() plus its queries dict",
    "bigquery": "bigqueryType; testConnections/database/bigquery.json; extra 'bigquery'",
    "azuresql": "testConnections/database/azuresql.json; extra 'azuresql'",
    "powerbi": "powerBiType; powerbi.json; extra 'powerbi'",
    "superset": "a factory metadata.py, sources on a mixin; test_fn filled per key; custom UI schema",
    "metabase": "no extra (requests is base); empty __init__.py",
    "databrickspipeline": "databricksType; tested by test_databricks_pipeline.py",
    "domodashboard": "the shared 'domo' extra",
}
FIXED = {
    "schema/type-enum",
    "schema/test-connection",
    "schema/test-steps-match",
    "schema/registered",
    "source/base-class",
    "quality/import-order",
}


@pytest.fixture(scope="module")
def reports(om_checkout) -> dict[str, dict]:
    out = {}
    for name in CONNECTORS:
        res = run_connkit(
            "review", "--name", name, "--format", "json", cwd=om_checkout.root, env=om_checkout.env()
        )
        assert res.returncode in (0, 1), f"{name}: {res.stderr}"
        out[name] = json.loads(res.stdout)
    return out


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_rules_fixed_for_the_release_are_silent_on_upstream_connectors(reports, name):
    wrong = [f"{f['rule_id']}: {f['message']}" for f in reports[name]["findings"] if f["rule_id"] in FIXED]
    assert wrong == [], CONNECTORS[name]


def test_a_unit_test_named_after_something_else_is_found(reports):
    rules = {f["rule_id"] for f in reports["databrickspipeline"]["findings"]}
    assert "tests/missing" not in rules
    assert "tests/missing" in {f["rule_id"] for f in reports["azuresql"]["findings"]}  # it has none


def test_empty_init_files_get_no_copyright_finding(reports):
    for report in reports.values():
        hits = [f["path"] for f in report["findings"] if f["rule_id"] == "quality/copyright"]
        assert not [p for p in hits if p.endswith("__init__.py")], hits


def test_what_the_review_still_reports_is_real(reports):
    """Findings the release does have: superset's empty test, PowerBI's unpaged list calls."""
    superset = {(f["rule_id"], f["severity"]) for f in reports["superset"]["findings"]}
    assert ("tests/empty-test", "BLOCKER") in superset
    powerbi = [f for f in reports["powerbi"]["findings"] if f["rule_id"] == "source/pagination"]
    assert powerbi and "source/pagination" in reports["powerbi"]["notes"]


@pytest.mark.parametrize(
    "name,says",
    [
        ("dbt", "database/dbt/ is not a connector with a connection schema"),
        ("query", "database/query/ is not a connector with a connection schema"),
        ("amundsen", "amundsen is a metadata source"),
    ],
)
def test_packages_that_are_not_reviewable_connectors_are_refused(om_checkout, name, says):
    res = run_connkit(
        "review", "--name", name, "--format", "json", cwd=om_checkout.root, env=om_checkout.env()
    )
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and says in res.stderr
