"""The real OpenMetadata checkout (``../shared/openmetadata/``), unpacked once per test session.

Every test of the checkout tier shares one tree and one connkit state folder, so the slow
set-up — the Python environment, Maven's spec build, ``yarn install``, the server build — is
paid once per session, and on a warm machine restored from connkit's own cache:

- the tree is unpacked fresh each session to ``$CONNKIT_TEST_OM/tree`` (default
  ``~/.cache/connkit-test/om``), always at the same path, because some outputs (a virtualenv)
  are only valid where they were made;
- connkit's state (cache, records) lives beside it in ``$CONNKIT_TEST_OM/state``
  (``CONNKIT_CACHE_DIR``) and survives sessions: a second CI run replays what did not change.

A second session running at the same time (another checkout of this project on the same
machine) cannot take the lock; it gets a private copy under pytest's temporary folder instead,
and pays the cold set-up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from tests.conftest import SRC

# ../shared/openmetadata beside the checkout of this project (a worktree may sit one level deeper)
SHARED = next(
    (p / "shared" / "openmetadata" for p in SRC.parents if (p / "shared" / "openmetadata").is_dir()),
    SRC.parents[1] / "shared" / "openmetadata",
)
TARBALL_GLOB = "openmetadata-*-src.tar.xz"
GIT = ["git", "-c", "user.name=connkit-tests", "-c", "user.email=tests@connkit.invalid"]


@dataclass(frozen=True)
class Checkout:
    root: Path  # the unpacked tree, a git repository with one commit
    state: Path  # connkit's state folder for it (CONNKIT_CACHE_DIR)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a person's connkit runs with in this checkout."""
        from tests.conftest import connkit_env

        return connkit_env(**{"CONNKIT_CACHE_DIR": str(self.state), **extra})


def tarball() -> Path | None:
    found = sorted(SHARED.glob(TARBALL_GLOB))
    return found[-1] if found else None


def unpack(archive: Path, dest: Path) -> None:
    """Unpack the tarball into ``dest`` and commit it (the server's build needs a git repo)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    subprocess.run([*GIT, "commit", "-qm", "upstream"], cwd=dest, check=True)


@pytest.fixture(scope="session")
def om_checkout(tmp_path_factory) -> Checkout:
    archive = tarball()
    if archive is None:
        missing = f"no OpenMetadata checkout tarball in {SHARED} (the shared/ folder is absent here)"
        if os.environ.get("CI"):  # CI proves the checkout tier: it must not pass by skipping it
            pytest.fail(missing)
        pytest.skip(missing)
    base = Path(os.environ.get("CONNKIT_TEST_OM", Path.home() / ".cache" / "connkit-test" / "om"))
    base.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(base / "session.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:  # another session owns the shared tree: work privately, cold
        base = tmp_path_factory.mktemp("om-private")
        lock = None
    try:
        checkout = Checkout(root=base / "tree", state=base / "state")
        unpack(archive, checkout.root)
        checkout.state.mkdir(exist_ok=True)
        yield checkout
    finally:
        if lock is not None:
            lock.release()
