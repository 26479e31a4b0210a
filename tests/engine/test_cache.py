"""The store refuses what it cannot trust: corrupt blobs, records that escape the workspace."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from connkit.engine.execute import run_steps
from connkit.engine.options import RunOptions
from connkit.engine.project import Folder
from connkit.engine.report import SilentReporter
from connkit.engine.step import Step
from connkit.engine.store.local import LocalCache
from connkit.engine.store.records import ActionRecord, OutputEntry

from .helpers import concat_step, py, run, statuses, upper_step, write_sources

STEPS = [concat_step(), upper_step()]


@pytest.fixture
def root(ws_root: Path) -> Path:
    write_sources(ws_root, a="alpha\n", b="beta\n")
    return ws_root


def cache_of(root: Path) -> LocalCache:
    return LocalCache(root / ".connkit/cache")


def record_for(root: Path, step_id: str) -> ActionRecord:
    found = [r for _, r in cache_of(root).records() if r is not None and r.step == step_id]
    assert len(found) == 1
    return found[0]


def corrupt_blob(cache: LocalCache, digest: str) -> None:
    path = cache._blob_path(digest)
    os.chmod(path, 0o644)
    path.write_bytes(b"bit rot")


def test_corrupt_blob_is_detected_and_the_step_reruns(root):
    run(root, STEPS)
    record = record_for(root, "build.concat")
    corrupt_blob(cache_of(root), record.outputs[0].digest)
    (root / "out/all.txt").unlink()
    result = run(root, STEPS)
    assert statuses(result)["build.concat"] == "ran"
    assert (root / "out/all.txt").read_text() == "alpha\nbeta\n"
    assert statuses(run(root, STEPS))["build.concat"] == "cached"


def test_verify_drops_corrupt_blobs_and_their_records(root):
    run(root, STEPS)
    cache = cache_of(root)
    record = record_for(root, "build.upper")
    file_entry = next(o for o in record.outputs if o.kind == "file")
    corrupt_blob(cache, file_entry.digest)
    report = cache.verify()
    assert report.corrupt == [file_entry.digest]
    assert record.key in report.invalidated
    assert cache.get_record(record.key) is None
    assert cache.verify().corrupt == []


def test_missing_blob_means_a_rerun_not_a_crash(root):
    run(root, STEPS)
    record = record_for(root, "build.concat")
    cache_of(root).drop_blob(record.outputs[0].digest)
    (root / "out/all.txt").unlink()
    assert statuses(run(root, STEPS))["build.concat"] == "ran"


@pytest.mark.parametrize(
    "evil",
    [
        OutputEntry(path="../escaped.txt", kind="file", digest="0" * 64),
        OutputEntry(path="/tmp/absolute.txt", kind="file", digest="0" * 64),
        OutputEntry(path="out/../../x.txt", kind="file", digest="0" * 64),
        OutputEntry(path="out/link", kind="link", target="../../outside"),
        OutputEntry(path="out/abs-link", kind="link", target="/etc/passwd"),
    ],
    ids=["dotdot", "absolute", "nested-dotdot", "relative-link-out", "absolute-link"],
)
def test_record_escaping_the_workspace_is_refused(root, evil):
    run(root, [concat_step()])
    cache = cache_of(root)
    record = record_for(root, "build.concat")
    blob = cache.put_blob_bytes(b"pwned")
    if evil.kind == "file":
        evil = OutputEntry(path=evil.path, kind="file", digest=blob, size=5)
    record.outputs = [*record.outputs, evil]
    cache.put_record(record)
    (root / "out/all.txt").unlink()
    result = run(root, [concat_step()])
    assert statuses(result)["build.concat"] == "ran"  # refused, so the step ran instead
    assert not (root.parent / "escaped.txt").exists()
    assert not Path("/tmp/absolute.txt").exists() or Path("/tmp/absolute.txt").read_bytes() != b"pwned"
    assert not (root / "out/link").is_symlink() and not (root / "out/abs-link").is_symlink()


def test_record_through_a_symlinked_folder_is_refused(root, tmp_path):
    import shutil

    from connkit.engine.hashing import StatMemo
    from connkit.engine.store import outputs

    outside = tmp_path / "outside"
    outside.mkdir()
    run(root, [concat_step()])
    record = record_for(root, "build.concat")
    shutil.rmtree(root / "out")
    (root / "out").symlink_to(outside, target_is_directory=True)
    with pytest.raises(outputs.UnsafeRecord):
        outputs.restore(root, record, cache_of(root), StatMemo(None))
    assert list(outside.iterdir()) == []
    assert not outputs.matches(root, record, StatMemo(None))
    # Through the runner: the record is refused and dropped, the step runs, and its
    # outputs (now behind a link out of the workspace) are not recorded again.
    result = run(root, [concat_step()])
    assert statuses(result)["build.concat"] == "ran"
    assert cache_of(root).get_record(record.key) is None


def test_prune_by_size_keeps_recent_records(root):
    run(root, STEPS)
    write_sources(root, a="second version " * 100)
    run(root, STEPS)
    cache = cache_of(root)
    before = cache.stats()
    assert before.records == 4
    cache.prune(max_bytes=1)
    after = cache.stats()
    assert after.records < before.records and after.orphan_blobs == 0


def test_prune_by_age(root):
    run(root, STEPS)
    cache = cache_of(root)
    for path, _ in cache.records():
        os.utime(path, (1, 1))
    cache.prune(older_than_s=3600)
    assert cache.stats().records == 0 and cache.stats().blobs == 0


def test_record_json_round_trip():
    record = ActionRecord(
        key="k" * 64,
        step="s",
        roots=["out"],
        outputs=[OutputEntry("out", "dir", mode=0o755), OutputEntry("out/a", "file", "d" * 64, 0o644, 3)],
        exit_code=0,
        log=None,
        seconds=1.5,
        created=0.0,
    )
    assert ActionRecord.from_json(record.to_json()) == record


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs for the cache: storing a 2 MB output fills it up."""
    mount = tmp_path / "small"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.decode().strip()}); needs root")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_fails_the_storing_cleanly(root, small_disk, monkeypatch):
    """The step's result stands, nothing partial is recorded, and the next run is right."""
    big = Step(
        id="gen.big",
        inputs=("src",),
        outputs=("out/big.bin",),
        command=py(
            "import os;os.makedirs('out',exist_ok=True);open('out/big.bin','wb').write(os.urandom(2_000_000))"
        ),
    )
    monkeypatch.setenv("CONNKIT_CACHE_DIR", str(small_disk / "state"))
    notes = []

    class Notes(SilentReporter):
        def note(self, message):
            notes.append(message)

    result = run_steps(Folder(root), [big], (), RunOptions(), reporter=Notes())
    assert statuses(result) == {"gen.big": "ran"} and result.ok
    assert (root / "out/big.bin").stat().st_size == 2_000_000
    assert any("outputs not cached" in n and "No space left" in n for n in notes), notes
    store = LocalCache(small_disk / "state" / "cache")
    assert store.stats().records == 0
    assert not [p for p in (small_disk / "state").rglob("*.tmp")], "a partial blob was left behind"
    again = run_steps(Folder(root), [big], (), RunOptions(), reporter=SilentReporter())
    assert statuses(again) == {"gen.big": "ran"}  # never a false hit after the failed store
