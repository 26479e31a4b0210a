"""Review output: text, JSON, SARIF 2.1.0 (validated against the official schema), CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import jsonschema
import pytest

from connkit.errors import UsageError
from connkit.openmetadata.review import RULES, review
from connkit.openmetadata.review.baseline import load, record
from connkit.openmetadata.review.output import render, to_sarif
from tests.conftest import SRC
from tests.om_workspace import build_connector_workspace

# The OASIS SARIF 2.1.0 schema (final, "rtm.5") as shipped, MIT-licensed, in the npm package
# @microsoft/jest-sarif. Downloaded at test time, never committed.
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
EXTRA = "ingestion/src/metadata/ingestion/source/dashboard/my_db/extra.py"


def _with_findings(tmp_path: Path):
    ws = build_connector_workspace(tmp_path / "ws")
    (ws.root / EXTRA).write_text(
        '"""No header."""\n\n'
        "def list_things(session):\n"
        "    try:\n        return session.get('/things').json()\n"
        "    except Exception:\n        pass\n"
    )
    return ws


def test_text_and_json_reports(tmp_path):
    result = review(_with_findings(tmp_path), "my_db")
    text = render(result, "text")
    assert f"{EXTRA}:6: BLOCKER [connection/swallowed-except]" in text
    assert "fix: " in text and text.rstrip().endswith("BLOCKED")
    data = json.loads(render(result, "json"))
    assert data["summary"]["BLOCKER"] == len(result.blockers) >= 2
    first = data["findings"][0]
    assert set(first) == {
        *("rule_id", "category", "severity", "path", "line", "message", "fix"),
        *("column", "end_line", "end_column", "fingerprint", "baselined"),
    }
    assert data["summary"]["baselined"] == 0 and first["baselined"] is False


def test_sarif_has_what_github_code_scanning_reads(tmp_path):
    sarif = to_sarif(review(_with_findings(tmp_path), "my_db"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    levels = {r["level"] for r in run["results"]}
    assert {"error", "warning", "note"} >= levels and "error" in levels
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
        assert res["message"]["text"] and res["partialFingerprints"]["connkitFinding/v2"]
    prints = [r["partialFingerprints"]["connkitFinding/v2"] for r in run["results"]]
    assert len(set(prints)) == len(prints)


@pytest.fixture(scope="session")
def sarif_schema(tmp_path_factory) -> dict:
    cache = Path(os.environ.get("CONNKIT_TEST_CACHE", Path.home() / ".cache" / "connkit-tests"))
    path = cache / "sarif-2.1.0-rtm.5.json"
    if not path.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch the SARIF schema")
        work = tmp_path_factory.mktemp("npm")
        subprocess.run(
            [npm, "pack", "--silent", SARIF_PACKAGE],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=300,
        )
        tgz = next(work.glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            data = tar.extractfile(SARIF_MEMBER).read()
        cache.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return json.loads(path.read_text())


@pytest.mark.slow
def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path, sarif_schema):
    assert "2.1.0" in sarif_schema["title"]
    validator_cls = jsonschema.validators.validator_for(sarif_schema)
    validator = validator_cls(sarif_schema)
    through_ruff = _with_findings(tmp_path / "r")
    (through_ruff.root / "ingestion" / "ruff.toml").write_text(
        '[lint.isort]\nknown-first-party = ["metadata"]\n'
    )
    results = [review(ws, "my_db") for ws in (_with_findings(tmp_path / "a"), through_ruff)]
    results.append(review(build_connector_workspace(tmp_path / "b" / "ws"), "my_db"))
    baseline_file = tmp_path / "baseline.json"
    record(baseline_file, "my_db", results[0].findings[:2])
    results.append(results[0].with_baseline(load(baseline_file)))  # baselineState on each result
    for result in results:
        doc = json.loads(render(result, "sarif"))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    regions = [
        r["locations"][0]["physicalLocation"]["region"] for r in to_sarif(results[1])["runs"][0]["results"]
    ]
    assert any("startColumn" in r and "endColumn" in r for r in regions)  # ruff's columns
    states = {r["baselineState"] for r in to_sarif(results[-1])["runs"][0]["results"]}
    assert states == {"new", "unchanged"}
    broken = json.loads(render(review(_with_findings(tmp_path / "c"), "my_db"), "sarif"))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))


def _connkit(ws, *args):
    env = {**os.environ, "CONNKIT_WORKSPACE": str(ws.root)}
    src = str(SRC)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "connkit", *args], capture_output=True, text=True, env=env)


def test_cli_exit_codes_and_output_file(tmp_path):
    clean = build_connector_workspace(tmp_path / "clean")
    ok = _connkit(clean, "review", "--name", "my_db")
    assert ok.returncode == 0, ok.stderr
    assert "0 blocker(s)" in ok.stdout

    bad = _with_findings(tmp_path / "bad")
    out = tmp_path / "report.sarif"
    res = _connkit(bad, "review", "--name", "my_db", "--format", "sarif", "--output", str(out))
    assert res.returncode == 1 and "BLOCKER" in res.stderr
    assert json.loads(out.read_text())["version"] == "2.1.0"
    res = _connkit(bad, "review", "--name", "my_db", "--format", "json")
    assert res.returncode == 1 and json.loads(res.stdout)["summary"]["BLOCKER"] >= 1
    wrong = _connkit(bad, "review", "--name", "my_db", "--format", "xml")
    assert wrong.returncode == 2 and "unknown format" in wrong.stderr


def test_rule_selection_for_validate(tmp_path):
    ws = _with_findings(tmp_path)
    only_memory = review(ws, "my_db", rules=["memory/"])
    assert only_memory.findings == []
    selected = review(ws, "my_db", rules=["connection/swallowed-except", "source/pagination"])
    assert {f.rule_id for f in selected.findings} == {
        "connection/swallowed-except",
        "source/pagination",
    }
    with pytest.raises(UsageError, match="no review rule matches"):
        review(ws, "my_db", rules=["nope/"])


def test_cli_lists_rules_and_filters(tmp_path):
    ws = _with_findings(tmp_path)
    listed = _connkit(ws, "review", "--list")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == len(RULES)
    res = _connkit(ws, "review", "--name", "my_db", "--rule", "memory/,quality/syntax")
    assert res.returncode == 0 and "0 blocker(s)" in res.stdout
