"""The documented workflow on the real 1.1 checkout: scaffold, `connkit generate` with all three
real generators (datamodel-code-generator + ANTLR through the checkout's own `make generate`,
Maven's spec build, the UI's schema parse), the checkout's own formatter recipe, pytest, and
`workspace.info`. Every assertion about what ran reads `.connkit/runs/last.json`.

The tree is the session's `om_checkout`; this module adds two connectors (one scaffolded from
connkit's templates, one minimal pydantic-v1 connector of the tests' own) and removes them
again at the end. connkit's state survives sessions, so a later session restores instead of
running; the assertions hold either way.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.conftest import run_connkit

from .connector import add_connector

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

SCAFFOLDED = "kitdash"  # `connkit scaffold --service-type dashboard` (rest_api)
MINIMAL = "kit_beta"
SCHEMAS = "openmetadata-spec/src/main/resources/json/schema/entity/services/connections/dashboard"
GENERATORS = ("generate.python", "generate.java", "generate.ui")
DEFAULT = {"pyenv", "tools.antlr", *GENERATORS, "generate.ui.deps"}
#: Steps whose outputs an earlier tier of the session may have left in the shared tree, in place
#: and still valid: node_modules is git-ignored (no cleanup removes it) and keyed on package.json
#: and yarn.lock, which a connector does not touch (the UI tier runs `yarn install` first).
LEFT_IN_TREE = {"generate.ui.deps"}
PY_MODEL = (
    "ingestion/src/metadata/generated/schema/entity/services/connections/dashboard/kitdashConnection.py"
)
JAVA_MODEL = (
    "openmetadata-spec/target/generated-sources/jsonschema2pojo/org/openmetadata/schema/"
    "services/connections/dashboard/KitdashConnection.java"
)
UI_SCHEMA = "openmetadata-ui/src/main/resources/ui/src/jsons/connectionSchemas/connections/dashboard/kitdashConnection.json"
JS_PARSER = "openmetadata-ui/src/main/resources/ui/src/generated/antlr/FqnParser.js"
METADATA = "ingestion/src/metadata/ingestion/source/dashboard/kitdash/metadata.py"


def connkit(tree, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = run_connkit(*args, cwd=tree.root, env=tree.env(), timeout=3000)
    if ok:
        assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def last_run(tree) -> list[dict]:
    return json.loads((tree.state / "runs" / "last.json").read_text())["steps"]


def statuses(tree) -> dict[str, str]:
    return {s["id"]: s["status"] for s in last_run(tree)}


def step_keys(tree) -> dict[str, str]:
    return {s["id"]: s["key"] for s in last_run(tree)}


@pytest.fixture(scope="module")
def tree(om_checkout):
    root = om_checkout.root
    connkit(om_checkout, "scaffold", "--name", SCAFFOLDED, "--service-type", "dashboard")
    add_connector(root, "dashboard", MINIMAL)
    timings = {}
    started = time.perf_counter()
    connkit(om_checkout, "generate", "--logs", "errors")
    timings["cold"] = time.perf_counter() - started
    timings["cold_steps"] = statuses(om_checkout)
    timings["cold_seconds"] = {s["id"]: s["seconds"] for s in last_run(om_checkout)}
    started = time.perf_counter()
    connkit(om_checkout, "generate")
    timings["warm"] = time.perf_counter() - started
    timings["warm_steps"] = statuses(om_checkout)
    (om_checkout.state / "toolchain-timings.json").write_text(json.dumps(timings, indent=2))
    print(f"connkit generate on the checkout: cold {timings['cold']:.0f}s, warm {timings['warm']:.1f}s")
    yield om_checkout
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root, check=False)
    subprocess.run(
        [
            "git",
            "clean",
            "-fdq",
            "--",
            "ingestion/src",
            "ingestion/tests",
            "openmetadata-spec/src",
            "openmetadata-service/src",
        ],
        cwd=root,
        check=False,
    )


def test_generate_runs_the_real_generators_then_is_all_cached(tree):
    timings = json.loads((tree.state / "toolchain-timings.json").read_text())
    cold = timings["cold_steps"]
    assert set(cold) == DEFAULT, cold  # the UI build's json2ts & co. are not in the default target
    assert {s for s, status in cold.items() if status not in ("ran", "restored")} <= LEFT_IN_TREE, cold
    assert cold.get("generate.ui.deps") in ("ran", "restored", "cached"), cold
    assert set(timings["warm_steps"].values()) == {"cached"}, timings["warm_steps"]
    root = tree.root
    assert "public class KitdashConnection" in (root / JAVA_MODEL).read_text()
    assert "$ref" not in (root / UI_SCHEMA).read_text()
    assert (root / JS_PARSER).is_file()
    assert "class KitdashConnection" in (root / PY_MODEL).read_text()


def test_the_environment_is_the_releases_python_with_an_editable_ingestion(tree):
    python = tree.root / ".connkit/venv/bin/python"
    code = (
        "import sys, metadata, importlib.metadata as m\n"
        "from metadata.utils import fqn\n"
        "import metadata.ingestion.source.dashboard.metabase.metadata\n"
        "print(sys.version_info[:2], metadata.__path__[0], m.version('black'), m.version('isort'))\n"
        "print(fqn.split('a.b.\"c.d\"'))\n"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tree.root)
    assert out.returncode == 0, out.stderr[-2000:]
    first, second = out.stdout.splitlines()
    assert first.startswith("(3, 9)") and str(tree.root / "ingestion/src/metadata") in first  # editable
    assert first.endswith("22.3.0 5.12.0")
    assert second == "['a', 'b', '\"c.d\"']"  # the ANTLR parser make generate wrote works


def test_format_check_passes_on_a_fresh_scaffold_and_fails_on_a_misformat(tree):
    connkit(tree, "format", "--check", "--name", SCAFFOLDED)
    assert statuses(tree)[f"format.python.{SCAFFOLDED}"] in ("ran", "cached")
    path = tree.root / METADATA
    original = path.read_text()
    path.write_text(original + "\nx=[1,2 ,3]\n")
    try:
        proc = connkit(tree, "format", "--check", "--name", SCAFFOLDED, ok=False)
        assert proc.returncode == 1
        assert statuses(tree)[f"format.python.{SCAFFOLDED}"] == "failed"
        assert path.read_text().endswith("x=[1,2 ,3]\n")  # check changes nothing
        connkit(tree, "format", "--name", SCAFFOLDED)
        assert "x = [1, 2, 3]" in path.read_text()  # black, at the tree's version
    finally:
        path.write_text(original)


def test_connkit_test_runs_the_connectors_unit_tests(tree):
    connkit(tree, "test", "--name", MINIMAL)
    assert statuses(tree)[f"test.{MINIMAL}"] in ("ran", "cached")


def test_the_scaffolded_connectors_own_tests_pass(tree):
    connkit(tree, "test", "--name", SCAFFOLDED)


def test_a_schema_edit_reruns_the_generators_and_only_that_connectors_tests(tree):
    schema = tree.root / SCHEMAS / "kitdashConnection.json"
    original = schema.read_text()
    edited = json.loads(original)
    edited["properties"]["projectName"] = {"title": "Project", "type": "string"}
    targets = ",".join([*GENERATORS, f"test.{MINIMAL}", f"test.{SCAFFOLDED}"])
    connkit(tree, "run", targets)  # the keys before the edit
    before = step_keys(tree)
    schema.write_text(json.dumps(edited, indent=2) + "\n")
    try:
        connkit(tree, "run", targets)
        got, keys = statuses(tree), step_keys(tree)
        # ran, or restored when an earlier session made this very edit (connkit's state persists);
        # the connector's tests are keyed anew: they ran, or replay that session's passing run
        assert {got[s] for s in GENERATORS} <= {"ran", "restored"}, got
        assert keys[f"test.{SCAFFOLDED}"] != before[f"test.{SCAFFOLDED}"], got
        assert got[f"test.{MINIMAL}"] == "cached", got  # another connector's schema
        assert keys[f"test.{MINIMAL}"] == before[f"test.{MINIMAL}"], got
        assert got["pyenv"] == "cached" and got["generate.ui.deps"] == "cached", got
        assert "projectName" in (tree.root / PY_MODEL).read_text()
        assert "getProjectName" in (tree.root / JAVA_MODEL).read_text()
    finally:
        schema.write_text(original)
    connkit(tree, "generate")
    assert {statuses(tree)[s] for s in GENERATORS} == {"restored"}
    assert "projectName" not in (tree.root / PY_MODEL).read_text()


def test_workspace_info_reads_the_release_and_the_python(tree):
    proc = connkit(tree, "workspace.info")
    assert "release         1.1.0-SNAPSHOT (openmetadata-ingestion 1.1.0.0.dev0)" in proc.stdout
    assert "python          3.9 " in proc.stdout and "py-tests.yml" in proc.stdout


def test_json2ts_and_the_root_package_are_steps_of_their_own(tree):
    plan = json.loads(connkit(tree, "run", "generate.ui.types", "--dry-run", "--json").stdout)
    ids = {s["id"] for s in plan["steps"]}
    assert {"generate.ui.types", "generate.ui.root-deps", "generate.ui.deps"} <= ids
    assert "generate.java" not in ids
