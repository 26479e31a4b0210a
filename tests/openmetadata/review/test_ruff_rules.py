"""The generic rules through ruff, where the workspace lints with ruff.

The same violations and near-misses as connkit's own checks (test_rules.py), on a workspace
with a ruff configuration; that configuration is the workspace's (ignores, per-file ignores,
``# noqa``); where there is none, connkit's own checks run. The comparison on a real
assembled 1.4 workspace and the 1.1 checkout is in test_ruff_release.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from connkit.openmetadata.connectors import find_connector
from connkit.openmetadata.review import RULES, review
from connkit.openmetadata.review.context import ReviewContext
from connkit.openmetadata.review.ruffrules import ruff_config
from tests.openmetadata.review.test_rules import NEGATIVE, PKG, POSITIVE, _cases, _workspace, module

GENERIC = sorted(rid for rid, r in RULES.items() if r.ruff is not None)
# what workspace.create writes for a 1.x release (templates/workspace/base/ingestion/ruff.toml.j2)
RUFF_TOML = """line-length = 88
src = ["src"]

[lint.isort]
known-first-party = ["metadata"]
detect-same-package = false
"""


def _ruff_workspace(tmp_path: Path, config: str = RUFF_TOML, name: str = "ingestion/ruff.toml"):
    ws = _workspace(tmp_path)
    (ws.root / name).write_text(config)
    return ws


def test_the_generic_rules_map_onto_ruff():
    assert GENERIC == [
        "quality/annotations",
        "quality/copyright",
        "quality/import-order",
        "tests/pytest-style",
    ]
    assert RULES["connection/swallowed-except"].ruff is None  # OpenMetadata's logging convention


@pytest.mark.parametrize("rule_id,index", _cases({k: POSITIVE[k] for k in GENERIC}))
def test_ruff_reports_the_violation(tmp_path, rule_id, index):
    ws = _ruff_workspace(tmp_path)
    POSITIVE[rule_id][index](ws.root)
    hits = [f for f in review(ws, "my_db").findings if f.rule_id == rule_id]
    assert hits and all("(ruff " in f.message for f in hits), [f.message for f in hits]
    rule = RULES[rule_id]
    for f in hits:
        assert (f.severity, f.fix, f.category) == (rule.severity, rule.fix, rule.category)
        assert f.line >= 1 and f.column is not None and f.column >= 1


@pytest.mark.parametrize("rule_id,index", _cases({k: NEGATIVE[k] for k in GENERIC if k in NEGATIVE}))
def test_ruff_ignores_the_near_miss(tmp_path, rule_id, index):
    ws = _ruff_workspace(tmp_path)
    NEGATIVE[rule_id][index](ws.root)
    assert [f.message for f in review(ws, "my_db").findings if f.rule_id == rule_id] == []


def test_the_clean_connector_is_clean_under_ruff(tmp_path):
    assert review(_ruff_workspace(tmp_path), "my_db").findings == []


def test_one_finding_per_function_listing_what_ruff_found_missing(tmp_path):
    ws = _ruff_workspace(tmp_path)
    module("def f(\n    x,\n    y: int,\n    *args,\n):\n    return x\n")(ws.root)
    (hit,) = [f for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"]
    assert hit.message.startswith("f() lacks annotations: x, *args, return (ruff ")
    assert (hit.line, hit.column, hit.end_column) == (5, 5, 6)  # the name, after header + docstring


@pytest.mark.parametrize(
    "config,name",
    [
        (RUFF_TOML + '\n[lint]\nignore = ["ANN"]\n', "ingestion/ruff.toml"),
        (
            RUFF_TOML + '\n[lint.per-file-ignores]\n"**/extra.py" = ["ANN001", "ANN201"]\n',
            "ingestion/ruff.toml",
        ),
        ('[tool.ruff]\nline-length = 100\nextend-ignore = ["ANN0", "ANN2"]\n', "ingestion/pyproject.toml"),
        ('[tool.ruff]\nextend = "base.toml"\n', "pyproject.toml"),
    ],
)
def test_the_workspace_configuration_decides(tmp_path, config, name):
    ws = _ruff_workspace(tmp_path, config, name)
    (ws.root / "base.toml").write_text('[lint]\nignore = ["ANN"]\n')
    module("def f(x, y: int):\n    return x\n")(ws.root)
    assert [f.message for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"] == []


def test_noqa_comments_are_ruff_s_own_suppressions(tmp_path):
    ws = _ruff_workspace(tmp_path)
    module("def f(x: int):  # noqa: ANN201\n    return x\n")(ws.root)
    assert [f for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"] == []


def test_where_ruff_cannot_run_connkit_checks_and_says_so(tmp_path):
    ws = _ruff_workspace(tmp_path, 'line-length = "not a number"\n')
    module("def f(x, y: int):\n    return x\n")(ws.root)
    findings = review(ws, "my_db").findings
    annotations = [f for f in findings if f.rule_id == "quality/annotations"]
    assert [f.message for f in annotations if f.path == f"{PKG}/extra.py"] == [
        "f() lacks annotations: x, return"
    ]
    said = [f for f in annotations if f.path == "ingestion/ruff.toml"]
    assert said and "ruff could not run" in said[0].message and said[0].severity.value == "WARNING"


def test_a_workspace_without_ruff_configuration_keeps_connkit_s_checks(tmp_path):
    ws = _workspace(tmp_path)
    (ws.root / "ingestion" / "pyproject.toml").write_text("[tool.black]\nline-length = 88\n")
    ctx = ReviewContext.build(ws, find_connector(ws, "my_db"))
    assert ruff_config(ws, ws.root / ctx.connector.package) is None and ctx.ruff is None
    module("def f(x, y: int):\n    return x\n")(ws.root)
    (hit,) = [f for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"]
    assert "ruff" not in hit.message


def test_a_configuration_above_the_workspace_does_not_count(tmp_path):
    ws = _workspace(tmp_path)
    (tmp_path / "ruff.toml").write_text(RUFF_TOML)  # beside the workspace folder, not in it
    assert ruff_config(ws, ws.root / PKG) is None
    assert ruff_config(_ruff_workspace(tmp_path / "b", name="ruff.toml"), tmp_path / "b" / "ws" / PKG)


def _fake_env(tmp_path: Path, script: str) -> Path:
    """A virtualenv-shaped folder whose python is ``script`` and which holds a ruff."""
    env = tmp_path / "venv"
    (env / "bin").mkdir(parents=True)
    python = env / "bin" / "python"
    python.write_text(script)
    python.chmod(0o755)
    (env / "bin" / "ruff").write_text("")
    return env


def test_the_workspace_environment_s_ruff_comes_first(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    env = _fake_env(tmp_path, f'#!/bin/sh\necho "$@" >> {log}\nexec {sys.executable} "$@"\n')
    monkeypatch.setenv("VIRTUAL_ENV", str(env))
    ws = _ruff_workspace(tmp_path)
    module("def f(x, y: int):\n    return x\n")(ws.root)
    ctx = ReviewContext.build(ws, find_connector(ws, "my_db"))
    assert ctx.ruff is not None and ctx.ruff.ruff.startswith("the workspace environment's")
    assert "-m ruff check" in log.read_text()
    assert [f for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"]


def test_a_workspace_ruff_that_fails_leaves_connkit_s(tmp_path, monkeypatch):
    monkeypatch.setenv("VIRTUAL_ENV", str(_fake_env(tmp_path, "#!/bin/sh\nexit 3\n")))
    ws = _ruff_workspace(tmp_path)
    module("def f(x, y: int):\n    return x\n")(ws.root)
    ctx = ReviewContext.build(ws, find_connector(ws, "my_db"))
    assert ctx.ruff is not None and ctx.ruff.ruff == "connkit's" and ctx.ruff.error == ""
    (hit,) = [f for f in review(ws, "my_db").findings if f.rule_id == "quality/annotations"]
    assert "(ruff ANN001, ANN201)" in hit.message
