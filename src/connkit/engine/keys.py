"""A step's cache key: the digest of everything that decides its result.

Ingredients are kept as a dict so the same data gives the key, is stored beside the record,
and is diffed by ``--explain`` to say exactly what changed since the step last ran.
Environment values are stored only as digests, never in clear.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from connkit.engine import globs as fileset
from connkit.engine.hashing import StatMemo, digest_json, digest_text
from connkit.engine.step import Step
from connkit.fsutil import atomic_write_bytes

#: Bump when the meaning of a key changes, so old records stop matching.
KEY_SCHEMA = 1


def version_output(argv: Sequence[str], env: Mapping[str, str], timeout: float = 120) -> tuple[str, int]:
    """What a version command prints (stdout, then stderr) and its exit code: the keys digest
    it, ``connkit doctor`` reads it. Raises OSError or TimeoutExpired when it cannot run."""
    proc = subprocess.run(list(argv), capture_output=True, env=dict(env), timeout=timeout, check=False)
    return proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace"), proc.returncode


class ToolVersions:
    """The digest of each tool's version output, probed at most once per run.

    Probing spawns a process (``mvn -v`` takes a second), so results are also remembered on
    disk against the resolved executable's path, size, mtime and inode and the PATH/JAVA_HOME
    it was found with: a no-op run spawns nothing, and replacing or switching the tool (an
    upgrade rewrites the file; another JDK resolves to another path) probes it again.
    """

    def __init__(self, memo_path: Path | None = None) -> None:
        self._seen: dict[tuple[str, ...], str] = {}
        self._lock = Lock()
        self._path = memo_path
        self._disk: dict[str, str] = {}
        self._dirty = False
        if memo_path is not None and memo_path.is_file():
            try:
                self._disk = json.loads(memo_path.read_bytes())
            except ValueError:
                self._disk = {}

    def digest(self, argv: tuple[str, ...], env: Mapping[str, str]) -> str:
        with self._lock:
            if argv not in self._seen:
                self._seen[argv] = self._lookup(argv, env)
            return self._seen[argv]

    def _lookup(self, argv: tuple[str, ...], env: Mapping[str, str]) -> str:
        exe = shutil.which(argv[0], path=env.get("PATH"))
        if exe is None:
            return f"missing:{argv[0]}"
        real = os.path.realpath(exe)
        st = os.stat(real)
        fingerprint = digest_json(
            [list(argv), real, st.st_size, st.st_mtime_ns, st.st_ino, env.get("PATH"), env.get("JAVA_HOME")]
        )
        known = self._disk.get(fingerprint)
        if known is not None:
            return known
        value = self._probe(argv, env)
        if not value.startswith("error:"):
            self._disk[fingerprint] = value
            self._dirty = True
        return value

    @staticmethod
    def _probe(argv: tuple[str, ...], env: Mapping[str, str]) -> str:
        try:
            output, _ = version_output(argv, env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"error:{argv[0]}:{type(exc).__name__}"
        return digest_text(output)

    def save(self) -> None:
        if self._path is not None and self._dirty:
            atomic_write_bytes(self._path, json.dumps(self._disk).encode(), durable=False)
            self._dirty = False


@dataclass
class Ingredients:
    """Everything a key is made of, in a form that can be stored and diffed."""

    step: str
    runs: str
    cwd: str
    outputs: list[str]
    set_env: dict[str, str]
    env: dict[str, str | None]
    tools: dict[str, str]
    inputs: dict[str, str]
    deps: dict[str, str]
    inputs_digest: str = ""
    schema: int = KEY_SCHEMA
    missing_tools: list[str] = field(default_factory=list)

    def key(self) -> str:
        """The inputs enter through their precomputed digest: one hash per file set per run."""
        data = self.as_dict()
        data.pop("missing_tools")
        data["inputs"] = self.inputs_digest or digest_json(self.inputs)
        return digest_json(data)

    def as_dict(self) -> dict:
        return {
            "schema": self.schema,
            "step": self.step,
            "runs": self.runs,
            "cwd": self.cwd,
            "outputs": self.outputs,
            "set_env": self.set_env,
            "env": self.env,
            "tools": self.tools,
            "inputs": self.inputs,
            "deps": self.deps,
            "missing_tools": self.missing_tools,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Ingredients:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class InputDigests:
    """Digests of the files a set of patterns names, shared by the steps of one run.

    Steps often read the same trees (every generator reads the schema folder): each listing
    and digest is computed once per scanner generation, and the runner bumps the generation
    whenever a step may have written files.
    """

    def __init__(self, root: Path, memo: StatMemo, scanner: fileset.Scanner | None = None) -> None:
        self.root = str(root)
        self.memo = memo
        self.scanner = scanner or fileset.Scanner(root)
        self._seen: dict[tuple[str, ...], tuple[dict[str, str], str]] = {}
        self._lock = Lock()

    def of(self, patterns: tuple[str, ...]) -> tuple[dict[str, str], str]:
        """(path -> digest, digest of that whole mapping) for the files the patterns name."""
        found = self._seen.get(patterns)
        if found is not None:
            return found
        generation = self.scanner.generation
        digests: dict[str, str] = {}
        root = self.root + os.sep
        digest = self.memo.digest
        for rel in self.scanner.expand(patterns):
            try:
                digests[rel] = digest(root + rel)
            except OSError:
                digests[rel] = "unreadable"
        result = (digests, digest_json(digests))
        with self._lock:
            if generation == self.scanner.generation:  # nothing wrote while we looked
                self._seen[patterns] = result
        return result

    def invalidate(self, roots: list[str] | None = None) -> None:
        """Forget what a write may have changed: everything (a command can write anywhere),
        or only what lies under ``roots`` (a restore writes exactly its declared outputs)."""
        with self._lock:
            self.scanner.invalidate(roots)
            if roots is None:
                self._seen.clear()
                return
            for patterns in list(self._seen):
                bases = [fileset.base_of(p) for p in patterns if not p.startswith("!")]
                if any(fileset.overlaps(base, root) for base in bases for root in roots):
                    del self._seen[patterns]


def ingredients(
    step: Step,
    root: Path,
    dep_keys: Mapping[str, str],
    memo: StatMemo,
    tools: ToolVersions,
    environ: Mapping[str, str] | None = None,
    digests: InputDigests | None = None,
) -> Ingredients:
    environ = os.environ if environ is None else environ
    digests = digests or InputDigests(root, memo)
    inputs, inputs_digest = digests.of(tuple(step.inputs))
    tool_digests = {" ".join(argv): tools.digest(argv, environ) for argv in step.tools}
    return Ingredients(
        step=step.id,
        runs=step.runs,
        cwd=step.cwd,
        outputs=list(step.outputs),
        set_env=dict(sorted(step.set_env.items())),
        env={name: (digest_text(environ[name]) if name in environ else None) for name in sorted(step.env)},
        tools=tool_digests,
        inputs=inputs,
        inputs_digest=inputs_digest,
        deps={dep: dep_keys[dep] for dep in sorted(step.deps)},
        missing_tools=[argv[0] for argv in step.tools if tool_digests[" ".join(argv)].startswith("missing:")],
    )


def explain(previous: Ingredients | None, current: Ingredients) -> list[str]:
    """Why ``current`` misses: each ingredient that differs from the last recorded run."""
    if previous is None:
        return ["no previous record of this step"]
    reasons: list[str] = []
    if previous.schema != current.schema:
        reasons.append("connkit's key format changed")
    if previous.runs != current.runs:
        reasons.append(f"command changed: {previous.runs!r} -> {current.runs!r}")
    if previous.cwd != current.cwd:
        reasons.append(f"working directory changed: {previous.cwd} -> {current.cwd}")
    if previous.outputs != current.outputs:
        reasons.append("declared outputs changed")
    for name in sorted(set(previous.set_env) | set(current.set_env)):
        if previous.set_env.get(name) != current.set_env.get(name):
            reasons.append(f"fixed env {name} changed")
    for name in sorted(set(previous.env) | set(current.env)):
        if previous.env.get(name) != current.env.get(name):
            was, now = previous.env.get(name), current.env.get(name)
            what = "set" if was is None else "unset" if now is None else "changed"
            reasons.append(f"env {name} {what}")
    for tool in sorted(set(previous.tools) | set(current.tools)):
        if previous.tools.get(tool) != current.tools.get(tool):
            reasons.append(f"tool version changed: `{tool}`")
    _diff_paths(previous.inputs, current.inputs, reasons)
    for dep in sorted(set(previous.deps) | set(current.deps)):
        if previous.deps.get(dep) != current.deps.get(dep):
            reasons.append(f"dependency {dep} changed")
    if not reasons:
        reasons.append("same inputs as the last record, but its cache entry is gone")
    return reasons


def _diff_paths(old: Mapping[str, str], new: Mapping[str, str], reasons: list[str]) -> None:
    changed = [p for p in new if p in old and old[p] != new[p]]
    added = [p for p in new if p not in old]
    removed = [p for p in old if p not in new]
    for label, paths in (("changed", changed), ("added", added), ("removed", removed)):
        for path in paths[:10]:
            reasons.append(f"input {label}: {path}")
        if len(paths) > 10:
            reasons.append(f"... and {len(paths) - 10} more inputs {label}")
