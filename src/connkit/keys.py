"""A step's cache key: the digest of everything that decides its result.

Ingredients are kept as a dict so the same data gives the key, is stored beside the record,
and is diffed by ``--explain`` to say exactly what changed since the step last ran.
Environment values are stored only as digests, never in clear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from connkit import fileset
from connkit.hashing import StatMemo, digest_json, digest_text
from connkit.steps import Step

#: Bump when the meaning of a key changes, so old records stop matching.
KEY_SCHEMA = 1


class ToolVersions:
    """Runs each tool's version command once per run; a missing tool is an ingredient too."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], str] = {}
        self._lock = Lock()

    def digest(self, argv: tuple[str, ...], env: Mapping[str, str]) -> str:
        with self._lock:
            if argv not in self._seen:
                self._seen[argv] = self._probe(argv, env)
            return self._seen[argv]

    @staticmethod
    def _probe(argv: tuple[str, ...], env: Mapping[str, str]) -> str:
        exe = shutil.which(argv[0], path=env.get("PATH"))
        if exe is None:
            return f"missing:{argv[0]}"
        try:
            proc = subprocess.run(argv, capture_output=True, env=dict(env), timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"error:{argv[0]}:{type(exc).__name__}"
        return digest_text(proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace"))


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
    schema: int = KEY_SCHEMA
    missing_tools: list[str] = field(default_factory=list)

    def key(self) -> str:
        data = self.as_dict()
        data.pop("missing_tools")
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


def ingredients(
    step: Step,
    root: Path,
    dep_keys: Mapping[str, str],
    memo: StatMemo,
    tools: ToolVersions,
    environ: Mapping[str, str] | None = None,
) -> Ingredients:
    environ = os.environ if environ is None else environ
    inputs = {}
    for rel in fileset.expand(root, step.inputs):
        try:
            inputs[rel] = memo.digest(root / rel)
        except OSError:
            inputs[rel] = "unreadable"
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
