"""One run of the graph, read top to bottom: lock the cache → select steps → for each ready
step compute its key, replay or restore a hit or execute a miss → record → summarise.

A record is written only after the step succeeded, its inputs did not move under it and
every output blob is stored; a failed, interrupted or cancelled step records nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from connkit.engine import history, keys
from connkit.engine.graph import Graph
from connkit.engine.hashing import StatMemo
from connkit.engine.mask import masker, secret_values
from connkit.engine.options import RunOptions
from connkit.engine.process import Runner, SubprocessRunner, missing_tool_message
from connkit.engine.project import Project, keep_out_of_git
from connkit.engine.report import Reporter, SilentReporter
from connkit.engine.results import Plan, PlanEntry, RunResult, Status, StepResult
from connkit.engine.state import CacheLayout
from connkit.engine.step import DEFAULT_PASS_ENV, Step, StepContext, StepFailed
from connkit.engine.store import outputs
from connkit.engine.store.backend import CacheBackend, record_source
from connkit.engine.store.local import LocalCache
from connkit.engine.store.records import ActionRecord
from connkit.errors import ConnkitError
from connkit.fsutil import atomic_write_bytes, atomic_write_text

LOG_TAIL_LINES = 60


@dataclass
class _Shared:
    project: Project
    graph: Graph
    options: RunOptions
    cache: CacheBackend
    layout: CacheLayout
    memo: StatMemo
    tools: keys.ToolVersions
    digests: keys.InputDigests
    runner: Runner
    reporter: Reporter
    environ: Mapping[str, str]
    results: dict[str, StepResult | PlanEntry] = field(default_factory=dict)
    cancelled: threading.Event = field(default_factory=threading.Event)
    began: float = field(default_factory=time.perf_counter)
    lanes: dict[int, int] = field(default_factory=dict)  # thread ident -> worker number
    lanes_lock: threading.Lock = field(default_factory=threading.Lock)

    def lane(self) -> int:
        """The calling worker thread's number, 0 for the first thread that asks."""
        ident = threading.get_ident()
        with self.lanes_lock:
            return self.lanes.setdefault(ident, len(self.lanes))


def step_environment(step: Step, environ: Mapping[str, str]) -> dict[str, str]:
    """Only declared variables reach a command: keyed ones, pass-through ones (secrets among
    them), fixed ones."""
    names = (*DEFAULT_PASS_ENV, *step.pass_env, *step.secrets, *step.env)
    env = {name: environ[name] for name in names if name in environ}
    env.update(step.set_env)
    return env


def acquire_lock(layout: CacheLayout, reporter: Reporter) -> FileLock:
    """The one lock a cache has: a second run says it is waiting, then waits."""
    layout.root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(layout.lock))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        reporter.waiting(f"waiting for another connkit run using {layout.root} to finish …")
        lock.acquire()
    return lock


def run_steps(
    project: Project,
    steps: Iterable[Step],
    targets: Sequence[str] = (),
    options: RunOptions | None = None,
    *,
    reporter: Reporter | None = None,
    cache: CacheBackend | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunResult | Plan:
    """Run ``targets`` (and what they depend on); with ``options.dry_run``, only plan them."""
    options = options or RunOptions()
    reporter = reporter or SilentReporter()
    graph = Graph.build(steps)
    selected = graph.closure(graph.resolve(targets))
    layout = CacheLayout(project.state_dir)
    lock = acquire_lock(layout, reporter)
    own_cache = LocalCache(layout.store) if cache is None else None
    try:
        memo = StatMemo(layout.memo)
        shared = _Shared(
            project=project,
            graph=graph,
            options=options,
            cache=cache if cache is not None else own_cache,
            layout=layout,
            memo=memo,
            tools=keys.ToolVersions(layout.tools),
            digests=keys.InputDigests(project.root, memo),
            runner=SubprocessRunner(),
            reporter=reporter,
            environ=os.environ if environ is None else environ,
        )
        started = shared.began = time.perf_counter()
        try:
            _execute(shared, selected)
        finally:
            shared.memo.save()
            shared.tools.save()
            if not options.dry_run:
                keep_out_of_git(project.root)
        ordered = [shared.results[s] for s in graph.order(selected) if s in shared.results]
        seconds = time.perf_counter() - started
        result: RunResult | Plan
        if options.dry_run:
            result = Plan(steps=ordered, seconds=seconds)  # type: ignore[arg-type]
        else:
            result = RunResult(steps=ordered, seconds=seconds)  # type: ignore[arg-type]
            payload = json.dumps(result.as_dict(), indent=2) + "\n"
            atomic_write_text(layout.runs / "last.json", payload, durable=False)
            history.record(layout.runs, result, targets, history.git_commit(project.root))
        reporter.finished(result)
        return result
    finally:
        if own_cache is not None:
            own_cache.close()
        lock.release()


def _execute(shared: _Shared, selected: list[str]) -> None:
    sorter = shared.graph.sorter(selected)
    sorter.prepare()
    jobs = max(1, shared.options.jobs)
    if jobs == 1:  # one step at a time: no pool to start and feed
        try:
            while sorter.is_active():
                for step_id in sorter.get_ready():
                    _process(shared, shared.graph.steps[step_id])
                    sorter.done(step_id)
        except BaseException:
            shared.cancelled.set()
            shared.runner.cancel()
            raise
        return
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="connkit-step") as pool:
        running: dict[Future, str] = {}
        try:
            while sorter.is_active():
                for step_id in sorter.get_ready():
                    running[pool.submit(_process, shared, shared.graph.steps[step_id])] = step_id
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    step_id = running.pop(future)
                    future.result()
                    sorter.done(step_id)
        except BaseException:
            shared.cancelled.set()
            shared.runner.cancel()
            raise


