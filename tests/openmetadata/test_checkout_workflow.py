"""The documented workflow end to end on the real 1.1 checkout, as a connector author runs it:
for a connector of each service type the release has, `connkit scaffold`, `connkit register`
(twice: the second changes nothing), `connkit generate` with all three real generators,
`connkit format --check`, `connkit test` and `connkit validate` — every checklist item passed,
none "not available". A second validate is all cached; a schema edit reruns the generators and
only the tests it affects.

It works in the session's shared tree (whose connkit state persists across sessions, so a warm
machine replays what did not change) and puts the tree back as it was at the end.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import run_connkit
from tests.openmetadata.scaffold.helpers import GRAFANA

pytestmark = [pytest.mark.slow, pytest.mark.timeout(5400)]

# name -> the flags after `scaffold --name NAME`
CONNECTORS = {
    "grafana": GRAFANA[2:],  # the guide's example, verbatim
    "wfsqldb": [
        "--service-type",
        "database",
        "--connection-type",
        "sqlalchemy",
        "--capabilities",
        "metadata,lineage,usage",
    ],  # fmt: skip
    "wfrestdb": ["--service-type", "database", "--connection-type", "rest_api"],
    "wfpipe": ["--service-type", "pipeline"],
    "wfmsg": ["--service-type", "messaging"],
    "wfml": ["--service-type", "mlmodel"],
    "wfstore": ["--service-type", "storage"],
}
SERVICE_TYPES_11 = {"database", "dashboard", "pipeline", "messaging", "mlmodel", "storage"}
GENERATORS = ("generate.python", "generate.java", "generate.ui")


def connkit(tree, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = run_connkit(*args, cwd=tree.root, env=tree.env(), timeout=3600)
    if ok:
        assert proc.returncode == 0, (args, proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def statuses(tree) -> dict[str, str]:
    return {
        s["id"]: s["status"] for s in json.loads((tree.state / "runs" / "last.json").read_text())["steps"]
    }


def step_keys(tree) -> dict[str, str]:
    return {s["id"]: s["key"] for s in json.loads((tree.state / "runs" / "last.json").read_text())["steps"]}


def git_diff(root) -> str:
    return subprocess.run(["git", "diff"], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def workflow(om_checkout):
    tree = om_checkout
    for name, flags in CONNECTORS.items():
        connkit(tree, "scaffold", "--name", name, *flags)
    first = {name: connkit(tree, "register", "--name", name).stdout for name in CONNECTORS}
    registered = git_diff(tree.root)
    again = {name: connkit(tree, "register", "--name", name).stdout for name in CONNECTORS}
    connkit(tree, "generate", "-j", "2", "--logs", "errors")
    generated = statuses(tree)
    yield tree, first, again, registered, generated
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=tree.root, check=False)
    subprocess.run(
        ["git", "clean", "-fdq", "--", "ingestion", "openmetadata-spec/src", "openmetadata-service/src"],
        cwd=tree.root,
        check=False,
    )


def test_a_connector_of_every_service_type_the_release_has(workflow):
    tree, *_ = workflow
    info = connkit(tree, "workspace.info", "--json")
    assert set(json.loads(info.stdout)["service_types"]) == SERVICE_TYPES_11


def test_register_twice_changes_nothing_the_second_time(workflow):
    tree, first, again, registered, _ = workflow
    assert registered, "the first register wrote nothing"
    assert all("already registered" in out for out in again.values()), again
    assert git_diff(tree.root) == registered
    for name in CONNECTORS:
        assert connkit(tree, "register", "--name", name, "--check").returncode == 0


def test_generate_ran_all_three_real_generators(workflow):
    *_, generated = workflow
    assert {generated[s] for s in GENERATORS} <= {"ran", "restored", "cached"}, generated
    assert set(GENERATORS) <= set(generated)


@pytest.mark.parametrize("name", list(CONNECTORS))
def test_format_check_test_and_validate_pass_with_every_item_available(workflow, name):
    tree, *_ = workflow
    connkit(tree, "format", "--check", "--name", name)
    connkit(tree, "test", "--name", name)
    report = json.loads(connkit(tree, "validate", "--name", name, "--json", "-j", "2").stdout)
    states = {item["label"]: item["state"] for item in report["items"]}
    assert report["ok"], states
    assert set(states.values()) == {"passed"}, states  # none "not available", none failed
    second = json.loads(connkit(tree, "validate", "--name", name, "--json").stdout)
    assert {s["status"] for s in second["run"]["steps"]} == {"cached"}, second["run"]["steps"]


def test_a_schema_edit_reruns_the_generators_and_only_the_tests_it_affects(workflow):
    tree, *_ = workflow
    schema = (
        tree.root
        / "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/dashboard/grafanaConnection.json"
    )
    original = schema.read_text()
    edited = json.loads(original)
    edited["properties"]["orgId"] = {
        "title": "Organisation",
        "type": "integer",
        "description": "Grafana org.",
    }
    connkit(tree, "test", "-j", "2")
    before = step_keys(tree)
    schema.write_text(json.dumps(edited, indent=2) + "\n")
    try:
        connkit(tree, "test", "-j", "2")  # every scaffolded connector's tests, with what they need
        got, keys = statuses(tree), step_keys(tree)
        assert {got[s] for s in ("generate.python",)} <= {"ran", "restored"}, got
        # keyed anew: it ran, or replays an earlier session's passing run of this very edit
        assert keys["test.grafana"] != before["test.grafana"], got
        others = {f"test.{n}" for n in CONNECTORS if n != "grafana"}
        assert {got[t] for t in others} == {"cached"}, got
        assert {t: keys[t] for t in others} == {t: before[t] for t in others}
        connkit(tree, "run", ",".join(GENERATORS))
        got = statuses(tree)
        assert got["generate.python"] == "cached", got  # the test run above already made the models
        assert {got["generate.java"], got["generate.ui"]} <= {"ran", "restored"}, got
    finally:
        schema.write_text(original)
