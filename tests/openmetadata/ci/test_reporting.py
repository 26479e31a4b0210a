"""CI that reports where people look, for a connector with a BLOCKER: annotations
(`review --format github`, read back the way the Actions runner reads workflow commands),
SARIF for code scanning, the validate checklist as a job-summary table, and the workflow's
own shell steps run here as the runner runs them (bash -eo pipefail, $GITHUB_OUTPUT)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from connkit.openmetadata.review import ReviewResult, Severity, review
from connkit.openmetadata.review.model import Finding
from connkit.openmetadata.review.output import to_github
from tests.conftest import SRC, connkit_env, run_connkit
from tests.om_workspace import build_connector_workspace
from tests.openmetadata.ci.test_affected import EVERY, git, shallow_clone
from tests.openmetadata.ci.test_affected import ws as affected_ws  # noqa: F401 - a fixture
from tests.openmetadata.scaffold.helpers import make_workspace
from tests.tools import REPO

WORKFLOW = yaml.safe_load((REPO / "ci" / "connectors.yml").read_text())
EXTRA = "ingestion/src/metadata/ingestion/source/dashboard/my_db/extra.py"
SWALLOWED = "def list_things(session):\n    try:\n        return session.get('/things').json()\n    except Exception:\n        pass\n"
COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def unescape(text: str) -> str:
    """What the Actions runner makes of an escaped workflow-command value."""
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def annotations(output: str) -> list[dict]:
    found = []
    for line in output.splitlines():
        match = COMMAND.match(line)
        if match:
            props = dict(part.split("=", 1) for part in (match.group(2) or "").split(",") if part)
            found.append(
                {
                    "level": match.group(1),
                    **{k: unescape(v) for k, v in props.items()},
                    "message": unescape(match.group(3)),
                }
            )
    return found


def blocked_workspace(tmp_path: Path) -> Path:
    ws = build_connector_workspace(tmp_path / "ws")
    (ws.root / EXTRA).write_text('"""No header."""\n\n' + SWALLOWED)
    return ws.root


def test_annotations_put_each_finding_on_its_line_blockers_as_errors(tmp_path):
    root = blocked_workspace(tmp_path)
    from connkit.openmetadata.workspace import Workspace

    result = review(Workspace(root), "my_db")
    assert result.blockers
    found = annotations(to_github(result))
    assert len(found) == len(result.findings)
    for finding, note in zip(result.findings, found, strict=True):
        level = {Severity.BLOCKER: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "notice"}
        assert note["level"] == level[finding.severity]
        assert (note["file"], int(note["line"])) == (finding.path, finding.line)
        assert note["title"] == f"{finding.severity.value} {finding.rule_id}"
        assert note["message"] == f"{finding.message}. Fix: {finding.fix}"
    swallowed = next(n for n in found if n["title"] == "BLOCKER connection/swallowed-except")
    assert swallowed == {**swallowed, "level": "error", "file": EXTRA, "line": "6"}
    assert to_github(result).splitlines()[-1].endswith("BLOCKED")  # the verdict, as plain text

    proc = run_connkit("review", "--name", "my_db", "--format", "github", cwd=root)
    assert proc.returncode == 1 and "BLOCKER finding(s)" in proc.stderr
    assert annotations(proc.stdout) == found


def test_annotation_values_survive_the_runners_unescaping():
    tricky = Finding(
        "quality/x", "quality", Severity.BLOCKER, "a,b:c%d.py", 3, "50% done: a, b\nnext", "fix it"
    )
    [note] = annotations(to_github(ReviewResult("x", "database", [tricky])))
    assert note == {
        "level": "error",
        "file": "a,b:c%d.py",
        "line": "3",
        "title": "BLOCKER quality/x",
        "message": "50% done: a, b\nnext. Fix: fix it",
    }


def summary_rows(text: str) -> list[list[str]]:
    """The table's body rows, split on unescaped pipes (a cell may hold an escaped one)."""
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| checklist item")
    ]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    root = tmp_path / "scaffolded"
    make_workspace(root)
    assert (
        run_connkit("scaffold", "--name", "acme_dash", "--service-type", "dashboard", cwd=root).returncode
        == 0
    )
    assert run_connkit("register", "--name", "acme_dash", cwd=root).returncode == 0
    client = root / "ingestion/src/metadata/ingestion/source/dashboard/acme_dash/client.py"
    client.write_text(client.read_text() + "\n\n" + SWALLOWED)
    return root


