"""Review people can live with: in-source suppressions, baselines, fingerprints, SARIF columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from connkit.openmetadata.register import register
from connkit.openmetadata.review import RULES, review
from connkit.openmetadata.review import baseline as baselines
from connkit.openmetadata.review.output import FINGERPRINT_KEY, render, to_sarif
from tests.conftest import SRC
from tests.om_workspace import build_connector_workspace

PKG = "ingestion/src/metadata/ingestion/source/dashboard/my_db"
EXTRA = f"{PKG}/extra.py"
HEADER = "#  Copyright 2026 connkit test fixture\n#  Licensed under the Apache License, Version 2.0\n"
# two fetchall() BLOCKERs, each line also a large-object-cleanup WARNING
TWO_READS = (
    HEADER + '"""Reads."""\n\n\n'
    "def f(cursor: object) -> list:\n"
    "    rows = cursor.fetchall(){first}\n"
    "    more = cursor.fetchall(){second}\n"
    "    return rows + more\n"
)


def _ws(tmp_path: Path, first: str = "", second: str = ""):
    ws = build_connector_workspace(tmp_path / "ws")
    register(ws, "my_db")
    (ws.root / EXTRA).write_text(TWO_READS.format(first=first, second=second))
    return ws


def _at(findings, rule_id):
    return sorted(f.line for f in findings if f.rule_id == rule_id and f.path == EXTRA)


def _connkit(ws, *args):
    env = {**os.environ, "CONNKIT_WORKSPACE": str(ws.root)}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "connkit", *args], capture_output=True, text=True, env=env)


# -- suppressions -------------------------------------------------------------------------


def test_a_suppression_silences_exactly_its_finding(tmp_path):
    before = review(_ws(tmp_path / "a"), "my_db").findings
    assert _at(before, "memory/fetchall") == [7, 8] and _at(before, "memory/large-object-cleanup") == [7, 8]
    ws = _ws(tmp_path / "b", first="  # connkit: ignore[memory/fetchall] the query is LIMIT 10")
    result = review(ws, "my_db")
    assert _at(result.findings, "memory/fetchall") == [8]  # the other line's stays
    assert _at(result.findings, "memory/large-object-cleanup") == [7, 8]  # another rule, same line
    assert [(f.rule_id, f.line, s.reason) for f, s in result.suppressed] == [
        ("memory/fetchall", 7, "the query is LIMIT 10")
    ]
    assert not [f for f in result.findings if f.rule_id == "quality/suppression"]


def test_one_comment_can_name_several_rules(tmp_path):
    ws = _ws(tmp_path, first="  # connkit: ignore[memory/fetchall, memory/large-object-cleanup] - ten rows")
    result = review(ws, "my_db")
    assert _at(result.findings, "memory/fetchall") == [8]
    assert _at(result.findings, "memory/large-object-cleanup") == [8]


@pytest.mark.parametrize(
    "comment,says",
    [
        ("  # connkit: ignore[memory/fetchall]", "gives no reason, so it silences nothing"),
        ("  # connkit: ignore[memory/fetchall]   ", "gives no reason, so it silences nothing"),
        (
            "  # connkit: ignore[source/pagination] not here",
            "unused suppression: no source/pagination finding",
        ),
        ("  # connkit: ignore[memory/fetchal] typo", "'memory/fetchal', which is no rule"),
        ("  # connkit: ignore[] why", "names no rule"),
    ],
)
def test_a_suppression_without_reason_or_use_is_reported(tmp_path, comment, says):
    ws = _ws(tmp_path, first=comment)
    result = review(ws, "my_db")
    (problem,) = [f for f in result.findings if f.rule_id == "quality/suppression"]
    assert says in problem.message and (problem.path, problem.line) == (EXTRA, 7)
    line = (ws.root / EXTRA).read_text().splitlines()[6]
    assert problem.severity.value == "WARNING" and problem.column == line.index("#") + 1
    assert _at(result.findings, "memory/fetchall") == [7, 8] and result.suppressed == []


def test_a_suppression_of_a_rule_that_did_not_run_is_not_unused(tmp_path):
    ws = _ws(tmp_path, first="  # connkit: ignore[source/pagination] reviewed")

    def problems(rules):
        return [
            f.message for f in review(ws, "my_db", rules=rules).findings if f.rule_id == "quality/suppression"
        ]

    assert problems(["memory/", "quality/suppression"]) == []  # source/pagination did not run
    assert problems(["source/", "quality/suppression"]) == [
        "unused suppression: no source/pagination finding on this line"
    ]
    assert problems(["source/"]) == []  # validate's items do not ask for quality/suppression


def test_a_suppressed_blocker_does_not_fail_the_cli(tmp_path):
    ws = _ws(tmp_path)
    assert _connkit(ws, "review", "--name", "my_db").returncode == 1
    reason = "  # connkit: ignore[memory/fetchall] bounded by the API"
    (ws.root / EXTRA).write_text(TWO_READS.format(first=reason, second=reason))
    res = _connkit(ws, "review", "--name", "my_db")
    assert res.returncode == 0 and "0 blocker(s)" in res.stdout, res.stdout


# -- fingerprints and baselines ---------------------------------------------------------------


def test_fingerprints_ignore_the_message_and_the_line_number(tmp_path):
    ws = _ws(tmp_path)
    first = {(f.rule_id, f.line): f.fingerprint for f in review(ws, "my_db").findings if f.path == EXTRA}
    assert len(set(first.values())) == len(first)  # one per finding, equal lines told apart
    text = (ws.root / EXTRA).read_text()
    (ws.root / EXTRA).write_text(text.replace('"""Reads."""\n', '"""Reads."""\n\nimport os  # moved down\n'))
    moved = {(f.rule_id, f.line): f.fingerprint for f in review(ws, "my_db").findings if f.path == EXTRA}
    assert {(r, line - 2): fp for (r, line), fp in moved.items() if r.startswith("memory/")} == {
        k: v for k, v in first.items() if k[0].startswith("memory/")
    }


def test_a_reworded_message_keeps_the_fingerprint(tmp_path, monkeypatch):
    ws = _ws(tmp_path)
    before = review(ws, "my_db")
    rule = RULES["memory/fetchall"]

    def reworded(ctx):
        return [replace(h, message=f"reworded: {h.message.upper()}") for h in rule.check(ctx)]

    monkeypatch.setitem(RULES, "memory/fetchall", replace(rule, check=reworded))
    after = review(ws, "my_db")
    old = {f.fingerprint for f in before.findings if f.rule_id == "memory/fetchall"}
    new = [f for f in after.findings if f.rule_id == "memory/fetchall"]
    assert all(f.message.startswith("reworded") for f in new) and {f.fingerprint for f in new} == old
    sarif = {r["partialFingerprints"][FINGERPRINT_KEY] for r in to_sarif(after)["runs"][0]["results"]}
    assert old <= sarif


def test_a_baseline_passes_old_findings_and_fails_new_ones(tmp_path):
    ws = _ws(tmp_path)
    path = tmp_path / "review-baseline.json"
    rec = _connkit(ws, "review", "--name", "my_db", "--baseline", str(path), "--write-baseline")
    assert rec.returncode == 0 and f"wrote {path}" in rec.stdout
    entries = json.loads(path.read_text())["findings"]
    assert {e["rule_id"] for e in entries} >= {"memory/fetchall"} and all(e["fingerprint"] for e in entries)

    old = _connkit(ws, "review", "--name", "my_db", "--baseline", str(path))
    assert old.returncode == 0, old.stdout + old.stderr
    assert f"{EXTRA}:7: BLOCKER (baselined) [memory/fetchall]" in old.stdout
    assert (
        "0 blocker(s), 0 warning(s), 0 suggestion(s)" in old.stdout and "baselined): APPROVED" in old.stdout
    )

    # code moves down and a new BLOCKER arrives: only the new one fails
    text = (ws.root / EXTRA).read_text().replace("    return rows + more\n", "")
    text = (
        text.replace("def f(", "LIMIT = 5\n\n\ndef f(") + "    again = cursor.fetchall()\n    return again\n"
    )
    (ws.root / EXTRA).write_text(text)
    new = _connkit(ws, "review", "--name", "my_db", "--baseline", str(path), "--format", "json")
    assert new.returncode == 1 and "1 BLOCKER finding(s)" in new.stderr
    report = json.loads(new.stdout)
    fetches = [(f["line"], f["baselined"]) for f in report["findings"] if f["rule_id"] == "memory/fetchall"]
    assert fetches == [(10, True), (11, True), (12, False)]
    assert report["summary"]["BLOCKER"] == 1 and report["summary"]["baselined"] >= 2


def test_a_baseline_file_holds_several_connectors(tmp_path):
    ws = _ws(tmp_path)
    path = tmp_path / "baseline.json"
    findings = review(ws, "my_db").findings
    assert baselines.record(path, "other", findings[:1]) == 1
    assert baselines.record(path, "my_db", findings) == len(findings)
    assert baselines.record(path, "my_db", findings[:2]) == 2  # re-recording replaces my_db's
    by_connector = [e["connector"] for e in json.loads(path.read_text())["findings"]]
    assert sorted(by_connector) == ["my_db", "my_db", "other"]


@pytest.mark.parametrize(
    "args,content,says",
    [
        (["--baseline", "{path}"], None, "no baseline"),
        (["--baseline", "{path}"], "not json", "is not a review baseline"),
        (["--baseline", "{path}"], '{"version": 99, "findings": []}', "is not a version-1 review baseline"),
        (["--baseline", "{path}"], '{"version": 1, "findings": [{"x": 1}]}', "must be a list of entries"),
        (["--write-baseline"], None, "--write-baseline needs --baseline FILE"),
        (["--baseline", "{path}", "--write-baseline", "--rule", "memory/"], None, "drop --rule"),
    ],
)
def test_bad_baseline_use_is_one_line_and_exit_2(tmp_path, args, content, says):
    ws = _ws(tmp_path)
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    res = _connkit(ws, "review", "--name", "my_db", *[a.format(path=path) for a in args])
    assert res.returncode == 2 and res.stdout == "" and res.stderr.count("\n") == 1 and says in res.stderr
    assert path.exists() == (content is not None)


# -- SARIF ----------------------------------------------------------------------------------


def test_sarif_results_have_columns_fingerprints_and_baseline_state(tmp_path):
    ws = _ws(tmp_path)
    result = review(ws, "my_db")
    plain = to_sarif(result)["runs"][0]
    assert plain["columnKind"] == "unicodeCodePoints"
    assert all("baselineState" not in r for r in plain["results"])
    fetch = next(r for r in plain["results"] if r["ruleId"] == "memory/fetchall")
    region = fetch["locations"][0]["physicalLocation"]["region"]
    line = (ws.root / EXTRA).read_text().splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "cursor.fetchall()"
    path = tmp_path / "b.json"
    baselines.record(path, "my_db", [f for f in result.findings if f.path == EXTRA and f.line == 7])
    marked = to_sarif(result.with_baseline(baselines.load(path)))["runs"][0]["results"]
    states = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["baselineState"])
        for r in marked
    }
    assert ("memory/fetchall", 7, "unchanged") in states and ("memory/fetchall", 8, "new") in states
    text = render(result.with_baseline(baselines.load(path)), "text")
    assert text.rstrip().endswith("BLOCKED") and "(+2 baselined)" in text


def test_github_annotations_of_baselined_findings_are_notices(tmp_path):
    from connkit.openmetadata.review.output import to_github

    result = review(_ws(tmp_path), "my_db")
    path = tmp_path / "b.json"
    baselines.record(path, "my_db", [f for f in result.findings if f.path == EXTRA and f.line == 7])
    lines = to_github(result.with_baseline(baselines.load(path))).splitlines()
    old = [ln for ln in lines if f"file={EXTRA},line=7," in ln]
    new = [ln for ln in lines if f"file={EXTRA},line=8," in ln]
    assert old and all(ln.startswith("::notice ") and "(baselined)" in ln for ln in old)
    assert any(ln.startswith("::error ") for ln in new) and lines[-1].endswith("BLOCKED")
