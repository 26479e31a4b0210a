"""Ordering steps: target selection, cycle errors, closures and dependents (pictures of the
graph are ``render``'s)."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from connkit.engine.step import Step
from connkit.errors import UsageError


@dataclass(frozen=True)
class Graph:
    """Steps by id with their dependency edges; built once, checked once."""

    steps: Mapping[str, Step]

    @classmethod
    def build(cls, steps: Iterable[Step]) -> Graph:
        by_id: dict[str, Step] = {}
        for step in steps:
            if step.id in by_id:
                raise UsageError(f"two steps are both called {step.id!r}; step ids must be unique")
            by_id[step.id] = step
        for step in by_id.values():
            for dep in step.deps:
                if dep not in by_id:
                    raise UsageError(f"step {step.id!r} depends on unknown step {dep!r}")
        graph = cls(by_id)
        graph.order(list(by_id))  # raises on a cycle
        return graph

    def resolve(self, targets: Sequence[str]) -> list[str]:
        """Step ids a target names: itself, or every step under its dotted prefix."""
        chosen: list[str] = []
        for target in targets or list(self.steps):
            if target in self.steps:
                found = [target]
            else:
                found = [s for s in self.steps if s.startswith(target + ".")]
            if not found:
                known = ", ".join(sorted({s.split(".")[0] for s in self.steps})) or "none"
                raise UsageError(
                    f"no step or target named {target!r}; targets here: {known} (see `connkit graph`)"
                )
            chosen.extend(s for s in found if s not in chosen)
        return chosen

    def closure(self, ids: Iterable[str]) -> list[str]:
        """The given steps and everything they depend on."""
        seen: set[str] = set()
        stack = list(ids)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.steps[current].deps)
        return [s for s in self.steps if s in seen]

    def sorter(self, ids: Iterable[str]) -> graphlib.TopologicalSorter:
        wanted = set(ids)
        sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
        for sid in wanted:
            sorter.add(sid, *[d for d in self.steps[sid].deps if d in wanted])
        return sorter

    def order(self, ids: Iterable[str]) -> list[str]:
        try:
            return list(self.sorter(ids).static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise UsageError(f"the steps form a cycle: {cycle}; remove one of those deps") from None

    def dependents(self, ids: Iterable[str]) -> set[str]:
        """Everything downstream of the given steps."""
        reverse: dict[str, list[str]] = {s: [] for s in self.steps}
        for step in self.steps.values():
            for dep in step.deps:
                reverse[dep].append(step.id)
        out: set[str] = set()
        stack = list(ids)
        while stack:
            for child in reverse[stack.pop()]:
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return out