def test_validate_appends_its_checklist_to_the_job_summary(scaffolded, tmp_path):
    summary = tmp_path / "step_summary.md"
    summary.write_text("## an earlier step's summary\n\n")
    proc = run_connkit(
        "validate", "--name", "acme_dash", "--summary", str(summary), "--logs", "none", cwd=scaffolded
    )
    assert proc.returncode == 1
    text = summary.read_text()
    assert text.startswith(
        "## an earlier step's summary\n\n### ❌ validate `acme_dash` (dashboard): failed\n"
    )
    rows = summary_rows(text)
    assert all(len(row) == 4 for row in rows), rows
    by_label = {row[0]: row for row in rows}
    report = json.loads(
        run_connkit("validate", "--name", "acme_dash", "--json", "--logs", "none", cwd=scaffolded).stdout
    )
    assert len(rows) == len(report["items"])
    for item in report["items"]:
        row = by_label[item["label"].replace("|", "\\|")]
        assert row[1].endswith(item["state"])
    errors = by_label["no swallowed exceptions"]
    assert errors[1] == "❌ failed" and errors[2] == "`validate.errors.acme_dash`"
    assert (
        "blocker(s), first: ingestion/src/metadata/ingestion/source/dashboard/acme_dash/client.py"
        in errors[3]
    )
    assert by_label["registration complete"][1] == "✅ passed"


def test_the_validate_session_writes_the_summary_github_names(monkeypatch, tmp_path):
    """nox's session under GitHub Actions: `connkit validate --summary $GITHUB_STEP_SUMMARY`."""
    from connkit.openmetadata.ci import nox_sessions

    runs: list[tuple] = []

    class Session:
        posargs: list[str] = []

        def install(self, *args):
            pass

        def run(self, *args, env=None):
            runs.append(args)

    class Nox:
        sessions: list = []

        def session(self, **kwargs):
            return lambda fn: self.sessions.append(fn) or fn

        def parametrize(self, name, values):
            return lambda fn: fn

    monkeypatch.setattr(nox_sessions, "connector_names", lambda workspace: ["acme_dash"])
    fake = Nox()
    nox_sessions.add_validate_sessions(fake, ["connkit"], tmp_path)
    [validate] = fake.sessions
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    validate(Session(), "acme_dash")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    validate(Session(), "acme_dash")
    assert runs == [
        ("connkit", "validate", "--name", "acme_dash", "--summary", str(tmp_path / "summary.md")),
        ("connkit", "validate", "--name", "acme_dash"),
    ]


# ------------------------------------------------------------- the workflow's own steps


def step(job: str, name: str) -> dict:
    return next(s for s in WORKFLOW["jobs"][job]["steps"] if s.get("name") == name)


