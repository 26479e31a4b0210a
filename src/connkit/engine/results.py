"""What a run produced, in the shape `.connkit/runs/last.json` and `--json` share.

A run's steps end in one ``Status``; a dry run produces a ``Plan`` instead, whose entries say
only whether each step would hit the cache — a plan is not a run and shares no states with it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    RAN = "ran"
    CACHED = "cached"
    RESTORED = "restored"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def succeeded(self) -> bool:
        return self in (Status.RAN, Status.CACHED, Status.RESTORED)

    @property
    def from_cache(self) -> bool:
        return self in (Status.CACHED, Status.RESTORED)

    def __str__(self) -> str:
        return self.value


@dataclass
class StepResult:
    id: str
    status: Status
    key: str = ""
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    message: str = ""
    log_tail: list[str] = field(default_factory=list)
    started: float = 0.0  # seconds after the run began
    worker: int = 0  # which of the run's worker threads (0, 1, …) processed the step
    source: str = ""  # for a hit: "local" or "remote", the store its record came from
    saved: float = 0.0  # for a hit: the recorded duration of the run it replays

    def as_dict(self) -> dict:
        data = {
            "id": self.id,
            "status": self.status.value,
            "key": self.key,
            "seconds": self.seconds,
            "started": self.started,
            "worker": self.worker,
        }
        if self.source:
            data["source"] = self.source
            data["saved"] = self.saved
        if self.reasons:
            data["reasons"] = self.reasons
        if self.message:
            data["message"] = self.message
        return data


def _noun(n: int) -> str:
    return "step" if n == 1 else "steps"


@dataclass
class RunResult:
    steps: list[StepResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(s.status.succeeded for s in self.steps)

    def by_id(self) -> dict[str, StepResult]:
        return {s.id: s for s in self.steps}

    def counts(self) -> Counter:
        return Counter(s.status for s in self.steps)

    @property
    def saved(self) -> float:
        """What the cache saved: the recorded durations of every step it replayed."""
        return round(sum(s.saved for s in self.steps), 4)

    def summary_line(self) -> str:
        counts = self.counts()
        parts = [f"{counts[s]} {s.value}" for s in Status if counts[s]]
        n = len(self.steps)
        saved = f" (saved {self.saved:.1f} s)" if self.saved else ""
        return f"{n} {_noun(n)}: {', '.join(parts) or 'nothing to do'} — {self.seconds:.1f} s{saved}"

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 4),
            "saved": self.saved,
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass
class PlanEntry:
    """One step of a dry run: its key and whether the cache holds a record for it."""

    id: str
    key: str
    hit: bool
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def cache(self) -> str:
        return "hit" if self.hit else "miss"

    def as_dict(self) -> dict:
        data = {"id": self.id, "status": self.cache, "key": self.key, "seconds": self.seconds}
        if self.reasons:
            data["reasons"] = self.reasons
        return data


@dataclass
class Plan:
    """What a run would do (``--dry-run``); writes nothing."""

    steps: list[PlanEntry]
    seconds: float

    ok = True

    def by_id(self) -> dict[str, PlanEntry]:
        return {s.id: s for s in self.steps}

    def summary_line(self) -> str:
        hits = sum(1 for s in self.steps if s.hit)
        misses = len(self.steps) - hits
        parts = [f"{hits} hit"] * bool(hits) + [f"{misses} miss"] * bool(misses)
        n = len(self.steps)
        return f"{n} {_noun(n)} planned: {', '.join(parts) or 'nothing to do'} — {self.seconds:.1f} s"

    def as_dict(self) -> dict:
        steps = [s.as_dict() for s in self.steps]
        return {"seconds": round(self.seconds, 4), "steps": steps, "dry_run": True}
