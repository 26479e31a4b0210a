"""`connkit watch`: run a target, then run it again whenever a file its steps read changes.

Nothing new decides what reruns: each run is an ordinary run of the same target with the same
keys and cache, so only the steps whose inputs changed execute and the rest are hits. This
module only decides *when* to run:

- it watches (watchfiles, the OS's file events, no polling) the folders the selected steps'
  input patterns start from, and keeps only events for paths those patterns name (never
  ``.connkit/`` or ``.git/``: the patterns exclude them);
- a burst of saves is one run: watchfiles groups events that arrive close together, and
  every batch that arrived while a run was going is merged into the next run;
- a run in progress finishes before the next starts (runs happen on one thread; the watcher
  thread only collects);
- a run's own writes do not trigger the next one: an event for a file a step of the last run
  produced, whose content is still what that step's record says, is dropped.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connkit.engine.globs import base_of, compile_patterns
from connkit.engine.hashing import digest_file
from connkit.engine.project import Project
from connkit.engine.results import Plan, RunResult
from connkit.engine.step import Step
from connkit.engine.store.backend import CacheBackend
from connkit.errors import ConnkitError

#: watchfiles' grouping: a batch is yielded once no new event came for STEP_MS, or after
#: DEBOUNCE_MS at the latest.
STEP_MS = 200
DEBOUNCE_MS = 1600
_TICK_MS = 250  # how often the watcher thread looks up from the OS's events (not a poll)


@dataclass(frozen=True)
class Change:
    path: str  # workspace-relative, POSIX
    kind: str  # added | modified | deleted


@dataclass(frozen=True)
class WatchSet:
    """What to watch for a set of steps: the folders, and which paths below them count."""

    root: Path
    folders: tuple[Path, ...]
    patterns: tuple[tuple[str, ...], ...]  # each selected step's input patterns

    def accepts(self, rel: str) -> bool:
        return any(compile_patterns(p).match(rel) for p in self.patterns)


def watch_set(project: Project, steps: Iterable[Step]) -> WatchSet:
    """The folders the steps' input patterns start from (the nearest existing folder for
    one not made yet), without folders already inside another."""
    root = project.root.resolve()
    patterns = tuple(tuple(s.inputs) for s in steps if s.inputs)
    found: set[Path] = set()
    for pattern in (p for group in patterns for p in group if not p.startswith("!")):
        folder = root / base_of(pattern) if base_of(pattern) else root
        while folder != root and not folder.is_dir():
            folder = folder.parent
        found.add(folder)
    folders = sorted(f for f in found if not any(o != f and o in f.parents for o in found))
    return WatchSet(root, tuple(folders), patterns)


def own_writes(result: RunResult | Plan, cache: CacheBackend) -> dict[str, str]:
    """Each file the run's steps produced, with the digest their records give it."""
    if not isinstance(result, RunResult):
        return {}
    files: dict[str, str] = {}
    for step in result.steps:
        if not step.status.succeeded or not step.key:
            continue
        record = cache.get_record(step.key)
        for entry in record.outputs if record is not None else ():
            if entry.kind == "file" and entry.digest:
                files[entry.path] = entry.digest
    return files


def drop_own_writes(root: Path, changes: Iterable[Change], own: dict[str, str]) -> list[Change]:
    """The changes a person made: not a produced file whose content is still the recorded one."""
    kept = []
    for change in changes:
        expected = own.get(change.path)
        if expected is not None and change.kind != "deleted":
            try:
                if digest_file(root / change.path) == expected:
                    continue
            except OSError:
                pass
        kept.append(change)
    return kept


class Watcher:
    """watchfiles on a thread of its own, collecting batches while the main thread runs."""

    def __init__(self, watched: WatchSet) -> None:
        self.watched = watched
        self._batches: queue.Queue[list[Change] | BaseException] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="connkit-watch", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        while not self._ready.wait(0.2):  # short waits: Ctrl-C stays responsive
            if not self._thread.is_alive():
                break
        self._raise_pending()
        return self

    def _raise_pending(self) -> None:
        try:
            item = self._batches.get_nowait()
        except queue.Empty:
            return
        if isinstance(item, BaseException):
            raise item
        self._batches.put(item)

    def _accept(self, _change: object, path: str) -> bool:
        rel = os.path.relpath(path, self.watched.root)
        if rel.startswith(".."):
            return False
        return self.watched.accepts(Path(rel).as_posix())

    def _run(self) -> None:
        import watchfiles

        names = {watchfiles.Change.added: "added", watchfiles.Change.modified: "modified"}
        names[watchfiles.Change.deleted] = "deleted"
        try:
            for events in watchfiles.watch(
                *self.watched.folders,
                watch_filter=self._accept,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self._stop,
                rust_timeout=_TICK_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._ready.set()
                if events:
                    root = self.watched.root
                    batch = {
                        Path(os.path.relpath(path, root)).as_posix(): names[kind] for kind, path in events
                    }
                    self._batches.put([Change(path, kind) for path, kind in sorted(batch.items())])
        except BaseException as exc:  # surfaced on the main thread
            self._batches.put(exc)
            self._ready.set()

    def next_batch(self) -> list[Change]:
        """Wait for changes, then take every batch that has arrived since: one run for all."""
        while True:
            try:
                item = self._batches.get(timeout=0.5)  # short waits: Ctrl-C stays responsive
                break
            except queue.Empty:
                continue
        merged: dict[str, str] = {}
        while True:
            if isinstance(item, BaseException):
                raise item
            merged.update((c.path, c.kind) for c in item)
            try:
                item = self._batches.get_nowait()
            except queue.Empty:
                break
        return [Change(path, kind) for path, kind in sorted(merged.items())]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


RunFn = Callable[[Sequence[Step], list[Change]], RunResult | Plan]


def watch(
    project: Project,
    load_steps: Callable[[], tuple[Sequence[Step], list[Step]]],
    run: RunFn,
    cache: Callable[[], CacheBackend],
    waiting: Callable[[WatchSet], None],
    failed: Callable[[ConnkitError], None],
) -> None:
    """Run, then rerun on every batch of changes, until interrupted (KeyboardInterrupt).

    ``load_steps`` returns (every step, the selected ones) and is asked again before each run,
    so steps that appear meanwhile (a new connector) join; ``run`` runs the target for a batch
    (empty the first time); ``waiting`` says that the watcher is ready. An error of the first
    run ends the watch; a later one (a broken edit) is handed to ``failed`` and the watch goes on.
    """
    watcher: Watcher | None = None
    batch: list[Change] = []
    first = True
    try:
        while True:
            own: dict[str, str] = {}
            try:
                steps, selected = load_steps()
                watched = watch_set(project, selected)
                if watcher is None or watcher.watched.folders != watched.folders:
                    if watcher is not None:
                        watcher.stop()
                    watcher = Watcher(watched).start()  # before the run: an edit during it counts
                watcher.watched = watched
                result = run(steps, batch)
                store = cache()
                try:
                    own = own_writes(result, store)
                finally:
                    store.close()
            except ConnkitError as exc:
                if first or watcher is None:
                    raise
                failed(exc)
            first = False
            waiting(watcher.watched)
            batch = []
            while not batch:
                batch = drop_own_writes(watcher.watched.root, watcher.next_batch(), own)
    finally:
        if watcher is not None:
            watcher.stop()