def _process(shared: _Shared, step: Step) -> None:
    started = time.perf_counter()
    offset = round(started - shared.began, 4)
    failed_deps = [d for d in (*step.deps, *step.after) if not _succeeded(shared.results[d])]
    if failed_deps:
        result = StepResult(step.id, Status.SKIPPED, message=f"{failed_deps[0]} did not succeed")
        result.started, result.worker = offset, shared.lane()
        shared.results[step.id] = result
        shared.reporter.step_finished(result)
        return
    dep_keys = {d: shared.results[d].key for d in step.deps}
    ingredients = keys.ingredients(
        step, shared.project.root, dep_keys, shared.memo, shared.tools, shared.environ, shared.digests
    )
    key = ingredients.key()
    options = shared.options
    if options.dry_run:
        hit = _usable(options, step) and shared.cache.get_record(key) is not None
        reasons = [] if hit else _reasons(shared, step, ingredients)
        entry = PlanEntry(step.id, key, hit, reasons, round(time.perf_counter() - started, 4))
        shared.results[step.id] = entry
        shared.reporter.planned(entry)
        return
    result, replay = _lookup(shared, step, key)
    if result is None:
        reasons = _reasons(shared, step, ingredients) if options.explain else []
        shared.reporter.step_started(step)
        result, replay = _run_and_record(shared, step, key, ingredients)
        result.reasons = reasons
    result.seconds = round(time.perf_counter() - started, 4)
    result.started, result.worker = offset, shared.lane()
    shared.results[step.id] = result
    shared.reporter.step_finished(result, replay)


def _succeeded(result: StepResult | PlanEntry) -> bool:
    return isinstance(result, PlanEntry) or result.status.succeeded


def _usable(options: RunOptions, step: Step) -> bool:
    """Whether this run may take the step's result from the cache."""
    return not (options.force or options.no_cache or not step.cacheable)


def _reasons(shared: _Shared, step: Step, ingredients: keys.Ingredients) -> list[str]:
    """Why a step runs: the flag that forces it, or what changed since its record."""
    if shared.options.force:
        return ["--force"]
    if not step.cacheable:
        return ["caching is off for this step"]
    if shared.options.no_cache:
        return ["--no-cache"]
    if not step.restorable and shared.cache.get_record(ingredients.key()) is not None:
        return ["outputs missing or changed (this step's outputs are re-made, not restored)"]
    return keys.explain(_previous_ingredients(shared, step.id), ingredients)


def _lookup(shared: _Shared, step: Step, key: str) -> tuple[StepResult | None, str | None]:
    """A hit replays (outputs in place) or restores (outputs missing or different)."""
    if not _usable(shared.options, step):
        return None, None
    record = shared.cache.get_record(key)
    if record is None:
        return None, None
    root = shared.project.root
    if outputs.matches(root, record, shared.memo):
        status = Status.CACHED
    elif not step.restorable:
        return None, None
    else:
        try:
            try:
                outputs.restore(root, record, shared.cache, shared.memo)
            finally:  # after the writes, so no listing taken mid-restore survives
                shared.digests.invalidate(record.roots)
        except outputs.UnsafeRecord as exc:
            shared.reporter.note(f"{step.id}: refused a cache record: {exc}; running the step")
            shared.cache.drop_record(key)
            return None, None
        except OSError as exc:
            shared.reporter.note(f"{step.id}: could not restore from the cache ({exc}); running the step")
            return None, None
        except outputs.CorruptBlob as exc:
            what = "missing" if exc.missing else "corrupt"
            shared.reporter.note(f"{step.id}: {what} cache blob {exc.digest[:12]}; running the step")
            if not exc.missing:
                shared.cache.drop_blob(exc.digest)
            shared.cache.drop_record(key)
            return None, None
        status = Status.RESTORED
    replay = None
    if record.log:
        data = shared.cache.read_blob(record.log)
        replay = data.decode("utf-8", errors="replace") if data is not None else None
    source = record_source(shared.cache, key)
    return StepResult(step.id, status, key=key, source=source, saved=record.seconds), replay