def run_step(job: str, name: str, cwd: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """A `run:` script as the runner runs it: bash -eo pipefail, with `connkit` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "connkit"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m connkit "$@"\n')
    wrapper.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step(job, name)["run"])
    output = tmp_path / "github_output"
    output.write_text("")
    environ = connkit_env(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        GITHUB_OUTPUT=str(output),
        PYTHONPATH=str(SRC),
        **env,
    )
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
    )


def outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github_output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_the_review_step_annotates_and_writes_sarif_without_failing_on_blockers(tmp_path):
    root = blocked_workspace(tmp_path)
    entry = {"connector": "my_db", "service_type": "dashboard", "session": "validate(connector='my_db')"}
    matrix = {"include": [{**entry, "python": "3.11"}, {**entry, "python": "3.12"}]}
    proc = run_step("review", "Review the affected connectors", root, tmp_path, MATRIX=json.dumps(matrix))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notes = annotations(proc.stdout)
    errors = [n for n in notes if n["level"] == "error"]
    assert {"file": EXTRA, "line": "6"}.items() <= next(
        n for n in errors if "swallowed" in n["title"]
    ).items()
    assert len([line for line in proc.stdout.splitlines() if line.startswith("my_db (dashboard)")]) == 1
    sarif_files = sorted((root / "connkit-review").iterdir())
    assert [p.name for p in sarif_files] == ["dashboard-my_db.sarif"]
    run = json.loads(sarif_files[0].read_text())["runs"][0]
    results = [
        (r["level"], r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
    ]  # fmt: skip
    assert ("error", "connection/swallowed-except", EXTRA, 6) in results
    assert len(results) == len(notes)
    assert run["automationDetails"]["id"].startswith("connkit-review/my_db")

    # A review that cannot run at all (bad input: exit 2) does fail the step.
    broken = {"include": [{**entry, "connector": "Not-A-Name", "python": "3.11"}]}
    failed = run_step("review", "Review the affected connectors", root, tmp_path, MATRIX=json.dumps(broken))
    assert failed.returncode == 2 and "invalid connector name 'Not-A-Name'" in failed.stderr


def test_the_matrix_step_warns_and_takes_every_connector_when_the_base_is_not_in_the_clone(
    affected_ws,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    clone = shallow_clone(affected_ws, tmp_path)
    forced_away = git(affected_ws, "rev-parse", "main").strip()  # e.g. github.event.before after a force push
    proc = run_step("matrix", "Compute the matrix", clone, tmp_path, BASE=forced_away, PYTHONS="3.11")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warning = f"::warning title=ci.matrix::{forced_away} is not a commit in this clone (shallow?): validating every connector"
    assert warning in proc.stdout.splitlines()
    out = outputs(tmp_path)
    assert {e["connector"] for e in json.loads(out["matrix"])["include"]} == EVERY
    assert out["count"] == str(len(EVERY))

    git(clone, "fetch", "-q", "--unshallow", "origin", "feature")
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    proc = run_step("matrix", "Compute the matrix", clone, tmp_path, BASE="origin/main", PYTHONS="3.11")
    assert proc.returncode == 0 and "::warning" not in proc.stdout
    assert json.loads(outputs(tmp_path)["matrix"])["include"][0]["connector"] == "mysql"
    assert outputs(tmp_path)["count"] == "1"


def test_the_workflow_uploads_sarif_and_caches_without_a_remote():
    review_job = WORKFLOW["jobs"]["review"]
    assert review_job["permissions"] == {"contents": "read", "actions": "read", "security-events": "write"}
    assert "permissions" not in WORKFLOW["jobs"]["validate"]  # only the review job may write findings
    upload = step("review", "Upload to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "connkit-review"
    restore, save = step("validate", "Restore connkit's caches"), step("validate", "Save connkit's caches")
    assert restore["uses"].startswith("actions/cache/restore@") and save["uses"].startswith(
        "actions/cache/save@"
    )
    assert (
        restore["if"] == "vars.CONNKIT_REMOTE_CACHE == ''" and "vars.CONNKIT_REMOTE_CACHE == ''" in save["if"]
    )
    assert (
        restore["with"]["path"].split()
        == save["with"]["path"].split()
        == [".connkit/cache", "~/.cache/connkit/downloads"]
    )
    assert save["with"]["key"] == "${{ steps.cache.outputs.cache-primary-key }}"
    names = [s.get("name") for s in WORKFLOW["jobs"]["validate"]["steps"]]
    assert (
        names.index("Restore connkit's caches")
        < names.index("Validate")
        < names.index("Save connkit's caches")
    )
