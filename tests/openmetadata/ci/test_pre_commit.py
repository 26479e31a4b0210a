"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself against a small workspace, as a
connector author's `git commit` would. `pre-commit try-repo` installs this repository into a
fresh hook environment on every call (from PyPI: a minute or more), so each try-repo test runs
all three hooks at once; the file-selection test uses `pre-commit run` with a config naming
the same repository, whose environment pre-commit keeps between calls and sessions."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import connkit_env, run_connkit
from tests.om_workspace import DATA, git_init
from tests.openmetadata.scaffold.helpers import make_workspace
from tests.tools import REPO

pytestmark = pytest.mark.slow

CACHE = Path(os.environ.get("CONNKIT_TEST_CACHE", Path.home() / ".cache" / "connkit-tests")) / "pre-commit"
SOURCE = "ingestion/src/metadata/ingestion/source"
CLIENT = f"{SOURCE}/dashboard/acme_dash/client.py"
SERVICE = "openmetadata-spec/src/main/resources/json/schema/entity/services/dashboardService.json"
FIXED_DATE = "2024-01-01T00:00:00+00:00"


@pytest.fixture(scope="session")
def hook_repo() -> Path:
    """This checkout's working tree (tracked and new files) as one commit, in a folder named by
    the content's digest: pre-commit keys its environments by repository and revision, so an
    unchanged tree reuses the environment a previous session installed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    files = sorted(p for p in listed.split("\0") if p and (REPO / p).is_file())
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0" + (REPO / rel).read_bytes() + b"\0")
    repo = CACHE / f"repo-{digest.hexdigest()[:16]}"
    if not (repo / ".git").is_dir():
        staging = CACHE / f"staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        for rel in files:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, staging / rel)
        env = {**os.environ, "GIT_AUTHOR_DATE": FIXED_DATE, "GIT_COMMITTER_DATE": FIXED_DATE}
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "connkit under test"]):
            subprocess.run(
                ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                cwd=staging,
                env=env,
                check=True,
                capture_output=True,
            )
        try:
            staging.rename(repo)
        except OSError:  # another session made the same one first
            shutil.rmtree(staging, ignore_errors=True)
        forget_old_snapshots(keep=repo)
    return repo


def forget_old_snapshots(keep: Path, days: float = 1) -> None:
    """Snapshots of earlier trees older than a day, and the environments pre-commit keeps for them."""
    for old in CACHE.glob("repo-*"):
        if old != keep and time.time() - old.stat().st_mtime > days * 86400:
            shutil.rmtree(old, ignore_errors=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(CACHE / "home")}
    subprocess.run([sys.executable, "-m", "pre_commit", "gc"], env=env, capture_output=True, check=False)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with one scaffolded, registered connector and nothing else, in git."""
    root = tmp_path / "ws"
    make_workspace(root)
    for package in (root / SOURCE).glob("*/*"):
        shutil.rmtree(package)  # the stand-in connectors: packages without a real source
    shutil.copy(DATA / "spec" / "setup.py", root / "ingestion" / "setup.py")
    assert (
        run_connkit("scaffold", "--name", "acme_dash", "--service-type", "dashboard", cwd=root).returncode
        == 0
    )
    assert run_connkit("register", "--name", "acme_dash", cwd=root).returncode == 0
    git_init(root)
    return root


def pre_commit(ws: Path, *args: str) -> subprocess.CompletedProcess:
    env = connkit_env(PRE_COMMIT_HOME=str(CACHE / "home"))
    env.pop("PYTHONPATH", None)  # the hooks must run the connkit pre-commit installed, not this src/
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--verbose"],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert "An unexpected error has occurred" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


HOOKS = ("connkit-register-check", "connkit-format-check", "connkit-review")


def break_connector(ws: Path, name: str = "acme_dash") -> Path:
    """A swallowed exception (a BLOCKER), a line ruff would reformat, and no registration."""
    client = ws / f"{SOURCE}/dashboard/{name}/client.py"
    client.write_text(
        client.read_text()
        + "\n\ndef risky():\n    try:\n        return 1\n    except Exception:\n        pass\n"
        "\nx   =   {  'a':1 }\n"
    )
    assert run_connkit("unregister", "--name", name, cwd=ws).returncode == 0
    return client


def test_try_repo_runs_the_three_hooks_and_they_pass_on_a_clean_connector(hook_repo, ws):
    proc = pre_commit(ws, "try-repo", str(hook_repo), "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for hook in HOOKS:
        assert f"{hook}: acme_dash" in proc.stdout
    assert proc.stdout.count("Passed") == 3
    assert "acme_dash: registration complete" in proc.stdout
    assert "acme_dash (dashboard): 0 blocker(s)" in proc.stdout


def test_try_repo_fails_each_hook_on_what_it_checks(hook_repo, ws):
    break_connector(ws)
    proc = pre_commit(ws, "try-repo", str(hook_repo), "--all-files")
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.count("Failed") == 3
    assert "BLOCKER [connection/swallowed-except]" in proc.stdout
    assert "run `connkit register --name acme_dash`" in proc.stdout
    assert "format.python.acme_dash" in proc.stdout


def test_hooks_check_only_the_connectors_the_files_belong_to(hook_repo, ws):
    assert (
        run_connkit("scaffold", "--name", "beta_dash", "--service-type", "dashboard", cwd=ws).returncode == 0
    )
    assert run_connkit("register", "--name", "beta_dash", cwd=ws).returncode == 0
    client = break_connector(ws)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, check=True, capture_output=True, text=True
    )
    config = ws / "hooks.yaml"
    config.write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev.stdout.strip()}\n    hooks:\n"
        + "".join(f"      - id: {hook}\n" for hook in HOOKS)
    )
    subprocess.run(["git", "add", "-A"], cwd=ws, check=True)
    beta = f"{SOURCE}/dashboard/beta_dash/metadata.py"
    clean = pre_commit(ws, "run", "-c", str(config), "--files", beta)
    assert clean.returncode == 0, clean.stdout
    for hook in HOOKS:
        assert f"{hook}: beta_dash" in clean.stdout
    assert "acme_dash" not in clean.stdout
    broken = pre_commit(ws, "run", "-c", str(config), "--files", str(client.relative_to(ws)), beta)
    assert broken.returncode == 1 and broken.stdout.count("Failed") == 3, broken.stdout
    for hook in HOOKS:
        assert f"{hook}: acme_dash, beta_dash" in broken.stdout
    # the service schema holds every dashboard connector's registration: register-check takes
    # both, the other hooks neither
    service = pre_commit(ws, "run", "-c", str(config), "--files", SERVICE)
    assert "connkit-register-check: acme_dash, beta_dash" in service.stdout
    assert "connkit-review: none of the 1 file(s) belongs to a connector" in service.stdout