def _previous_ingredients(shared: _Shared, step_id: str) -> keys.Ingredients | None:
    try:
        data = json.loads(shared.layout.last_ingredients(step_id).read_bytes())
        return keys.Ingredients.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None


class _Log:
    """A step's captured output, secrets masked: written to ``.connkit/logs/<id>.log`` as it
    arrives (and later stored for replay)."""

    def __init__(self, path: Path, reporter: Reporter, step_id: str, secrets: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._reporter = reporter
        self._step_id = step_id
        self._mask = masker(secrets)

    def line(self, text: str) -> None:
        text = self._mask(text)
        if not text.endswith("\n"):
            text += "\n"
        self._fh.write(text)
        self._fh.flush()
        self._reporter.step_output(self._step_id, text)

    def close(self) -> str:
        self._fh.close()
        return self.path.read_text(encoding="utf-8", errors="replace")


def _run_and_record(
    shared: _Shared, step: Step, key: str, ingredients: keys.Ingredients
) -> tuple[StepResult, str | None]:
    root = shared.project.root
    env = step_environment(step, shared.environ)
    secrets = secret_values(env, step.secrets)
    log = _Log(shared.layout.logs / f"{step.id}.log", shared.reporter, step.id, secrets)
    cwd = root / step.cwd
    began = time.perf_counter()
    message = ""
    try:
        if ingredients.missing_tools:
            raise StepFailed(missing_tool_message(ingredients.missing_tools[0]))
        if step.command is not None:
            code = shared.runner.run(step.command, cwd, env, log.line)
            if code != 0:
                raise StepFailed(f"`{step.runs}` exited with code {code}")
        else:
            assert step.action is not None

            def run(argv: Sequence[str], cwd: Path | str | None = None) -> None:
                where = root / cwd if cwd is not None else root / step.cwd
                code = shared.runner.run(list(argv), where, env, log.line)
                if code != 0:
                    raise StepFailed(f"`{' '.join(map(str, argv))}` exited with code {code}")

            step.action(StepContext(shared.project, step, env, log.line, run))
    except (StepFailed, FileNotFoundError, ConnkitError) as exc:
        message = str(exc)
    except Exception as exc:  # an action's bug must not take the whole run down
        message = f"{type(exc).__name__}: {exc}"
    text = log.close()
    seconds = time.perf_counter() - began
    shared.digests.invalidate()
    if message or shared.cancelled.is_set():
        tail = text.splitlines()[-LOG_TAIL_LINES:]
        message = message or "cancelled"
        return StepResult(step.id, Status.FAILED, key=key, message=message, log_tail=tail), None
    if step.cacheable and not shared.options.no_cache:
        _record(shared, step, key, ingredients, text, seconds)
    return StepResult(step.id, Status.RAN, key=key), text


def _record(
    shared: _Shared,
    step: Step,
    key: str,
    ingredients: keys.Ingredients,
    log_text: str,
    seconds: float,
) -> None:
    root = shared.project.root
    dep_keys = ingredients.deps
    after = keys.ingredients(step, root, dep_keys, shared.memo, shared.tools, shared.environ, shared.digests)
    if after.inputs != ingredients.inputs:
        shared.reporter.note(f"{step.id}: inputs changed while it ran; result not cached")
        return
    try:
        entries = outputs.snapshot(root, step.outputs, shared.memo)
        outputs.store(root, entries, shared.cache)
    except (OSError, outputs.UnsafeRecord) as exc:
        shared.reporter.note(f"{step.id}: outputs not cached: {exc}")
        return
    if shared.cancelled.is_set():
        return
    record = ActionRecord(
        key=key,
        step=step.id,
        roots=list(step.outputs),
        outputs=entries,
        exit_code=0,
        log=shared.cache.put_blob_bytes(log_text.encode("utf-8")),
        seconds=round(seconds, 4),
        created=time.time(),
    )
    shared.cache.put_record(record)
    ingredients_json = json.dumps(ingredients.as_dict()).encode()  # for --explain: a convenience
    atomic_write_bytes(shared.layout.last_ingredients(step.id), ingredients_json, durable=False)
