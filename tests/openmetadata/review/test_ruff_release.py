"""The ruff-backed rules on real trees: an assembled 1.4 workspace (lints with the ruff.toml
connkit writes) and the 1.1 checkout (black, isort and pycln: connkit's own checks stay).

On every upstream connector of the 1.4 workspace, each ruff-backed rule finds what connkit's
own check finds there (same file and line); ruff finds more, as it judges more (private
functions, ``__init__`` returns, unsorted names inside a group), never less.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

from connkit.errors import ConnkitError
from connkit.openmetadata.connectors import Connector, find_connector
from connkit.openmetadata.release.create import create_workspace
from connkit.openmetadata.review import RULES
from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.ruffrules import ruff_config
from connkit.openmetadata.workspace import INGESTION_SOURCE, Workspace
from tests.conftest import connkit_env, run_connkit

pytestmark = pytest.mark.slow

GENERIC = sorted(rid for rid, r in RULES.items() if r.ruff is not None)


def connectors(ws: Workspace) -> Iterator[Connector]:
    for package in sorted((ws.root / INGESTION_SOURCE).glob("*/*/")):
        try:
            conn = find_connector(ws, package.name, package.parent.name)
        except ConnkitError:
            continue  # not a service type connkit works on
        if (ws.root / conn.schema).is_file():
            yield conn


@pytest.fixture(scope="module")
def assembled(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("ruff14") / "om"
    create_workspace(root, progress=lambda m: print(m, file=sys.stderr))
    return Workspace(root)


@pytest.fixture(scope="module")
def both_ways(assembled) -> dict[str, tuple[set, set]]:
    """rule id -> ((path, line) found by connkit's own check, (path, line) found through ruff)."""
    out: dict[str, tuple[set, set]] = {rid: (set(), set()) for rid in GENERIC}
    found = list(connectors(assembled))
    assert len(found) > 50
    for conn in found:
        through_ruff = ReviewContext.build(assembled, conn)
        assert through_ruff.ruff is not None and through_ruff.ruff.error == "", conn.name
        own = ReviewContext.build(assembled, conn)
        own.__dict__["ruff"] = None  # as on a workspace without ruff configuration
        for rid in GENERIC:
            out[rid][0].update((f.path, f.line) for f in RULES[rid].run(own))
            out[rid][1].update((f.path, f.line) for f in RULES[rid].run(through_ruff))
    return out


def test_the_assembled_workspace_lints_with_ruff(assembled):
    assert ruff_config(assembled, assembled.root / INGESTION_SOURCE) == assembled.root / "ingestion/ruff.toml"


@pytest.mark.parametrize("rule_id", GENERIC)
def test_ruff_finds_what_connkit_s_own_check_found(both_ways, rule_id):
    own, through_ruff = both_ways[rule_id]
    assert own <= through_ruff, sorted(own - through_ruff)[:10]
    print(f"{rule_id}: connkit {len(own)}, ruff {len(through_ruff)}", file=sys.stderr)


def test_the_rules_that_fire_on_upstream_code_still_do(both_ways):
    own, through_ruff = both_ways["quality/annotations"]
    assert len(own) > 100 and len(through_ruff) >= len(own)
    assert both_ways["quality/copyright"][0]  # 1.4 has files without the header


def test_a_scaffolded_connector_is_clean_through_ruff(assembled):
    env = connkit_env(CONNKIT_WORKSPACE=str(assembled.root))
    res = run_connkit(
        "scaffold", "--name", "acmedash", "--service-type", "dashboard", cwd=assembled.root, env=env
    )
    assert res.returncode == 0, res.stderr
    res = run_connkit("review", "--name", "acmedash", "--format", "json", cwd=assembled.root, env=env)
    report = json.loads(res.stdout)
    assert [f for f in report["findings"] if f["rule_id"] in GENERIC] == []


def test_the_1_1_checkout_keeps_connkit_s_own_checks(om_checkout):
    ws = Workspace(om_checkout.root)
    conn = find_connector(ws, "superset")
    ctx = ReviewContext.build(ws, conn)
    assert ruff_config(ws, ws.root / conn.package) is None and ctx.ruff is None
    res = run_connkit("review", "--name", "superset", "--format", "json", cwd=ws.root, env=om_checkout.env())
    findings = [f for f in json.loads(res.stdout)["findings"] if f["rule_id"] in GENERIC]
    assert findings and not [f["message"] for f in findings if "(ruff " in f["message"]]
